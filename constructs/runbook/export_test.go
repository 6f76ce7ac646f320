package runbook

import "pgregory.net/rapid"

// GenValid draws a valid document from the property test's generator, for
// the oracle test of package runbook_test.
func GenValid(t *rapid.T) *Document { return genDocument(t).doc }
