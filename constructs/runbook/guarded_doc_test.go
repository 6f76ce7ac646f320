package runbook_test

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"

	"pgregory.net/rapid"

	"github.com/handsoff-cdk/handsoff/constructs/runbook"
)

// expectFor is what a drawn runbook's role may name: its calendar, its
// topic, its target.
func expectFor(d runbook.DrawnGuarded) roleExpect {
	q := regexp.QuoteMeta
	e := roleExpect{
		"ssm:GetParameter": {regexp.MustCompile("^" + q(d.Calendar) + "$")},
		"sns:Publish":      {arnOf("sns", "", `[A-Za-z0-9_-]+`)},
	}
	switch d.Kind {
	case "refresh":
		svc := arnOf("ecs", "", "service/"+q(d.Target))
		e["ecs:UpdateService"], e["ecs:DescribeServices"] = []*regexp.Regexp{svc}, []*regexp.Regexp{svc}
	case "invalidate":
		dist := regexp.MustCompile(`^arn:[^:]+:cloudfront::[^:]+:distribution/` + q(d.Target) + "$")
		for _, a := range []string{"GetDistribution", "ListInvalidations", "CreateInvalidation", "GetInvalidation"} {
			e["cloudfront:"+a] = []*regexp.Regexp{dist}
		}
	case "snapshot":
		rds := []*regexp.Regexp{arnOf("rds", "", "db:"+q(d.Target)), arnOf("rds", "", `snapshot:handsoff-`+q(d.Target)+`-\*`)}
		e["rds:CreateDBSnapshot"], e["rds:DescribeDBSnapshots"] = rds, rds
		e["cloudwatch:GetMetricStatistics"] = []*regexp.Regexp{regexp.MustCompile(`^\*$`)}
	}
	return e
}

// steps are the step names a drawn runbook's document must have, in order.
func steps(d runbook.DrawnGuarded) []string {
	s := []string{"ReadCalendar", "FreezeGuard"}
	switch d.Kind {
	case "refresh":
		s = append(s, "UpdateService", "WaitStarted", "WaitForRollout", "CheckRolledOut", "CheckDeployment", "Done")
	case "invalidate":
		s = append(s, "CheckDeployed", "CheckInvalidations", "CreateInvalidation", "WaitCompleted", "Done")
	case "snapshot":
		s = append(s, "OffPeak")
		for i := 1; i <= d.Checks; i++ {
			s = append(s, fmt.Sprintf("Load%d", i), fmt.Sprintf("Quiet%d", i))
			if i < d.Checks {
				s = append(s, fmt.Sprintf("Pause%d", i))
			}
		}
		s = append(s, "CreateSnapshot", "WaitAvailable", "Done", "TooBusy")
	}
	if d.Topic {
		s = append(s, "Notify", "Fail")
	}
	return s
}

// TestGuardedDocumentsProperty: for any valid props of the three
// runbooks, the document validates; it holds to the actions' table in
// JSON and in YAML; its steps are the guard, the runbook's own, Done, and
// Notify and Fail with a topic, every step but the ends jumping to Notify;
// it takes no parameter but InvalidatePaths' Paths, and names its target
// itself; the role allows exactly what the steps call, on the target.
func TestGuardedDocumentsProperty(t *testing.T) {
	tb := loadTable(t)
	rapid.Check(t, func(t *rapid.T) {
		d := runbook.DrawGuarded(t)
		if err := d.Doc.Validate(); err != nil {
			t.Fatalf("%s: %v", d.Kind, err)
		}
		j, err := d.Doc.JSON()
		if err != nil {
			t.Fatal(err)
		}
		y, err := d.Doc.YAML()
		if err != nil {
			t.Fatal(err)
		}
		parsed, err := yamlAsJSON(y)
		if err != nil {
			t.Fatal(err)
		}
		for _, content := range [][]byte{j, parsed} {
			if ps := tb.check(content); len(ps) > 0 {
				t.Fatalf("%s", strings.Join(ps, "\n"))
			}
		}
		var names []string
		for _, s := range d.Doc.Steps {
			names = append(names, s.Name)
			end := s.IsEnd || s.Name == "Notify" || s.Name == "Fail"
			switch {
			case d.Topic && !end && s.OnFailure != runbook.GoTo("Notify"):
				t.Fatalf("step %s: onFailure %q, want step:Notify", s.Name, s.OnFailure)
			case !d.Topic && s.OnFailure != "":
				t.Fatalf("step %s: onFailure %q without a topic", s.Name, s.OnFailure)
			}
		}
		if want := steps(d); !slices.Equal(names, want) {
			t.Fatalf("steps %v, want %v", names, want)
		}
		switch {
		case d.Kind == "invalidate" && (len(d.Doc.Parameters) != 1 || d.Doc.Parameters[0].Name != "Paths"):
			t.Fatalf("parameters %v, want Paths alone", d.Doc.Parameters)
		case d.Kind != "invalidate" && len(d.Doc.Parameters) != 0:
			t.Fatalf("parameters %v: the target is locked, the runbook takes none", d.Doc.Parameters)
		}
		for _, part := range strings.Split(d.Target, "/") {
			if !strings.Contains(string(j), `"`+part+`"`) && !strings.Contains(string(j), part+"-{{") {
				t.Fatalf("the document does not name its target %s", d.Target)
			}
		}
		var policy any
		json.Unmarshal(d.Policy, &policy)
		if ps := checkRole(j, readPolicy(policy), expectFor(d)); len(ps) > 0 {
			t.Fatalf("%s role:\n%s\n%s", d.Kind, strings.Join(ps, "\n"), d.Policy)
		}
	})
}

// TestRoleOracleCatches: the role oracle finds each mistake a role could
// make, in the role of every drawn database runbook with a topic.
func TestRoleOracleCatches(t *testing.T) {
	cases := []struct {
		name   string
		mutate func(p map[string]any, d runbook.DrawnGuarded)
		want   string
	}{
		{"an action no step calls", func(p map[string]any, _ runbook.DrawnGuarded) {
			stmt(p, 0)["Action"] = []any{"ssm:GetParameter", "ecs:UpdateService"}
		}, "ecs:UpdateService is allowed but no step calls it"},
		{"a wildcard action", func(p map[string]any, _ runbook.DrawnGuarded) { stmt(p, 2)["Action"] = []any{"rds:*"} },
			`wildcard action "rds:*"`},
		{"a step's call left out", func(p map[string]any, _ runbook.DrawnGuarded) { stmt(p, 2)["Action"] = []any{"rds:CreateDBSnapshot"} },
			"step WaitAvailable calls rds:DescribeDBSnapshots, which the role does not allow"},
		{"the target widened to every instance", func(p map[string]any, _ runbook.DrawnGuarded) { stmt(p, 2)["Resource"] = "*" },
			"rds:CreateDBSnapshot on *"},
		{"another stage's calendar", func(p map[string]any, d runbook.DrawnGuarded) {
			stmt(p, 0)["Resource"] = strings.Replace(d.Calendar, "/calendar", "x/calendar", 1)
		}, "ssm:GetParameter on"},
		{"NotAction", func(p map[string]any, _ runbook.DrawnGuarded) { stmt(p, 3)["NotAction"] = "iam:*" }, "only Allow statements"},
	}
	rapid.Check(t, func(t *rapid.T) {
		d := runbook.DrawGuarded(t)
		if d.Kind != "snapshot" || !d.Topic {
			t.Skip("the mutations are written for the database runbook's role with a topic")
		}
		j, _ := d.Doc.JSON()
		for _, c := range cases {
			var p map[string]any
			json.Unmarshal(d.Policy, &p)
			c.mutate(p, d)
			got := checkRole(j, readPolicy(p), expectFor(d))
			if !slices.ContainsFunc(got, func(s string) bool { return strings.Contains(s, c.want) }) {
				t.Fatalf("%s: the oracle found %q; want a line with %q", c.name, got, c.want)
			}
		}
	})
}

func stmt(p map[string]any, i int) map[string]any { return p["Statement"].([]any)[i].(map[string]any) }

// TestStartPolicyProperty: for any list of runbooks (repeats and any
// order), the developer policy lets them be started and nothing else.
func TestStartPolicyProperty(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		pool := rapid.SliceOfNDistinct(rapid.StringMatching(`[A-Za-z0-9_.-]{3,20}`), 1, 6, rapid.ID[string]).Draw(t, "documents")
		picks := rapid.SliceOfN(rapid.IntRange(0, len(pool)-1), 1, 8).Draw(t, "picks")
		var docs, roles []string
		var covered []runbookRef
		for _, i := range picks {
			docs = append(docs, pool[i])
			roles = append(roles, "arn:aws:iam::111122223333:role/Runbook-"+pool[i])
			covered = append(covered, runbookRef{pool[i], "arn:aws:iam::111122223333:role/Runbook-" + pool[i]})
		}
		var policy any
		json.Unmarshal(runbook.StartPolicyJSON(docs, roles), &policy)
		// The oracle also refuses any document or role it is not told
		// of: the others of the pool are not allowed.
		if ps := checkStartPolicy(readPolicy(policy), covered); len(ps) > 0 {
			t.Fatalf("%s", strings.Join(ps, "\n"))
		}
	})
}
