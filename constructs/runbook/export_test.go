package runbook

import (
	"encoding/json"
	"fmt"
	"time"

	"pgregory.net/rapid"

	"github.com/handsoff-cdk/handsoff/internal/signin"
)

// GenValid draws a valid document from the property test's generator, for
// the oracle test of package runbook_test.
func GenValid(t *rapid.T) *Document { return genDocument(t).doc }

// Link is the one-click link, for the test that holds it to the CLI's.
func Link(startURL, roleName, account, region, document string) string {
	return signin.RunbookLink(startURL, roleName, account, region, document)
}

// StartPolicyJSON is the developer policy's document for runbooks of one
// account and region, as IAM JSON, for the policy oracle's property.
func StartPolicyJSON(docs, roles []string) []byte {
	var targets []startTarget
	for i := range docs {
		targets = append(targets, startTarget{place: testPlace, doc: docs[i], role: roles[i]})
	}
	raw, _ := json.Marshal(map[string]any{"Version": "2012-10-17", "Statement": startStatements(targets)})
	return raw
}

var testPlace = place{partition: "aws", region: "eu-west-1", account: "111122223333"}

// DrawnGuarded is a guarded runbook's document and role statements from
// drawn props.
type DrawnGuarded struct {
	Kind     string
	Doc      *Document
	Policy   []byte // the role's policy document, IAM JSON
	Checks   int    // SnapshotDatabase's load checks
	Topic    bool
	Target   string // the locked target: service/cluster/service, distribution, instance
	Calendar string // the calendar parameter's ARN
}

// DrawGuarded draws the props of one of the three runbooks, valid ones,
// and builds its document and statements as the constructs do.
func DrawGuarded(t *rapid.T) DrawnGuarded {
	g := guard{
		service:     rapid.StringMatching(`[a-z][a-z0-9-]{0,20}`).Draw(t, "service"),
		environment: rapid.StringMatching(`[A-Za-z][A-Za-z0-9-]{0,20}`).Draw(t, "environment"),
		stage:       rapid.SampledFrom([]string{"dev", "staging", "prod"}).Draw(t, "stage"),
		role:        "arn:aws:iam::111122223333:role/Runbook",
		what:        "does a thing",
	}
	d := DrawnGuarded{Topic: rapid.Bool().Draw(t, "topic"), Calendar: g.calendarParameter(testPlace)}
	if d.Topic {
		g.topic = "arn:aws:sns:eu-west-1:111122223333:" + rapid.StringMatching(`[A-Za-z0-9_-]{1,30}`).Draw(t, "topicName")
	}
	var ss []statement
	switch d.Kind = rapid.SampledFrom([]string{"refresh", "invalidate", "snapshot"}).Draw(t, "kind"); d.Kind {
	case "refresh":
		s := refreshSpec{guard: g, cluster: rapid.StringMatching(`[A-Za-z0-9_-]{1,40}`).Draw(t, "cluster"),
			ecsService: rapid.StringMatching(`[A-Za-z0-9_-]{1,40}`).Draw(t, "ecsService"),
			timeout:    time.Duration(rapid.IntRange(1, 720).Draw(t, "minutes")) * time.Minute}
		d.Doc, ss, d.Target = s.document(), s.statements(testPlace), s.cluster+"/"+s.ecsService
	case "invalidate":
		s := invalidateSpec{guard: g, distribution: rapid.StringMatching(`E[A-Z0-9]{5,13}`).Draw(t, "distribution"),
			timeout: time.Duration(rapid.IntRange(1, 720).Draw(t, "minutes")) * time.Minute}
		if rapid.Bool().Draw(t, "defaults") {
			s.defaults = rapid.SliceOfNDistinct(rapid.StringMatching(`/[a-z0-9._-]{0,12}(/\*)?`), 1, 4, rapid.ID[string]).Draw(t, "paths")
		}
		d.Doc, ss, d.Target = s.document(), s.statements(testPlace), s.distribution
	case "snapshot":
		db := rapid.StringMatching(`[a-z]([a-z0-9]|-[a-z0-9]){0,30}`).Draw(t, "db")
		start := rapid.IntRange(0, 24*60-1).Draw(t, "start")
		end := rapid.IntRange(0, 24*60-1).Filter(func(e int) bool { return e != start }).Draw(t, "end")
		s := snapshotSpec{guard: g, db: db,
			window:    DailyWindow{time.Duration(start) * time.Minute, time.Duration(end) * time.Minute},
			threshold: float64(rapid.IntRange(1, 9999).Draw(t, "threshold")) / 100,
			checks:    rapid.IntRange(1, 8).Draw(t, "checks"), interval: loadInterval,
			timeout: time.Duration(rapid.IntRange(1, 1440).Draw(t, "minutes")) * time.Minute, snapPrefix: "handsoff-" + db + "-"}
		d.Doc, ss, d.Target, d.Checks = s.document(), s.statements(testPlace), db, s.checks
	}
	raw, err := json.Marshal(map[string]any{"Version": "2012-10-17", "Statement": ss})
	if err != nil {
		panic(fmt.Sprint(err))
	}
	d.Policy = raw
	return d
}
