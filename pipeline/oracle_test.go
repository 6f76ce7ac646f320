package pipeline_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/handsoff-cdk/handsoff/checks"
	"github.com/handsoff-cdk/handsoff/internal/testenv"
	"github.com/handsoff-cdk/handsoff/internal/testenv/oracle"
	"github.com/handsoff-cdk/handsoff/pipeline/internal/gates"
)

// exampleBootstrap is what the one-time setup deploys in every account
// and region of the example document.
var exampleBootstrap = oracle.Bootstrap{
	Templates:       []map[string]any{checks.BootstrapTemplate("orders")},
	CDKQualifier:    gates.DefaultQualifier,
	PipelineAccount: "111111111111",
	PipelineRegion:  "us-east-1",
}

// mutation is a way an assembly or its bootstrap goes wrong, and the
// problem an oracle must report for it.
type mutation struct {
	name   string
	mutate func(asm oracle.Assembly)
	boot   func(b *oracle.Bootstrap)
	want   string
}

// runMutations applies each mutation to a copy of asm (and of the
// example's bootstrap) and holds check to reporting its problem.
func runMutations(t *testing.T, asm oracle.Assembly, cases []mutation, check func(oracle.Assembly, oracle.Bootstrap) []string) {
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := clone(t, asm)
			if c.mutate != nil {
				c.mutate(m)
			}
			b := exampleBootstrap
			if c.boot != nil {
				c.boot(&b)
			}
			got := check(m, b)
			if !strings.Contains(strings.Join(got, "\n"), c.want) {
				t.Errorf("problems do not include %q:\n  %s", c.want, strings.Join(got, "\n  "))
			}
		})
	}
}

// clone deep-copies an assembly, for mutations.
func clone(t *testing.T, asm oracle.Assembly) oracle.Assembly {
	raw, err := json.Marshal(asm)
	if err != nil {
		t.Fatal(err)
	}
	var out oracle.Assembly
	json.Unmarshal(raw, &out)
	return out
}

func pipelineResources(t *testing.T, asm oracle.Assembly) map[string]any {
	return asm["orders-pipeline.template.json"]["Resources"].(map[string]any)
}

// TestRolesExistBeforePipeline: every role the pipeline names exists before
// the pipeline is created or updated, trusts the pipeline's role and is
// granted to it. The mutations are the ways it has gone wrong: a role made
// by a stack the pipeline deploys (handsoff's gate roles were, until the
// bootstrap stack), a role nobody creates, a grant missing, a pipeline
// role the trust policy does not name.
func TestRolesExistBeforePipeline(t *testing.T) {
	s := synthExample(t)
	asm := oracle.Assembly(testenv.Templates(t, s.dir))
	if got := oracle.RolesBeforePipeline(asm, exampleBootstrap); len(got) > 0 {
		t.Errorf("the example:\n  %s", strings.Join(got, "\n  "))
	}
	cases := []mutation{
		{"a gates stack creates the gate role", func(asm oracle.Assembly) {
			for path, tmpl := range asm {
				if strings.HasSuffix(path, "orders-prod-ape1-gates.template.json") {
					tmpl["Resources"].(map[string]any)["GateRole"] = map[string]any{"Type": "AWS::IAM::Role", "Properties": map[string]any{
						"RoleName": "handsoff-orders-gate-ap-east-1", "AssumeRolePolicyDocument": map[string]any{}}}
				}
			}
		}, nil, "role arn:aws:iam::666666666666:role/handsoff-orders-gate-ap-east-1 is created by assembly-orders-prod-ape1/orders-prod-ape1-gates.template.json, which this pipeline deploys"},
		{"no bootstrap stack", nil, func(b *oracle.Bootstrap) { b.Templates = nil },
			"role arn:aws:iam::666666666666:role/handsoff-orders-gate-ap-east-1: no bootstrap stack creates it"},
		{"only another service's bootstrap stack", nil, func(b *oracle.Bootstrap) { b.Templates = []map[string]any{checks.BootstrapTemplate("payments")} },
			"role arn:aws:iam::666666666666:role/handsoff-orders-gate-ap-east-1: no bootstrap stack creates it"},
		{"another service's gate role named, with its bootstrap deployed", func(asm oracle.Assembly) {
			for _, r := range pipelineResources(t, asm) {
				rm := r.(map[string]any)
				if rm["Type"] != "AWS::CodePipeline::Pipeline" {
					continue
				}
				raw, _ := json.Marshal(rm)
				var back map[string]any
				json.Unmarshal([]byte(strings.ReplaceAll(string(raw), "role/handsoff-orders-gate-", "role/handsoff-payments-gate-")), &back)
				rm["Properties"] = back["Properties"]
			}
		}, func(b *oracle.Bootstrap) { b.Templates = append(b.Templates, checks.BootstrapTemplate("payments")) },
			"role arn:aws:iam::666666666666:role/handsoff-payments-gate-ap-east-1: the bootstrap stack creates it, but its trust policy does not let arn:aws:iam::111111111111:role/handsoff-orders-pipeline assume it"},
		{"the grant is missing", func(asm oracle.Assembly) {
			for _, r := range pipelineResources(t, asm) {
				rm := r.(map[string]any)
				if rm["Type"] == "AWS::IAM::Policy" {
					doc := rm["Properties"].(map[string]any)["PolicyDocument"].(map[string]any)
					var keep []any
					for _, st := range doc["Statement"].([]any) {
						if st.(map[string]any)["Sid"] != "UseGateRoles" {
							keep = append(keep, st)
						}
					}
					doc["Statement"] = keep
				}
			}
		}, nil, "the pipeline's role may not assume arn:aws:iam::666666666666:role/handsoff-orders-gate-ap-east-1"},
		{"the pipeline's role is not trusted", func(asm oracle.Assembly) {
			for _, r := range pipelineResources(t, asm) {
				rm := r.(map[string]any)
				if p, _ := rm["Properties"].(map[string]any); rm["Type"] == "AWS::IAM::Role" && p["RoleName"] == "handsoff-orders-pipeline" {
					p["RoleName"] = "orders-pipeline-role"
				}
			}
		}, nil, "its trust policy does not let arn:aws:iam::111111111111:role/orders-pipeline-role assume it"},
	}
	runMutations(t, asm, cases, oracle.RolesBeforePipeline)
}

// TestIAMQuotasAndRetention: every policy of the example fits IAM's size
// quotas, and no resource with a fixed name outlives its stack, so an
// environment removed can be added back.
func TestIAMQuotasAndRetention(t *testing.T) {
	s := synthExample(t)
	asm := oracle.Assembly(testenv.Templates(t, s.dir))
	for _, p := range oracle.IAMQuotas(asm) {
		t.Error(p)
	}
	for _, p := range retentionProblems(asm) {
		t.Error(p)
	}
}

// retentionProblems are oracle.RetainedWithTheirName's, but for CDK's
// cross-region support stacks, which keep their replication bucket and
// which the pipeline never deletes: a region removed keeps its support
// stack, and adding it back updates the stack instead of creating it
// (docs/pipeline.md, "What rolls back, and what cannot", says to empty and
// delete both by hand to remove a region for good).
func retentionProblems(asm oracle.Assembly) []string {
	var out []string
	for _, p := range oracle.RetainedWithTheirName(asm) {
		if !strings.HasPrefix(p, "cross-region-stack-") || !strings.Contains(p, "CrossRegionCodePipelineReplicationBucket") {
			out = append(out, p)
		}
	}
	return out
}

// TestValidationsStoppable: a stage that fails or stops, and a validation
// action that fails, stop the validations still running. The mutations
// are the pieces it takes on AWS, each removed in turn.
func TestValidationsStoppable(t *testing.T) {
	s := synthExample(t)
	asm := oracle.Assembly(testenv.Templates(t, s.dir))
	if got := oracle.ValidationsStoppable(asm, exampleBootstrap); len(got) > 0 {
		t.Errorf("the example:\n  %s", strings.Join(got, "\n  "))
	}
	byType := func(asm oracle.Assembly, typ string, f func(id string, props map[string]any)) {
		for id, r := range pipelineResources(t, asm) {
			rm := r.(map[string]any)
			if rm["Type"] == typ {
				f(id, rm["Properties"].(map[string]any))
			}
		}
	}
	v1 := clone(t, oracle.Assembly{"b": checks.BootstrapTemplate("orders")})["b"]
	gate := v1["Resources"].(map[string]any)["GateRole"].(map[string]any)["Properties"].(map[string]any)
	for _, st := range gate["Policies"].([]any)[0].(map[string]any)["PolicyDocument"].(map[string]any)["Statement"].([]any) {
		sm := st.(map[string]any)
		var keep []any
		actions, ok := sm["Action"].([]any)
		if !ok {
			continue
		}
		for _, a := range actions {
			if a != "states:ListExecutions" {
				keep = append(keep, a)
			}
		}
		sm["Action"] = keep
	}
	cases := []mutation{
		{"no rule for actions", func(asm oracle.Assembly) {
			byType(asm, "AWS::Events::Rule", func(id string, p map[string]any) {
				if strings.Contains(compactJSON(p["EventPattern"]), "Action Execution") {
					p["State"] = "DISABLED"
				}
			})
		}, nil, "no rule of the pipeline's stack stops the running validations on a failed StepFunctions action"},
		{"a rule for another pipeline", func(asm oracle.Assembly) {
			byType(asm, "AWS::Events::Rule", func(id string, p map[string]any) {
				pattern, _ := p["EventPattern"].(map[string]any) // a schedule has none
				if d, ok := pattern["detail"].(map[string]any); ok {
					d["pipeline"] = []any{"payments-pipeline"}
				}
			})
		}, nil, "on a failed stage"},
		{"EventBridge may not invoke the function", func(asm oracle.Assembly) {
			byType(asm, "AWS::Lambda::Permission", func(id string, p map[string]any) { p["Principal"] = "sns.amazonaws.com" })
		}, nil, "no Lambda permission"},
		{"the function may not read the pipeline", func(asm oracle.Assembly) {
			byType(asm, "AWS::IAM::Role", func(id string, p map[string]any) {
				if p["RoleName"] == "handsoff-orders-validation-stop" {
					for _, st := range p["Policies"].([]any)[0].(map[string]any)["PolicyDocument"].(map[string]any)["Statement"].([]any) {
						if sm := st.(map[string]any); sm["Sid"] == "ReadPipeline" {
							sm["Resource"] = "arn:aws:codepipeline:us-east-1:111111111111:other"
						}
					}
				}
			})
		}, nil, "may not read the pipeline"},
		{"a bootstrap of version 1", nil, func(b *oracle.Bootstrap) { b.Templates = []map[string]any{v1} },
			"may not list and stop the executions"},
	}
	runMutations(t, asm, cases, oracle.ValidationsStoppable)
}

func compactJSON(v any) string { b, _ := json.Marshal(v); return string(b) }

// TestNotificationsDelivered: the rollback rule publishes to the
// platform's topic with a role of its own, and the notification rule's
// topic is one whose policy statement handsoff bootstrap prints. The
// mutations take each away.
func TestNotificationsDelivered(t *testing.T) {
	s := synthExample(t)
	asm := oracle.Assembly(testenv.Templates(t, s.dir))
	topic := s.pipeline.Config().Pipeline.NotificationTopicArn
	if got := oracle.NotificationsDelivered(asm, []string{topic}); len(got) > 0 {
		t.Errorf("the example:\n  %s", strings.Join(got, "\n  "))
	}
	noRole := clone(t, asm)
	for _, r := range pipelineResources(t, noRole) {
		rm := r.(map[string]any)
		props, _ := rm["Properties"].(map[string]any)
		targets, _ := props["Targets"].([]any)
		if rm["Type"] == "AWS::Events::Rule" {
			for _, tg := range targets {
				delete(tg.(map[string]any), "RoleArn")
			}
		}
	}
	if got := strings.Join(oracle.NotificationsDelivered(noRole, []string{topic}), "\n"); !strings.Contains(got, "publishes to "+topic+" without a role") {
		t.Errorf("a rule without a role is not caught: %q", got)
	}
	if got := strings.Join(oracle.NotificationsDelivered(asm, nil), "\n"); !strings.Contains(got, "handsoff bootstrap does not print") {
		t.Errorf("a topic bootstrap does not print a policy for is not caught: %q", got)
	}
}

// TestFunctionsMayCall: every CodePipeline call the pipeline's functions
// make with their own role is allowed by it (the bake watcher and the
// freeze gates read GetPipelineState to tell a rollback); the mutation
// takes the statement away.
func TestFunctionsMayCall(t *testing.T) {
	s := synthExample(t)
	asm := oracle.Assembly(testenv.Templates(t, s.dir))
	if got := oracle.FunctionsMayCall(asm); len(got) > 0 {
		t.Errorf("the example:\n  %s", strings.Join(got, "\n  "))
	}
	m := clone(t, asm)
	for _, r := range pipelineResources(t, m) {
		rm := r.(map[string]any)
		if rm["Type"] != "AWS::IAM::Role" {
			continue
		}
		props, _ := rm["Properties"].(map[string]any)
		policies, _ := props["Policies"].([]any)
		for _, p := range policies {
			doc := p.(map[string]any)["PolicyDocument"].(map[string]any)
			var keep []any
			for _, st := range doc["Statement"].([]any) {
				if st.(map[string]any)["Sid"] != "TellRollbacks" {
					keep = append(keep, st)
				}
			}
			doc["Statement"] = keep
		}
	}
	if got := strings.Join(oracle.FunctionsMayCall(m), "\n"); !strings.Contains(got, "calls getPipelineState, which its role does not allow") {
		t.Errorf("a role without GetPipelineState is not caught: %q", got)
	}
}

// TestArtifactReaders: every action whose role is in another account than
// the pipeline may read its input artifacts from its region's artifact
// store (bucket policy and key policy). The mutations take each grant away,
// in the pipeline's region (handsoff's bucket and key) and in another
// (a CDK support stack's), and hide a store's bucket from the oracle.
func TestArtifactReaders(t *testing.T) {
	s := synthExample(t)
	asm := oracle.Assembly(testenv.Templates(t, s.dir))
	check := func(asm oracle.Assembly, b oracle.Bootstrap) []string {
		return oracle.ArtifactReaders(asm, "aws", b.PipelineAccount, b.PipelineRegion)
	}
	if got := check(asm, exampleBootstrap); len(got) > 0 {
		t.Errorf("the example:\n  %s", strings.Join(got, "\n  "))
	}
	// dropGrants removes, from every resource of a template of the given
	// type, the policy statements that name account 333333333333.
	dropGrants := func(file, typ, field string) func(oracle.Assembly) {
		return func(asm oracle.Assembly) {
			for path, tmpl := range asm {
				if !strings.Contains(path, file) {
					continue
				}
				for _, r := range tmpl["Resources"].(map[string]any) {
					rm := r.(map[string]any)
					if rm["Type"] != typ {
						continue
					}
					doc := rm["Properties"].(map[string]any)[field].(map[string]any)
					var keep []any
					for _, st := range doc["Statement"].([]any) {
						if raw, _ := json.Marshal(st.(map[string]any)["Principal"]); !strings.Contains(string(raw), "333333333333") {
							keep = append(keep, st)
						}
					}
					doc["Statement"] = keep
				}
			}
		}
	}
	runMutations(t, asm, []mutation{
		{"the artifact bucket's policy omits a deploy role", dropGrants("orders-pipeline.template.json", "AWS::S3::BucketPolicy", "PolicyDocument"), nil,
			"action orders-gamma-use1.orders-gamma-use1.Deploy: the role arn:aws:iam::333333333333:role/cdk-hnb659fds-deploy-role-333333333333-us-east-1 may not read its input artifacts"},
		{"the artifact key's policy omits a deploy role", dropGrants("orders-pipeline.template.json", "AWS::KMS::Key", "KeyPolicy"), nil,
			"action Gates-gamma-use1.Deploy: the role arn:aws:iam::333333333333:role/cdk-hnb659fds-deploy-role-333333333333-us-east-1 may not decrypt its input artifacts"},
		{"a replication bucket's policy omits a deploy role", dropGrants("eu-west-1", "AWS::S3::BucketPolicy", "PolicyDocument"), nil,
			"action Gates-gamma-euw1.Deploy: the role arn:aws:iam::333333333333:role/cdk-hnb659fds-deploy-role-333333333333-eu-west-1 may not read its input artifacts"},
		{"a replication key's policy omits a deploy role", dropGrants("eu-west-1", "AWS::KMS::Key", "KeyPolicy"), nil,
			"may not decrypt its input artifacts: the key policy of the artifact key of eu-west-1"},
		{"a replication bucket no template makes", func(asm oracle.Assembly) {
			for path := range asm {
				if strings.Contains(path, "eu-west-1") && strings.Contains(path, "cross-region-stack") {
					delete(asm, path)
				}
			}
		}, nil, "the artifact store of eu-west-1: no template of the assembly makes its bucket"},
	}, check)
}
