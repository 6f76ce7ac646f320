// handsoff http check: called by the validation state machine with
// {check, url, expectStatus, timeoutMs}. Throws (the check fails) on no
// answer in time or an unexpected status, with the status and the start of
// the body in the message; the state machine retries and reports it.
"use strict";
exports.handler = async (e) => {
  const ctl = new AbortController();
  const timer = setTimeout(() => ctl.abort(), e.timeoutMs);
  let res, body;
  try {
    res = await fetch(e.url, { signal: ctl.signal, redirect: "manual" });
    body = (await res.text()).slice(0, 512);
  } catch (err) {
    const f = new Error(e.check + ": " + e.url + " did not answer within " + e.timeoutMs + " ms (" + err.message + ")");
    f.name = "CheckFailed";
    throw f;
  } finally {
    clearTimeout(timer);
  }
  if (res.status !== e.expectStatus) {
    const f = new Error(e.check + ": " + e.url + " answered " + res.status + ", want " + e.expectStatus + ": " + body);
    f.name = "CheckFailed";
    throw f;
  }
  return { check: e.check, url: e.url, status: res.status };
};
