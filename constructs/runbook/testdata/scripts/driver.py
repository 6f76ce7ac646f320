"""Runs a runbook script's handler on cases read as JSON from stdin, with
the fake boto3 beside this file, and writes one JSON answer a case.

A case: {"script": path, "handler": name, "events": {...}, "now": ISO 8601
or null, "responses": [...]}. An answer: {"result": ..., "error": message
or null, "calls": [...]}.
"""
import datetime
import importlib.util
import json
import os
import sys
import traceback

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, "fake"))
import boto3  # noqa: E402 (the fake)

out = []
for n, case in enumerate(json.load(sys.stdin)):
    spec = importlib.util.spec_from_file_location("script%d" % n, case["script"])
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    if case.get("now"):
        now = datetime.datetime.fromisoformat(case["now"])
        mod._now = lambda now=now: now
    boto3.calls.clear()
    boto3.responses[:] = case.get("responses") or []
    answer = {"result": None, "error": None}
    try:
        answer["result"] = getattr(mod, case["handler"])(case["events"], None)
        json.dumps(answer["result"])  # a Payload must be JSON
    except Exception as e:  # noqa: BLE001 (the step fails on any)
        answer["error"] = "%s: %s" % (type(e).__name__, e)
        if not isinstance(e, RuntimeError):
            answer["trace"] = traceback.format_exc()
    answer["calls"] = [json.loads(json.dumps(c, default=str)) for c in boto3.calls]
    answer["unused"] = len(boto3.responses)
    out.append(answer)
json.dump(out, sys.stdout)
