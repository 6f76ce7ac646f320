// handsoff check runner: the one function of an environment's validation
// gate. The validation state machine calls it in two ways.
//
// An http check, {check, url, expectStatus, timeoutMs}: it calls the URL
// without following redirects (a 3xx fails a check that expects 200, and the
// message says where it points) and throws CheckFailed, with the real cause
// (no DNS name, connection refused, TLS, a timeout, a wrong status and the
// start of the body), when the answer is not the expected one.
//
// The report, {report: [results of every check], service, environment}: each
// check's branch ends in a result, passed or failed, so every check runs to
// its end. The report reads them all and returns {passed, error, cause}; the
// state machine then fails once, with error "CheckFailed: a, b" (the names
// of the failed checks, at most 256 characters, what the pipeline's action
// shows) and a cause of one line a check: the build's log link for codebuild
// checks, the network error for http checks, what a lambda check threw or
// that it returned {"ok": false}.
"use strict";

const MAX_ERROR = 256; // Step Functions: a Fail state's error
const MAX_CAUSE = 32768; // and its cause

// networkError says in words what fetch's cause code means.
function networkError(err, timeoutMs) {
  if (err && err.name === "AbortError") return `did not answer within ${timeoutMs} ms`;
  const cause = (err && err.cause) || {};
  const code = cause.code || "";
  const what = {
    ENOTFOUND: "its host name does not resolve (DNS)",
    EAI_AGAIN: "its host name could not be resolved now (DNS)",
    ECONNREFUSED: "refused the connection",
    ECONNRESET: "reset the connection",
    EHOSTUNREACH: "host unreachable",
    ENETUNREACH: "network unreachable",
    ETIMEDOUT: "the connection timed out",
    UND_ERR_CONNECT_TIMEOUT: "the connection timed out",
    UND_ERR_HEADERS_TIMEOUT: "sent no headers in time",
    UND_ERR_SOCKET: "closed the connection",
  }[code];
  if (what) return what + (cause.message ? ` (${cause.message})` : "");
  if (/CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS/.test(code) || /certificate|TLS|SSL/i.test(cause.message || "")) {
    return `TLS failed: ${cause.message || code}`;
  }
  return `could not be called: ${cause.message || (err && err.message) || String(err)}${code ? " (" + code + ")" : ""}`;
}

function checkFailed(message) {
  const f = new Error(message);
  f.name = "CheckFailed";
  return f;
}

async function httpCheck(e) {
  const ctl = new AbortController();
  const timer = setTimeout(() => ctl.abort(), e.timeoutMs);
  let res, body;
  try {
    res = await fetch(e.url, { signal: ctl.signal, redirect: "manual" });
    body = (await res.text()).slice(0, 512);
  } catch (err) {
    throw checkFailed(`${e.check}: ${e.url} ${networkError(err, e.timeoutMs)}`);
  } finally {
    clearTimeout(timer);
  }
  if (res.status !== e.expectStatus) {
    let msg = `${e.check}: ${e.url} answered ${res.status}, want ${e.expectStatus}`;
    const location = res.headers.get("location");
    if (res.status >= 300 && res.status < 400) {
      msg += location ? `: a redirect to ${location}, which checks do not follow (check that URL instead)` : ": a redirect, which checks do not follow";
    } else if (body) {
      msg += ": " + body;
    }
    throw checkFailed(msg);
  }
  return { check: e.check, url: e.url, status: res.status };
}

function parse(s) {
  try { return JSON.parse(s); } catch (_) { return undefined; }
}

// failureLine describes a check whose branch caught an error: failure is
// Step Functions' error output, {Error, Cause}.
function failureLine(r) {
  const f = r.failure || {};
  const error = String(f.Error || "unknown error");
  const cause = f.Cause === undefined || f.Cause === null ? "" : String(f.Cause);
  if (error === "States.Timeout") {
    return `${r.check}: timed out (the attempt ran out of time; see the check's timeout and retries)`;
  }
  if (r.type === "codebuild") {
    const b = parse(cause);
    if (b && typeof b === "object") {
      const failedPhase = (b.Phases || []).find((p) => p.PhaseStatus && p.PhaseStatus !== "SUCCEEDED");
      let line = `${r.check}: build ${b.Id || "?"} ${b.BuildStatus || "failed"}`;
      if (failedPhase) {
        const ctx = (failedPhase.Contexts || []).map((c) => c.Message).filter(Boolean).join("; ");
        line += ` in ${failedPhase.PhaseType}${ctx ? " (" + ctx + ")" : ""}`;
      }
      const link = b.Logs && b.Logs.DeepLink;
      return line + (link ? `; logs: ${link}` : "; no log link");
    }
  }
  // A function error (http checks, lambda checks) arrives as Lambda's
  // {errorType, errorMessage} in the cause.
  const lambda = parse(cause);
  if (lambda && typeof lambda === "object" && lambda.errorMessage !== undefined) {
    const msg = String(lambda.errorMessage);
    if (r.type === "http" && msg.startsWith(r.check + ": ")) return msg;
    return `${r.check}: ${lambda.errorType || error}: ${msg}`;
  }
  return `${r.check}: ${error}${cause ? ": " + cause.slice(0, 2000) : ""}`;
}

function report(e) {
  const failed = [];
  const lines = [];
  for (const r of Array.isArray(e.report) ? e.report : []) {
    if (!r || typeof r !== "object") continue;
    if (r.failure) {
      failed.push(r.check);
      lines.push(failureLine(r));
    } else if (r.type === "lambda" && r.result && typeof r.result === "object" && r.result.ok === false) {
      // A lambda check fails by throwing, or by returning {"ok": false}.
      failed.push(r.check);
      lines.push(`${r.check}: the function returned ok: false${r.result.reason ? ": " + String(r.result.reason) : ""}`);
    } else if (r.type === "codebuild") {
      lines.push(`${r.check}: passed (build ${r.build})`);
    } else {
      lines.push(`${r.check}: passed`);
    }
  }
  if (!Array.isArray(e.report) || e.report.length === 0) {
    // Fail closed: a report without results is no evidence of anything.
    return { passed: false, error: "CheckFailed: no results", cause: "handsoff: the report received no check results: " + JSON.stringify(e).slice(0, 1000) };
  }
  if (failed.length === 0) return { passed: true, error: "", cause: lines.join("\n") };
  let error = "CheckFailed: " + failed.join(", ");
  if (error.length > MAX_ERROR) error = error.slice(0, MAX_ERROR - 3) + "...";
  let cause = `${failed.length} of ${e.report.length} checks of ${e.environment || "the environment"} failed:\n` + lines.join("\n");
  if (cause.length > MAX_CAUSE) cause = cause.slice(0, MAX_CAUSE - 3) + "...";
  return { passed: false, error, cause };
}

exports.handler = async (e) => {
  if (e && "report" in e) return report(e);
  if (e && typeof e.url === "string") return httpCheck(e);
  throw new Error("handsoff check runner: neither an http check nor a report: " + JSON.stringify(e).slice(0, 1000));
};
exports.report = report;
