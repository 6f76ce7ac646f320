package rollout_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
)

// checkTemplate is the offline oracle of what AWS documents about the
// rollouts a template declares; it returns every rule broken.
func checkTemplate(tmpl map[string]any) []string {
	var out []string
	add := func(format string, args ...any) { out = append(out, fmt.Sprintf(format, args...)) }
	res := tmpl["Resources"].(map[string]any)
	params, _ := tmpl["Parameters"].(map[string]any)
	get := func(v any, path ...string) any {
		for _, k := range path {
			m, ok := v.(map[string]any)
			if !ok {
				return nil
			}
			v = m[k]
		}
		return v
	}
	num := func(v any) (float64, bool) { f, ok := v.(float64); return f, ok }
	for id, r := range res {
		rm := r.(map[string]any)
		p, _ := rm["Properties"].(map[string]any)
		switch rm["Type"] {
		case "AWS::EC2::LaunchTemplate":
			img := get(p, "LaunchTemplateData", "ImageId")
			// "A rollback is not supported ... [when the] launch template
			// uses an AWS Systems Manager parameter instead of an AMI ID"
			// (https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_RefreshPreferences.html).
			if s, ok := img.(string); ok && (strings.HasPrefix(s, "resolve:ssm:") || strings.Contains(s, "{{resolve:ssm")) {
				add("%s: ImageId %q reads a parameter at launch: an instance refresh cannot roll back", id, s)
			}
			if ref, ok := get(img, "Ref").(string); ok {
				if typ := get(params, ref, "Type"); typ != "AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>" {
					add("%s: ImageId is parameter %s of type %v, not one CloudFormation resolves from Parameter Store to an image ID", id, ref, typ)
				}
			}
		case "AWS::AutoScaling::AutoScalingGroup":
			up, _ := rm["UpdatePolicy"].(map[string]any)
			ir, hasIR := up["AutoScalingInstanceRefresh"].(map[string]any)
			if !hasIR {
				continue
			}
			// "This policy is mutually exclusive with AutoScalingRollingUpdate"
			// (https://docs.aws.amazon.com/cdk/api/v2/docs/aws-cdk-lib.CfnAutoScalingInstanceRefresh.html).
			if _, ok := up["AutoScalingRollingUpdate"]; ok {
				add("%s: AutoScalingInstanceRefresh and AutoScalingRollingUpdate together", id)
			}
			lt := get(p, "MixedInstancesPolicy", "LaunchTemplate", "LaunchTemplateSpecification")
			if lt == nil {
				lt = get(p, "LaunchTemplate")
			}
			if v, ok := get(lt, "Version").(string); ok && (v == "$Latest" || v == "$Default") {
				add("%s: launch template version %s: a refresh cannot roll back to it", id, v)
			}
			if get(lt, "Version") == nil {
				add("%s: no launch template version: the group follows $Default", id)
			}
			prefs, _ := ir["Preferences"].(map[string]any)
			if min, ok := num(prefs["MinHealthyPercentage"]); !ok || min < 67 || min > 100 {
				add("%s: MinHealthyPercentage %v: an image rollout keeps two thirds (67 to 100)", id, prefs["MinHealthyPercentage"])
			}
			// (https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_RefreshPreferences.html)
			for _, k := range []string{"BakeTime", "CheckpointDelay"} {
				if v, ok := num(prefs[k]); ok && (v < 0 || v > 172800) {
					add("%s: %s %v outside 0 to 172800", id, k, v)
				}
			}
			cps, hasCP := prefs["CheckpointPercentages"].([]any)
			if _, ok := prefs["CheckpointDelay"]; ok && !hasCP {
				add("%s: CheckpointDelay without CheckpointPercentages", id)
			}
			last := 0.0
			for i, c := range cps {
				v, _ := num(c)
				if v <= last || v > 100 || (i == len(cps)-1 && v != 100) {
					add("%s: CheckpointPercentages %v: ascending, ending at 100", id, cps)
					break
				}
				last = v
			}
			alarms, _ := get(prefs, "AlarmSpecification", "Alarms").([]any)
			if len(alarms) == 0 || len(alarms) > 10 {
				add("%s: the refresh watches %d alarms: 1 to 10", id, len(alarms))
			}
		case "AWS::CodeDeploy::DeploymentGroup":
			// "If you specify AutoRollbackConfiguration, don't specify
			// Deployment"
			// (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-codedeploy-deploymentgroup.html).
			if _, ok := p["Deployment"]; ok && p["AutoRollbackConfiguration"] != nil {
				add("%s: Deployment with AutoRollbackConfiguration", id)
			}
			events, _ := get(p, "AutoRollbackConfiguration", "Events").([]any)
			if get(p, "AutoRollbackConfiguration", "Enabled") != true || !slices.Contains(events, any("DEPLOYMENT_FAILURE")) || !slices.Contains(events, any("DEPLOYMENT_STOP_ON_ALARM")) {
				add("%s: does not roll back on failure and on alarm: %v", id, p["AutoRollbackConfiguration"])
			}
			alarms, _ := get(p, "AlarmConfiguration", "Alarms").([]any)
			if get(p, "AlarmConfiguration", "Enabled") != true || len(alarms) == 0 || len(alarms) > 10 {
				add("%s: alarms %v: enabled, 1 to 10", id, p["AlarmConfiguration"])
			}
			if get(p, "AlarmConfiguration", "IgnorePollAlarmFailure") == true {
				add("%s: IgnorePollAlarmFailure: a deployment would go on blind", id)
			}
			// EC2 blue/green copying the group cannot be declared
			// (https://github.com/aws-cloudformation/cloudformation-coverage-roadmap/issues/2071).
			if get(p, "BlueGreenDeploymentConfiguration", "GreenFleetProvisioningOption", "Action") == "COPY_AUTO_SCALING_GROUP" {
				add("%s: COPY_AUTO_SCALING_GROUP, which CloudFormation cannot declare", id)
			}
			if svcs, _ := p["ECSServices"].([]any); len(svcs) > 0 {
				// The service's controller must be CODE_DEPLOY, and a
				// blue/green group needs two target groups
				// (https://docs.aws.amazon.com/codedeploy/latest/userguide/deployment-steps-ecs.html).
				for _, s := range svcs {
					svc, _ := get(s, "ServiceName", "Fn::GetAtt").([]any)
					if len(svc) == 0 {
						add("%s: names its ECS service other than by GetAtt", id)
						continue
					}
					if t := get(res[svc[0].(string)], "Properties", "DeploymentController", "Type"); t != "CODE_DEPLOY" {
						add("%s: service %v's deployment controller is %v, not CODE_DEPLOY", id, svc[0], t)
					}
				}
				pairs, _ := get(p, "LoadBalancerInfo", "TargetGroupPairInfoList").([]any)
				if len(pairs) != 1 {
					add("%s: %d target group pairs", id, len(pairs))
				} else if tgs, _ := get(pairs[0], "TargetGroups").([]any); len(tgs) != 2 {
					add("%s: %d target groups in the pair, not 2", id, len(tgs))
				}
			}
		}
	}
	slices.Sort(out)
	return out
}

// TestOracleCatchesMutations: each mistake, made in a copy of the
// example's templates, is reported by the rule it breaks.
func TestOracleCatchesMutations(t *testing.T) {
	f := synth(t)
	clone := func(name string) map[string]any {
		raw, _ := json.Marshal(f.tmpls[name+".template.json"])
		var m map[string]any
		json.Unmarshal(raw, &m)
		return m
	}
	first := func(tmpl map[string]any, typ string) map[string]any {
		for _, r := range resources(tmpl, typ) {
			return r
		}
		t.Fatalf("no %s", typ)
		return nil
	}
	refresh := func(tmpl map[string]any) map[string]any {
		return first(tmpl, "AWS::AutoScaling::AutoScalingGroup")["UpdatePolicy"].(map[string]any)["AutoScalingInstanceRefresh"].(map[string]any)["Preferences"].(map[string]any)
	}
	cases := []struct {
		name, stack, want string
		mutate            func(map[string]any)
	}{
		{"ImageId read at launch", "Web", "reads a parameter at launch", func(m map[string]any) {
			props(first(m, "AWS::EC2::LaunchTemplate"))["LaunchTemplateData"].(map[string]any)["ImageId"] = "resolve:ssm:/handsoff/ami/web/latest"
		}},
		{"ImageId a String parameter", "Web", "not one CloudFormation resolves", func(m map[string]any) {
			for _, p := range m["Parameters"].(map[string]any) {
				if pm := p.(map[string]any); strings.Contains(fmt.Sprint(pm["Default"]), "/handsoff/ami/") {
					pm["Type"] = "AWS::SSM::Parameter::Value<String>"
				}
			}
		}},
		{"a rolling update too", "Web", "AutoScalingRollingUpdate together", func(m map[string]any) {
			first(m, "AWS::AutoScaling::AutoScalingGroup")["UpdatePolicy"].(map[string]any)["AutoScalingRollingUpdate"] = map[string]any{"MaxBatchSize": 1}
		}},
		{"$Latest", "Web", "cannot roll back to it", func(m map[string]any) {
			props(first(m, "AWS::AutoScaling::AutoScalingGroup"))["MixedInstancesPolicy"].(map[string]any)["LaunchTemplate"].(map[string]any)["LaunchTemplateSpecification"].(map[string]any)["Version"] = "$Latest"
		}},
		{"half the group down", "Web", "keeps two thirds", func(m map[string]any) { refresh(m)["MinHealthyPercentage"] = 50.0 }},
		{"a three-day bake", "Web", "BakeTime 259200", func(m map[string]any) { refresh(m)["BakeTime"] = 259200.0 }},
		{"a delay without checkpoints", "Web", "without CheckpointPercentages", func(m map[string]any) { delete(refresh(m), "CheckpointPercentages") }},
		{"checkpoints not ending at 100", "Web", "ending at 100", func(m map[string]any) { refresh(m)["CheckpointPercentages"] = []any{10.0, 50.0} }},
		{"a refresh with no alarm", "Web", "watches 0 alarms", func(m map[string]any) { delete(refresh(m), "AlarmSpecification") }},
		{"eleven alarms", "Web", "watches 11 alarms", func(m map[string]any) {
			var as []any
			for i := range 11 {
				as = append(as, fmt.Sprintf("a%d", i))
			}
			refresh(m)["AlarmSpecification"] = map[string]any{"Alarms": as}
		}},
		{"Deployment with rollback", "Web", "Deployment with AutoRollbackConfiguration", func(m map[string]any) {
			props(first(m, "AWS::CodeDeploy::DeploymentGroup"))["Deployment"] = map[string]any{"Revision": map[string]any{}}
		}},
		{"no rollback on alarm", "Web", "does not roll back", func(m map[string]any) {
			props(first(m, "AWS::CodeDeploy::DeploymentGroup"))["AutoRollbackConfiguration"] = map[string]any{"Enabled": true, "Events": []any{"DEPLOYMENT_FAILURE"}}
		}},
		{"alarms off", "Web", "enabled, 1 to 10", func(m map[string]any) {
			props(first(m, "AWS::CodeDeploy::DeploymentGroup"))["AlarmConfiguration"].(map[string]any)["Enabled"] = false
		}},
		{"blind to alarms", "Api", "go on blind", func(m map[string]any) {
			props(first(m, "AWS::CodeDeploy::DeploymentGroup"))["AlarmConfiguration"].(map[string]any)["IgnorePollAlarmFailure"] = true
		}},
		{"EC2 blue/green copying the group", "Web", "COPY_AUTO_SCALING_GROUP", func(m map[string]any) {
			props(first(m, "AWS::CodeDeploy::DeploymentGroup"))["BlueGreenDeploymentConfiguration"] = map[string]any{"GreenFleetProvisioningOption": map[string]any{"Action": "COPY_AUTO_SCALING_GROUP"}}
		}},
		{"an ECS-controlled service", "Api", "not CODE_DEPLOY", func(m map[string]any) {
			props(first(m, "AWS::ECS::Service"))["DeploymentController"] = map[string]any{"Type": "ECS"}
		}},
		{"one target group", "Api", "not 2", func(m map[string]any) {
			p := props(first(m, "AWS::CodeDeploy::DeploymentGroup"))["LoadBalancerInfo"].(map[string]any)["TargetGroupPairInfoList"].([]any)[0].(map[string]any)
			p["TargetGroups"] = p["TargetGroups"].([]any)[:1]
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := clone(c.stack)
			c.mutate(m)
			got := checkTemplate(m)
			if !strings.Contains(strings.Join(got, "\n"), c.want) {
				t.Errorf("the oracle did not report %q: %q", c.want, got)
			}
		})
	}
}
