// handsoff validation stopper: when a pipeline stage fails, is stopped or
// canceled, or a StepFunctions action fails or is abandoned (it timed out,
// say), stops the validation executions that the stage started and that
// are still running. CodePipeline does not: "the state machine might
// continue despite this failure"
// (https://docs.aws.amazon.com/codepipeline/latest/userguide/action-reference-StepFunctions.html),
// and a load test would keep hitting an environment during its rollback.
//
// The target of an EventBridge rule on the pipeline's stage and action
// state changes
// (https://docs.aws.amazon.com/codepipeline/latest/userguide/detect-state-changes-cloudwatch-events.html).
// It reads the stage's StepFunctions actions from the pipeline's structure
// (GetPipeline: state machine, region, role), assumes each action's gate
// role, lists the state machine's RUNNING executions and stops those that
// started before the event: a rollback's own validation, started later, is
// left alone. Each state machine belongs to one environment of one service,
// so only this pipeline starts its executions.
"use strict";

function makeHandler(deps) {
  return async (event) => {
    const d = (event && event.detail) || {};
    if (!d.pipeline || !d.stage) {
      console.log("handsoff validation stopper: not a CodePipeline stage or action event: " + JSON.stringify(event).slice(0, 1000));
      return { stopped: [] };
    }
    const before = Date.parse(event.time || "") || deps.now();
    const got = await deps.codepipeline().getPipeline({ name: d.pipeline });
    const stage = ((got.pipeline && got.pipeline.stages) || []).find((s) => s.name === d.stage);
    if (!stage) {
      console.log(`handsoff validation stopper: ${d.pipeline} has no stage ${d.stage}`);
      return { stopped: [] };
    }
    const actions = (stage.actions || []).filter((a) => a.actionTypeId && a.actionTypeId.provider === "StepFunctions" &&
      (!d.action || a.name === d.action));
    const stopped = [];
    const errors = [];
    for (const a of actions) {
      const machine = a.configuration && a.configuration.StateMachineArn;
      if (!machine || !a.roleArn) continue;
      const region = a.region || machine.split(":")[3];
      try {
        const credentials = await deps.assume(a.roleArn, "handsoff-stop-" + String(d.stage).replace(/[^\w+=,.@-]/g, "-").slice(0, 40));
        const sfn = deps.sfn(region, credentials);
        let token;
        do {
          const page = await sfn.listExecutions({ stateMachineArn: machine, statusFilter: "RUNNING", nextToken: token });
          for (const x of page.executions || []) {
            if (new Date(x.startDate).getTime() > before) continue;
            await sfn.stopExecution({
              executionArn: x.executionArn, error: "handsoff.PipelineGaveUp",
              cause: `stage ${d.stage} of pipeline ${d.pipeline} ${String(d.state || "").toLowerCase()}${d.action ? " (action " + d.action + ")" : ""}`,
            });
            stopped.push(x.executionArn);
          }
          token = page.nextToken;
        } while (token);
      } catch (e) {
        errors.push(`${a.name}: ${e.message}`);
      }
    }
    console.log(JSON.stringify({ pipeline: d.pipeline, stage: d.stage, state: d.state, action: d.action, stopped, errors }));
    if (errors.length) {
      // Lambda retries an asynchronous invocation twice.
      throw new Error("handsoff validation stopper: " + errors.join("; "));
    }
    return { stopped };
  };
}

// The AWS SDK for JavaScript v3 comes with the Lambda Node.js runtime.
const aws = (name) => require("@aws-sdk/client-" + name);
const real = {
  now: () => Date.now(),
  codepipeline: () => new (aws("codepipeline").CodePipeline)({}),
  sfn: (region, credentials) => new (aws("sfn").SFN)({ region, credentials }),
  assume: async (roleArn, sessionName) => {
    const r = await new (aws("sts").STS)({}).assumeRole({ RoleArn: roleArn, RoleSessionName: sessionName, DurationSeconds: 900 });
    return { accessKeyId: r.Credentials.AccessKeyId, secretAccessKey: r.Credentials.SecretAccessKey, sessionToken: r.Credentials.SessionToken };
  },
};

exports.makeHandler = makeHandler;
exports.handler = makeHandler(real);
