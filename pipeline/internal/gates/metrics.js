// handsoff delivery metrics: publishes CloudWatch metrics of one pipeline
// from its EventBridge events
// (https://docs.aws.amazon.com/codepipeline/latest/userguide/detect-state-changes-cloudwatch-events.html),
// and every 5 minutes (a schedule) how long the pipeline has been broken.
// The arithmetic is internal/metrics's (the same definitions and the same
// recorded history in its tests):
//   - an execution counts when it ended Succeeded or Failed;
//   - lead time runs from the execution's start (the push that triggered
//     it) to the event: to each stage that succeeded, and to the end of a
//     Succeeded execution (the last prod environment);
//   - time to restore runs from the end of the first Failed execution of a
//     run of failures to the end of the Succeeded execution after it;
//   - broken: the latest counted execution Failed, since the end of the
//     first failure of that run.
// Metrics (namespace handsoff/Delivery, dimension Pipeline; seconds):
// Executions, FailedExecutions, Deployments (counts), LeadTime (and per
// Stage), TimeToRestore, BuildDuration, DeployDuration, BrokenMinutes.
"use strict";

const NAMESPACE = "handsoff/Delivery";
const counted = (e) => e.status === "Succeeded" || e.status === "Failed";
const ms = (t) => (t instanceof Date ? t.getTime() : Date.parse(t));

// summarize is internal/metrics.Summarize: executions in any order, the
// window [from, to) in milliseconds.
function summarize(executions, from, to) {
  const es = executions.filter(counted).filter((e) => ms(e.lastUpdateTime) < to)
    .sort((a, b) => ms(a.lastUpdateTime) - ms(b.lastUpdateTime));
  const s = { deployments: 0, failures: 0, leadTimes: [], restores: [], brokenSince: 0, brokenFailures: 0 };
  let runStart = 0, run = 0;
  for (const e of es) {
    const end = ms(e.lastUpdateTime), inWindow = end >= from;
    if (e.status === "Succeeded") {
      if (inWindow) {
        s.deployments++;
        s.leadTimes.push((end - ms(e.startTime)) / 1000);
        if (run > 0) s.restores.push({ id: e.pipelineExecutionId, seconds: (end - runStart) / 1000 });
      }
      run = 0;
    } else {
      if (inWindow) s.failures++;
      if (run === 0) runStart = end;
      run++;
    }
  }
  if (run > 0) { s.brokenSince = runStart; s.brokenFailures = run; }
  return s;
}

function makeHandler(deps) {
  const pipeline = deps.env.PIPELINE;
  const history = async () => {
    const out = [];
    let token;
    // The last 100 executions at most: a run of failures longer than that
    // is measured from the oldest one read.
    do {
      const page = await deps.codepipeline().listPipelineExecutions({ pipelineName: pipeline, maxResults: 100, nextToken: token });
      out.push(...(page.pipelineExecutionSummaries || []));
      token = page.nextToken;
    } while (token && out.length < 100);
    return out;
  };
  const put = async (data) => {
    if (!data.length) return data;
    await deps.cloudwatch().putMetricData({
      Namespace: NAMESPACE,
      MetricData: data.map((m) => ({
        MetricName: m.name, Unit: m.unit || "Seconds", Value: m.value, Timestamp: new Date(m.at),
        Dimensions: [{ Name: "Pipeline", Value: pipeline }].concat(m.stage ? [{ Name: "Stage", Value: m.stage }] : []),
      })),
    });
    return data;
  };
  return async (event) => {
    const type = event && event["detail-type"];
    const d = (event && event.detail) || {};
    const at = Date.parse(event && event.time) || deps.now();
    if (type === "Scheduled Event") {
      const s = summarize(await history(), 0, deps.now() + 1);
      const minutes = s.brokenSince ? Math.max(0, (deps.now() - s.brokenSince) / 60000) : 0;
      return put([{ name: "BrokenMinutes", unit: "None", value: minutes, at: deps.now() }]);
    }
    if (d.pipeline !== pipeline) {
      console.log("handsoff delivery metrics: not an event of " + pipeline + ": " + JSON.stringify(event).slice(0, 1000));
      return [];
    }
    const id = d["execution-id"];
    if (type === "CodePipeline Pipeline Execution State Change") {
      if (d.state !== "SUCCEEDED" && d.state !== "FAILED") return [];
      const h = await history();
      const self = h.find((e) => e.pipelineExecutionId === id);
      const data = [
        { name: "Executions", unit: "Count", value: 1, at },
        { name: "FailedExecutions", unit: "Count", value: d.state === "FAILED" ? 1 : 0, at },
      ];
      if (d.state === "SUCCEEDED") {
        data.push({ name: "Deployments", unit: "Count", value: 1, at });
        if (self) data.push({ name: "LeadTime", value: (at - ms(self.startTime)) / 1000, at });
        // This execution's restore, with the history as it stands (the
        // event may come before ListPipelineExecutions shows the end).
        const withSelf = h.filter((e) => e.pipelineExecutionId !== id)
          .concat([{ pipelineExecutionId: id, status: "Succeeded", startTime: self ? self.startTime : new Date(at), lastUpdateTime: new Date(at) }]);
        const r = summarize(withSelf, at, at + 1).restores.find((x) => x.id === id);
        if (r) data.push({ name: "TimeToRestore", value: r.seconds, at });
      }
      return put(data);
    }
    if (type === "CodePipeline Stage Execution State Change") {
      if (d.state !== "SUCCEEDED") return [];
      const self = (await history()).find((e) => e.pipelineExecutionId === id);
      if (!self) return [];
      return put([{ name: "LeadTime", stage: d.stage, value: (at - ms(self.startTime)) / 1000, at }]);
    }
    if (type === "CodePipeline Action Execution State Change") {
      const category = d.type && d.type.category;
      if (d.state !== "SUCCEEDED" || (category !== "Build" && category !== "Deploy")) return [];
      const page = await deps.codepipeline().listActionExecutions({ pipelineName: pipeline, filter: { pipelineExecutionId: id } });
      const a = (page.actionExecutionDetails || []).find((x) => x.stageName === d.stage && x.actionName === d.action);
      if (!a || !a.startTime) return [];
      return put([{ name: category + "Duration", value: (at - ms(a.startTime)) / 1000, at }]);
    }
    return [];
  };
}

// The AWS SDK for JavaScript v3 comes with the Lambda Node.js runtime.
const aws = (name) => require("@aws-sdk/client-" + name);
const real = {
  env: process.env,
  now: () => Date.now(),
  codepipeline: () => new (aws("codepipeline").CodePipeline)({}),
  cloudwatch: () => new (aws("cloudwatch").CloudWatch)({}),
};

exports.summarize = summarize;
exports.makeHandler = makeHandler;
exports.handler = makeHandler(real);
