package oracle

import (
	"fmt"
	"sort"
	"strings"
)

// ArtifactReaders holds CodePipeline's cross-account rule: an action whose
// role is in another account than the pipeline reads its input artifacts
// from the artifact store of its region only if that store's bucket policy
// lets the role (or its account) read objects and the store's KMS key
// policy lets it decrypt
// (https://docs.aws.amazon.com/codepipeline/latest/userguide/pipelines-create-cross-account.html;
// an identity policy in the role's account is not enough across accounts:
// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic-cross-account.html).
// The pipeline stack's own roles are decided by their identity policies;
// every other role, of the pipeline's account too, needs the resource
// policies: the CDK bootstrap's deploy role reads artifact buckets of its
// own account only where their policy grants it (its own policy covers
// other accounts' buckets alone, s3:ResourceAccount). A store,
// bucket, key or role the oracle cannot resolve is a problem: it fails
// closed. It returns one problem per action and missing permission.
func ArtifactReaders(asm Assembly, partition, pipelineAccount, pipelineRegion string) []string {
	if partition == "" {
		partition = "aws"
	}
	p, err := FindPipeline(asm)
	if err != nil {
		return []string{err.Error()}
	}
	p.Region = pipelineRegion
	vars := map[string]string{"AWS::Partition": partition, "AWS::AccountId": pipelineAccount, "AWS::Region": pipelineRegion}
	stores := map[string]map[string]any{}
	if list, ok := p.Props["ArtifactStores"].([]any); ok {
		for _, s := range list {
			sm, _ := s.(map[string]any)
			store, _ := sm["ArtifactStore"].(map[string]any)
			stores[fmt.Sprint(sm["Region"])] = store
		}
	} else if store, ok := p.Props["ArtifactStore"].(map[string]any); ok {
		stores[pipelineRegion] = store
	}
	var out []string
	for _, a := range p.Actions() {
		inputs, _ := a.Props["InputArtifacts"].([]any)
		if len(inputs) == 0 || a.Props["RoleArn"] == nil {
			continue // no artifacts to read, or the pipeline's own role
		}
		name, _ := a.Props["Name"].(string)
		where := fmt.Sprintf("stage %s action %s", a.Stage, name)
		if mm, isMap := a.Props["RoleArn"].(map[string]any); isMap && mm["Fn::GetAtt"] != nil {
			continue // a role of the pipeline's stack: the pipeline's account
		}
		role, ok := Render(a.Props["RoleArn"], vars)
		m := reRoleArn.FindStringSubmatch(role)
		if !ok || m == nil {
			out = append(out, fmt.Sprintf("%s: its role %s cannot be read at synth, so whether it may read its input artifacts cannot be decided", where, compact(a.Props["RoleArn"])))
			continue
		}
		_, region := actionPlace(a.Props, partition, pipelineRegion)
		store := stores[region]
		if store == nil {
			out = append(out, fmt.Sprintf("%s: runs in %s, which has no artifact store", where, region))
			continue
		}
		tmpl, bucketID, why := findBucket(asm, p, store["Location"], vars)
		if why != "" {
			out = append(out, fmt.Sprintf("%s: the artifact store of %s: %s", where, region, why))
			continue
		}
		if !policyAllows(bucketPolicies(tmpl, bucketID), "s3:GetObject", role, vars, coversObjects) {
			out = append(out, fmt.Sprintf("%s: the role %s may not read its input artifacts: the policy of the artifact bucket of %s (%s) does not allow it s3:GetObject", where, role, region, bucketID))
		}
		key, _ := store["EncryptionKey"].(map[string]any)
		ktmpl, keyID, why := findKey(asm, p, key["Id"], vars)
		if why != "" {
			out = append(out, fmt.Sprintf("%s: the artifact key of %s: %s", where, region, why))
			continue
		}
		kprops, _ := resources(ktmpl)[keyID]["Properties"].(map[string]any)
		if !policyAllows([]any{kprops["KeyPolicy"]}, "kms:Decrypt", role, vars, func(r any) bool { return r == "*" }) {
			out = append(out, fmt.Sprintf("%s: the role %s may not decrypt its input artifacts: the key policy of the artifact key of %s (%s) does not allow it kms:Decrypt", where, role, region, keyID))
		}
	}
	sort.Strings(out)
	return out
}

// findBucket finds the bucket a store's Location names: a Ref to a bucket
// of the pipeline's template, or a literal name some template's bucket
// has.
func findBucket(asm Assembly, p *Pipeline, loc any, vars map[string]string) (map[string]any, string, string) {
	if m, ok := loc.(map[string]any); ok {
		if id, ok := m["Ref"].(string); ok && resources(p.template)[id]["Type"] == "AWS::S3::Bucket" {
			return p.template, id, ""
		}
	}
	name, ok := Render(loc, vars)
	if !ok {
		return nil, "", fmt.Sprintf("its bucket %s cannot be read at synth", compact(loc))
	}
	for _, tmpl := range asm {
		for id, r := range resources(tmpl) {
			props, _ := r["Properties"].(map[string]any)
			if r["Type"] == "AWS::S3::Bucket" && props["BucketName"] == name {
				return tmpl, id, ""
			}
		}
	}
	return nil, "", fmt.Sprintf("no template of the assembly makes its bucket %s", name)
}

// findKey finds the key a store's EncryptionKey names: a GetAtt of a key of
// the pipeline's template, or an alias ARN whose AWS::KMS::Alias some
// template makes.
func findKey(asm Assembly, p *Pipeline, id any, vars map[string]string) (map[string]any, string, string) {
	if m, ok := id.(map[string]any); ok {
		if ga, ok := m["Fn::GetAtt"].([]any); ok && len(ga) == 2 && resources(p.template)[fmt.Sprint(ga[0])]["Type"] == "AWS::KMS::Key" {
			return p.template, fmt.Sprint(ga[0]), ""
		}
	}
	arn, ok := Render(id, vars)
	if !ok {
		return nil, "", fmt.Sprintf("its key %s cannot be read at synth", compact(id))
	}
	_, alias, found := strings.Cut(arn, ":alias/")
	if !found {
		return nil, "", fmt.Sprintf("its key %s is neither a key of the pipeline's stack nor an alias", arn)
	}
	for _, tmpl := range asm {
		res := resources(tmpl)
		for _, r := range res {
			props, _ := r["Properties"].(map[string]any)
			if r["Type"] != "AWS::KMS::Alias" || props["AliasName"] != "alias/"+alias {
				continue
			}
			target := refOf(props["TargetKeyId"])
			if target == "" {
				target = getAttArn(props["TargetKeyId"])
			}
			if res[target]["Type"] == "AWS::KMS::Key" {
				return tmpl, target, ""
			}
		}
	}
	return nil, "", fmt.Sprintf("no template of the assembly makes its key alias/%s", alias)
}

// bucketPolicies are the documents of the bucket policies of a bucket.
func bucketPolicies(tmpl map[string]any, bucketID string) []any {
	var docs []any
	for _, r := range resources(tmpl) {
		props, _ := r["Properties"].(map[string]any)
		if r["Type"] == "AWS::S3::BucketPolicy" && refOf(props["Bucket"]) == bucketID {
			docs = append(docs, props["PolicyDocument"])
		}
	}
	return docs
}

// coversObjects reports whether a bucket policy's Resource covers the
// bucket's objects: "*", or an ARN ending in "/*" (as the bucket's Arn
// joined with "/*" is written).
func coversObjects(r any) bool {
	list, ok := r.([]any)
	if !ok {
		list = []any{r}
	}
	for _, x := range list {
		if x == "*" || strings.HasSuffix(compact(x), `/*"]]}`) || strings.HasSuffix(fmt.Sprint(x), "/*") {
			return true
		}
	}
	return false
}

// policyAllows reports whether a resource policy lets role (a role ARN,
// named by itself, its account or its account's root) do action on the
// resource (covers decides a statement's Resource): an Allow without
// conditions whose Action matches and whose Principal names one of them,
// and no Deny that may apply (one with NotPrincipal or NotAction, which
// the oracle does not evaluate, is taken to apply: it fails closed).
func policyAllows(docs []any, action, role string, vars map[string]string, covers func(any) bool) bool {
	allowed := false
	for _, d := range docs {
		dm, _ := d.(map[string]any)
		stmts, _ := dm["Statement"].([]any)
		for _, s := range stmts {
			sm, _ := s.(map[string]any)
			deny := sm["Effect"] == "Deny"
			if sm["NotPrincipal"] != nil || sm["NotAction"] != nil || sm["NotResource"] != nil {
				if deny {
					return false
				}
				continue
			}
			if !anyMatches(sm["Action"], action, vars) || !principalNamed(sm["Principal"], role, vars, nil) {
				continue
			}
			switch {
			case deny && !onlyWithoutTLS(sm["Condition"]):
				return false
			case !deny && sm["Condition"] == nil && covers(sm["Resource"]):
				allowed = true
			}
		}
	}
	return allowed
}

// onlyWithoutTLS reports whether a Deny's condition holds only for
// requests without TLS (aws:SecureTransport false), which CodePipeline's
// and CloudFormation's calls never are; any other condition is taken to
// hold.
func onlyWithoutTLS(cond any) bool {
	return compact(cond) == `{"Bool":{"aws:SecureTransport":"false"}}`
}
