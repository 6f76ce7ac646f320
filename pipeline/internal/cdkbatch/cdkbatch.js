"use strict";
// handsoff's batched CDK operations (package doc: doc.go). Each static
// method of Batch does in one jsii call what handsoff's Go would do in one
// call a step; it must make exactly the changes the Go steps made, in the
// same order, so that templates do not change (the golden files say so).
// aws-cdk-lib is the copy jsii loaded for the app: it sits beside this
// package in the kernel's node_modules.

function lib() {
  return require("aws-cdk-lib");
}

const alarmTypes = new Set(["AWS::CloudWatch::Alarm", "AWS::CloudWatch::CompositeAlarm"]);

class Batch {
  // describeStage tags every taggable resource under stage with tags (a
  // list of [key, value], added in that order), then lists the stage's
  // top-level stacks in pre-order: name, whether its environment is home
  // ("aws://account/region"), and how many CloudWatch alarms it holds,
  // nested stacks' included (a nested stack deploys with its parent).
  //
  // Stages nested in it are listed apart (their paths), and nothing under
  // them counts: CDK Pipelines deploys only the stacks of the Stage it is
  // given. Each stack carries its synthesizer's deploy role, with the
  // placeholders ${AWS::AccountId}, ${AWS::Region}, ${AWS::Partition}
  // ("" when it has none).
  static describeStage(stage, home, tags) {
    const cdk = lib();
    Batch.tag(stage, tags);
    const stacks = [];
    const nestedStages = [];
    let current = null;
    // In pre-order, a construct belongs to the top-level stack visited
    // last: each stack's subtree, nested stacks included, is contiguous.
    for (const c of stage.node.findAll()) {
      if (c !== stage && cdk.Stage.isStage(c)) {
        nestedStages.push(c.node.path);
        current = null;
        continue;
      }
      if (nestedStages.some((p) => c.node.path.startsWith(p + "/"))) {
        continue;
      }
      if (cdk.Stack.isStack(c)) {
        if (c.nested) {
          continue;
        }
        let deployRole = "";
        try {
          deployRole = c.synthesizer.deployRoleArn || "";
        } catch (e) {
          deployRole = "";
        }
        current = { name: c.stackName, local: c.environment === home, deployRole, alarms: 0 };
        stacks.push(current);
      } else if (current !== null && cdk.CfnResource.isCfnResource(c) && alarmTypes.has(c.cfnResourceType)) {
        current.alarms++;
      }
    }
    return { outdir: stage.outdir, stacks, nestedStages };
  }

  // tag tags every taggable resource under scope with tags, a list of
  // [key, value] added in that order (Tags.of(scope).add each).
  static tag(scope, tags) {
    const t = lib().Tags.of(scope);
    for (const [k, v] of tags) {
      t.add(k, v);
    }
  }

  // firstLocalStack is the first top-level stack of stage, in pre-order,
  // whose environment is home; undefined if there is none. (A construct
  // inside a result object would reach Go as a bare reference: this one is
  // the whole result.)
  static firstLocalStack(stage, home) {
    const cdk = lib();
    return stage.node.findAll().find((c) => cdk.Stack.isStack(c) && !c.nested && c.environment === home);
  }

  // addPropertyOverrideJSON is resource.addPropertyOverride(path, value)
  // for the value that json encodes. A large object goes through jsii far
  // faster as one string than as a tree of values, each of which the
  // kernel converts on its own (60 KB of pipeline stages: 0.7 ms against
  // 8 to 27 ms).
  // A null becomes undefined, as jsii turns Go's nil into undefined, so
  // that the template is the same as AddPropertyOverride of the value.
  static addPropertyOverrideJSON(resource, path, json) {
    resource.addPropertyOverride(path, JSON.parse(json, (k, v) => (v === null ? undefined : v)));
  }

  // addNagSuppressions adds entries (cdk-nag's rules_to_suppress entries) to
  // the cdk_nag metadata of every IAM role, policy and managed policy under
  // scopes, keeping the entries there and dropping exact repeats, as
  // internal/nag.Suppress does for one resource.
  static addNagSuppressions(scopes, entries) {
    const iam = lib().aws_iam;
    const done = new Set();
    for (const scope of scopes) {
      for (const c of scope.node.findAll()) {
        if (done.has(c) || !(c instanceof iam.CfnPolicy || c instanceof iam.CfnRole || c instanceof iam.CfnManagedPolicy)) {
          continue;
        }
        done.add(c);
        const list = [];
        const seen = new Set();
        const add = (e) => {
          const k = canonical(e);
          if (!seen.has(k)) {
            seen.add(k);
            list.push(e);
          }
        };
        const old = c.getMetadata("cdk_nag");
        for (const e of (old && old.rules_to_suppress) || []) {
          add(e);
        }
        for (const e of entries) {
          add(e);
        }
        c.addMetadata("cdk_nag", { rules_to_suppress: list });
      }
    }
    return done.size;
  }

  // pipelineStages are the name and number of actions of each stage of a
  // built CodePipeline, in template order.
  static pipelineStages(pipeline) {
    return pipeline.stages.map((s) => ({ name: s.stageName, actions: s.actions.length }));
  }

  // hardenSupportStacks brings the replication bucket and key of every
  // cross-region support stack of pipeline up to spec (see
  // pipeline/hardening.go, which builds spec), region by region in
  // alphabetical order.
  static hardenSupportStacks(pipeline, spec) {
    const cdk = lib();
    const support = pipeline.crossRegionSupport;
    const regions = Object.keys(support).sort();
    for (const region of regions) {
      const stack = support[region].stack;
      let bucket = null;
      let cfnKey = null;
      let key = null;
      let n = 0;
      for (const c of stack.node.findAll()) {
        if (c instanceof cdk.aws_s3.CfnBucket) {
          bucket = c;
          n++;
        } else if (c instanceof cdk.aws_kms.CfnKey) {
          cfnKey = c;
          n++;
        } else if (c instanceof cdk.aws_kms.Key) {
          key = c;
          n++;
        }
      }
      if (n !== 3 || bucket === null || cfnKey === null || key === null) {
        throw new Error(`handsoff: the CDK's cross-region support stack of ${region} has changed shape (${n} buckets and keys); update pipeline/hardening.go`);
      }
      const logs = new cdk.aws_s3.CfnBucket(stack, spec.logBucket.id, spec.logBucket.props);
      logs.applyRemovalPolicy(removalPolicy(cdk, spec.logBucket.removalPolicy));
      for (const [k, v] of spec.logBucket.metadata) {
        logs.addMetadata(k, v);
      }
      new cdk.aws_s3.CfnBucketPolicy(stack, spec.logPolicy.id, { bucket: logs.ref, policyDocument: spec.logPolicy.document });
      bucket.loggingConfiguration = { destinationBucketName: logs.ref };
      for (const [k, v] of spec.bucket.properties) {
        bucket[k] = v;
      }
      bucket.applyRemovalPolicy(removalPolicy(cdk, spec.bucket.removalPolicy));
      for (const [k, v] of spec.bucket.metadata) {
        bucket.addMetadata(k, v);
      }
      cfnKey.enableKeyRotation = true;
      key.addToResourcePolicy(cdk.aws_iam.PolicyStatement.fromJson(spec.keyStatement), false);
    }
  }
}

// canonical is JSON with object keys sorted, as Go's encoding/json writes
// maps: the identity of a suppression entry.
function canonical(v) {
  if (Array.isArray(v)) {
    return `[${v.map(canonical).join(",")}]`;
  }
  if (v !== null && typeof v === "object") {
    return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canonical(v[k])}`).join(",")}}`;
  }
  return JSON.stringify(v);
}

function removalPolicy(cdk, name) {
  const p = cdk.RemovalPolicy[name];
  if (p === undefined) {
    throw new Error(`handsoff: no RemovalPolicy ${name}`);
  }
  return p;
}

exports.Batch = Batch;
