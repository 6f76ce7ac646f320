// handsoff bake watcher: a CodePipeline Lambda invoke action that watches
// every alarm of the environments of a wave for the bake time and fails (so
// the stage rolls back) as soon as one is in ALARM.
//
// It waits with continuation tokens: while the bake runs, each invocation
// checks the alarms, sleeps up to a minute and reports the job as still in
// progress (PutJobSuccessResult with a continuationToken); CodePipeline then
// invokes it again, for up to 24 hours
// (https://docs.aws.amazon.com/codepipeline/latest/userguide/actions-invoke-lambda-function.html,
// https://docs.aws.amazon.com/codepipeline/latest/userguide/limits.html).
//
// The alarms are found when it runs, not at synth: ListStackResources of each
// stack of the environment (metric and composite alarms), plus the alarms the
// document names. So nothing references the team's alarms, and adding,
// removing or renaming one never blocks a deploy or a rollback. It reads them
// with the environment's bootstrap gate role; DescribeAlarms returns composite
// alarms only to a caller allowed "*".
//
// Which alarms count: every alarm of the stacks, composite or metric, but
// those whose alarm actions are all Auto Scaling policies: a step-scaling
// policy's scale-in alarm (CDK's scaleOnMetric) is in ALARM whenever load is
// low, which says nothing about health. An alarm the document names always
// counts. DescribeAlarms is read page by page (NextToken).
//
// A rollback: CodePipeline runs the stage's actions again, in a new execution
// whose type is ROLLBACK (GetPipelineState: stageStates[].latestExecution.type,
// https://docs.aws.amazon.com/codepipeline/latest/APIReference/API_StageExecution.html;
// https://docs.aws.amazon.com/codepipeline/latest/userguide/stage-rollback.html).
// The alarm that caused it is likely still in ALARM, and watching it would
// fail the return to the known-good version: in a rollback the watcher
// succeeds at once and says why. When it cannot tell, it bakes as usual.
//
// UserParameters: {"m": bake minutes, "p": service, "g": the pipeline stage,
// "e": [{"n": environment, "a": account, "r": region, "s": [stacks], "l":
// [named alarms]}]}. A stack written "-rest" is named
// {service}-{environment}-rest... in full: the parameters must fit
// CodePipeline's 1,000 characters. PIPELINE (environment) names the pipeline.
"use strict";

const POLL_MS = 55000; // at most one check a minute, inside the 90 s timeout
const MARGIN_MS = 15000; // kept for reporting the job after the sleep
const MAX_ERRORS = 5; // consecutive failed checks before the bake fails

// scaling reports whether every alarm action of an alarm is an Auto Scaling
// policy (EC2 Auto Scaling or Application Auto Scaling: both arn:...:autoscaling:).
function scaling(alarm) {
  const actions = alarm.AlarmActions || [];
  return actions.length > 0 && actions.every((a) => /^arn:[^:]+:autoscaling:/.test(a));
}

class Permanent extends Error {}

function partitionOf(context) {
  const arn = (context && context.invokedFunctionArn) || "";
  return arn.split(":")[1] || "aws";
}

// alarmsOf lists the names of the alarms of one environment.
async function alarmsOf(deps, service, env, credentials) {
  const cfn = deps.cloudformation(env.r, credentials);
  const names = new Set(env.l || []);
  // Nested stacks are resources of their parents; their alarms count too.
  const stacks = (env.s || []).map((short) => short.startsWith("-") ? service + "-" + env.n + short.slice(1) : short);
  for (let i = 0; i < stacks.length; i++) {
    const stack = stacks[i];
    let token;
    do {
      let page;
      try {
        page = await cfn.listStackResources({ StackName: stack, NextToken: token });
      } catch (e) {
        if (/does not exist/.test(String(e.message))) {
          throw new Permanent(`stack ${stack} of ${env.n} does not exist in ${env.a} ${env.r}`);
        }
        throw e;
      }
      for (const r of page.StackResourceSummaries || []) {
        if (r.ResourceType === "AWS::CloudFormation::Stack" && r.PhysicalResourceId && !/^DELETE_/.test(r.ResourceStatus || "")) {
          stacks.push(r.PhysicalResourceId); // the nested stack's ARN
        }
        if ((r.ResourceType === "AWS::CloudWatch::Alarm" || r.ResourceType === "AWS::CloudWatch::CompositeAlarm") &&
            r.PhysicalResourceId && !/^DELETE_/.test(r.ResourceStatus || "")) {
          names.add(r.PhysicalResourceId);
        }
      }
      token = page.NextToken;
    } while (token);
  }
  return [...names];
}

// firing returns a line for every alarm of the environments in ALARM.
async function firing(deps, params, partition) {
  const out = [];
  for (const env of params.e) {
    // The service's bootstrap gate role (names.GateRole in Go).
    const role = `arn:${partition}:iam::${env.a}:role/handsoff-${params.p}-gate-${env.r}`;
    const credentials = await deps.assume(role, "handsoff-bake-" + env.n.slice(0, 50));
    const names = await alarmsOf(deps, params.p, env, credentials);
    const cw = deps.cloudwatch(env.r, credentials);
    const seen = new Set();
    const named = new Set(env.l || []);
    for (let i = 0; i < names.length; i += 100) {
      let token;
      do {
        const page = await cw.describeAlarms({ AlarmNames: names.slice(i, i + 100), AlarmTypes: ["MetricAlarm", "CompositeAlarm"], MaxRecords: 100, NextToken: token });
        for (const a of page.MetricAlarms || []) {
          seen.add(a.AlarmName);
          if (a.StateValue === "ALARM" && (named.has(a.AlarmName) || !scaling(a))) {
            out.push(`${env.n}: alarm ${a.AlarmName} is in ALARM (${a.StateReason || "no reason given"})`);
          }
        }
        for (const a of page.CompositeAlarms || []) {
          seen.add(a.AlarmName);
          if (a.StateValue === "ALARM") out.push(`${env.n}: alarm ${a.AlarmName} is in ALARM (${a.StateReason || "no reason given"})`);
        }
        token = page.NextToken;
      } while (token);
    }
    for (const name of env.l || []) {
      if (!seen.has(name)) throw new Permanent(`alarm ${name}, named by the document for ${env.n}, does not exist in ${env.a} ${env.r}`);
    }
  }
  return out;
}

function makeHandler(deps) {
  return async (event, context) => {
    const job = event && event["CodePipeline.job"];
    if (!job || !job.id) {
      // Fail closed, and say what came instead of a job.
      throw new Error("handsoff bake watcher: not a CodePipeline job: " + JSON.stringify(event).slice(0, 1000));
    }
    const cp = deps.codepipeline();
    const fail = (message) => cp.putJobFailureResult({
      jobId: job.id, failureDetails: { type: "JobFailed", message: String(message).slice(0, 5000) },
    });
    let params, state;
    try {
      params = JSON.parse(job.data.actionConfiguration.configuration.UserParameters);
      if (!(params.m > 0) || !Array.isArray(params.e)) throw new Error("no bake minutes or environments");
      const now = deps.now();
      state = job.data.continuationToken ? JSON.parse(job.data.continuationToken) : { until: now + params.m * 60000, errors: 0 };
    } catch (e) {
      return fail("handsoff bake watcher: bad parameters (fails closed): " + e.message);
    }
    if (!job.data.continuationToken && params.g && deps.pipeline) {
      // A rollback does not bake (see the top of this file).
      let type;
      try {
        const st = await cp.getPipelineState({ name: deps.pipeline });
        const stage = (st.stageStates || []).find((x) => x.stageName === params.g);
        type = stage && stage.latestExecution && stage.latestExecution.type;
      } catch (e) {
        console.log(`cannot tell whether this is a rollback, baking as usual: ${e.message}`);
      }
      if (type === "ROLLBACK") {
        return cp.putJobSuccessResult({ jobId: job.id, executionDetails: {
          summary: "handsoff bake: a rollback to a known-good version; the alarms are not watched while it returns",
        } });
      }
    }
    let lines;
    try {
      lines = await firing(deps, params, partitionOf(context));
      state.errors = 0;
    } catch (e) {
      state.errors = (state.errors || 0) + 1;
      if (e instanceof Permanent || state.errors >= MAX_ERRORS) {
        return fail(`handsoff bake: cannot watch the alarms (fails closed): ${e.message}`);
      }
      console.log(`check ${state.errors} of ${MAX_ERRORS} failed, trying again: ${e.message}`);
    }
    if (lines && lines.length) {
      return fail(`handsoff bake: ${lines.join("; ")}`);
    }
    const now = deps.now();
    if (now >= state.until && state.errors === 0) {
      return cp.putJobSuccessResult({ jobId: job.id });
    }
    // Sleep only as long as the invocation has left after the checks,
    // keeping MARGIN_MS to report the job.
    const left = context && typeof context.getRemainingTimeInMillis === "function" ? context.getRemainingTimeInMillis() : POLL_MS + MARGIN_MS;
    await deps.sleep(Math.max(0, Math.min(POLL_MS, state.until - now, left - MARGIN_MS)));
    return cp.putJobSuccessResult({ jobId: job.id, continuationToken: JSON.stringify(state) });
  };
}

// The AWS SDK for JavaScript v3 comes with the Lambda Node.js runtime.
const aws = (name) => require("@aws-sdk/client-" + name);
const real = {
  pipeline: process.env.PIPELINE,
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  codepipeline: () => new (aws("codepipeline").CodePipeline)({}),
  cloudformation: (region, credentials) => new (aws("cloudformation").CloudFormation)({ region, credentials }),
  cloudwatch: (region, credentials) => new (aws("cloudwatch").CloudWatch)({ region, credentials }),
  assume: async (roleArn, sessionName) => {
    const r = await new (aws("sts").STS)({}).assumeRole({ RoleArn: roleArn, RoleSessionName: sessionName, DurationSeconds: 900 });
    return { accessKeyId: r.Credentials.AccessKeyId, secretAccessKey: r.Credentials.SecretAccessKey, sessionToken: r.Credentials.SessionToken };
  },
};

exports.makeHandler = makeHandler;
exports.handler = makeHandler(real);
