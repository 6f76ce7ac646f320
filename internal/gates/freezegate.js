// handsoff freeze gate: the LambdaInvoke rule in each stage's BeforeEntry
// condition. CALENDAR holds the document's freeze windows and blackouts; the
// rule's UserParameters name the stage. The function throws (and so fails the
// rule, and the stage does not start) while a window or blackout applies.
// The LambdaInvoke rule's event is not documented: when no known stage can be
// read from it, the gate fails closed and names what it received.
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
exports.handler = async (event) => {
  const cal = JSON.parse(process.env.CALENDAR);
  const cfg = (event && event.ruleConfiguration && event.ruleConfiguration.configuration) || event || {};
  const stage = cfg.UserParameters || cfg.stage;
  if (typeof stage !== "string" || !(cal.stages || []).includes(stage)) {
    throw new Error("handsoff freeze gate: no known stage (" + (cal.stages || []).join(", ") +
      ") in the event, so the stage may not start (fails closed); received: " + JSON.stringify(event).slice(0, 2000));
  }
  const why = blocked(cal, stage, Date.now());
  if (why.length) throw new Error("stage " + stage + " may not start now: " + why.join(", "));
  return { stage, allowed: true };
};
