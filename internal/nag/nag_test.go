package nag

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestMerge(t *testing.T) {
	iam5 := Suppression{ID: "AwsSolutions-IAM5", Reason: "X-Ray accepts only Resource \"*\".", AppliesTo: []any{"Resource::*"}}
	s1 := Suppression{ID: "AwsSolutions-S1", Reason: "Receives access logs itself."}
	for _, tc := range []struct {
		name     string
		existing any
		sups     []Suppression
		want     map[string]any
	}{
		{"nothing before", nil, []Suppression{s1}, map[string]any{"rules_to_suppress": []any{
			map[string]any{"id": "AwsSolutions-S1", "reason": "Receives access logs itself."}}}},
		{"kept and appended", map[string]any{"rules_to_suppress": []any{map[string]any{"id": "AwsSolutions-S1", "reason": "Receives access logs itself."}}},
			[]Suppression{iam5}, map[string]any{"rules_to_suppress": []any{
				map[string]any{"id": "AwsSolutions-S1", "reason": "Receives access logs itself."},
				map[string]any{"id": "AwsSolutions-IAM5", "reason": "X-Ray accepts only Resource \"*\".", "applies_to": []any{"Resource::*"}}}}},
		{"exact repeat dropped", nil, []Suppression{s1, s1}, map[string]any{"rules_to_suppress": []any{
			map[string]any{"id": "AwsSolutions-S1", "reason": "Receives access logs itself."}}}},
		{"unreadable metadata replaced", "not a map", []Suppression{s1}, map[string]any{"rules_to_suppress": []any{
			map[string]any{"id": "AwsSolutions-S1", "reason": "Receives access logs itself."}}}},
		{"reason beyond Latin-1 encoded as cdk-nag does", nil, []Suppression{{ID: "AwsSolutions-S1", Reason: "Logs → itself"}},
			map[string]any{"rules_to_suppress": []any{map[string]any{"id": "AwsSolutions-S1", "reason": "TG9ncyDihpIgaXRzZWxm", "is_reason_encoded": true}}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, merge(tc.existing, tc.sups)); diff != "" {
				t.Errorf("merge (-want +got):\n%s", diff)
			}
		})
	}
}
