// handsoff freeze gate: the LambdaInvoke rule in the BeforeEntry condition
// of the pipeline stages of one document stage. It reads nothing from the
// event, whose shape CodePipeline does not document: the stage it guards is
// fixed in its own environment (STAGE; one function per gated stage), with
// the document's freeze windows and blackouts (CALENDAR). A LambdaInvoke
// rule fails when the function returns an error and passes when it returns
// (https://docs.aws.amazon.com/codepipeline/latest/userguide/rule-reference-LambdaInvoke.html):
// the gate throws, and so the stage does not start, while a window or
// blackout applies.
//
// A rollback inside a freeze: CodePipeline runs the stage's entry
// conditions again for a rollback, a new execution of type ROLLBACK waiting
// to enter the stage (GetPipelineState: stageStates[].inboundExecutions,
// https://docs.aws.amazon.com/codepipeline/latest/APIReference/API_StageState.html).
// Returning to a known-good version must not wait for the freeze to end, so
// when every execution waiting to enter the stage's pipeline stages (WAVES,
// of the pipeline PIPELINE) is a rollback, the gate lets it in. When it
// cannot tell, or a release waits beside it, the gate blocks (fails closed)
// and says how to let a rollback in by hand (override the condition).
// The rules mirror checks.Calendar in Go; a test compares the two.
"use strict";
const DAYS = { Sun: 0, Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6 };
const fmts = {};
function wall(ms, zone) {
  const f = fmts[zone] || (fmts[zone] = new Intl.DateTimeFormat("en-US", {
    timeZone: zone, weekday: "short", hour: "2-digit", minute: "2-digit", hourCycle: "h23",
  }));
  const p = {};
  for (const x of f.formatToParts(new Date(ms))) p[x.type] = x.value;
  return { day: DAYS[p.weekday], clock: Number(p.hour) * 60 + Number(p.minute) };
}
function blocked(cal, stage, ms) {
  const out = [];
  for (const w of cal.windows || []) {
    if (!w.appliesTo.includes(stage)) continue;
    const { day, clock } = wall(ms, w.timezone);
    const crosses = w.end <= w.start;
    const today = w.days.includes(day) && clock >= w.start && (crosses || clock < w.end);
    const yesterday = crosses && w.days.includes((day + 6) % 7) && clock < w.end;
    if (today || yesterday) out.push("freeze window " + w.name);
  }
  for (const b of cal.blackouts || []) {
    if (b.appliesTo.includes(stage) && ms >= b.from && ms < b.to) out.push("blackout " + b.name);
  }
  return out;
}
exports.blocked = blocked;
// rollingBack reports whether every execution waiting to enter the
// stage's pipeline stages is a rollback (false when it cannot tell).
async function rollingBack(deps) {
  try {
    const waves = JSON.parse(deps.env.WAVES || "[]");
    const st = await deps.codepipeline().getPipelineState({ name: deps.env.PIPELINE });
    const inbound = [];
    for (const s of st.stageStates || []) {
      if (!waves.includes(s.stageName)) continue;
      if (s.inboundExecution) inbound.push(s.inboundExecution);
      for (const x of s.inboundExecutions || []) inbound.push(x);
    }
    return inbound.length > 0 && inbound.every((x) => x.type === "ROLLBACK");
  } catch (e) {
    console.log("cannot tell whether a rollback waits, so it is blocked too: " + e.message);
    return false;
  }
}

function makeHandler(deps) {
  return async () => {
    const cal = JSON.parse(deps.env.CALENDAR);
    const stage = deps.env.STAGE;
    if (typeof stage !== "string" || !(cal.stages || []).includes(stage)) {
      throw new Error("handsoff freeze gate: its STAGE (" + stage + ") is none of the document's stages (" +
        (cal.stages || []).join(", ") + "), so the stage may not start (fails closed)");
    }
    const why = blocked(cal, stage, deps.now());
    if (!why.length) return { stage, allowed: true };
    if (await rollingBack(deps)) {
      console.log("stage " + stage + ": a rollback enters inside " + why.join(", "));
      return { stage, allowed: true, rollback: true };
    }
    throw new Error("stage " + stage + " may not start now: " + why.join(", ") +
      " (to let a rollback in by hand, override the stage's entry condition)");
  };
}

// The AWS SDK for JavaScript v3 comes with the Lambda Node.js runtime.
const real = {
  env: process.env,
  now: () => Date.now(),
  codepipeline: () => new (require("@aws-sdk/client-codepipeline").CodePipeline)({}),
};
exports.makeHandler = makeHandler;
exports.handler = makeHandler(real);
