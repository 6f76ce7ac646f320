"""The tests' driver of window.py: one process answers many requests.

Usage: python3.11 driver.py DIR, where DIR holds the window.py under test.
Each line on stdin is a JSON request; each answer is one JSON line:

  {"handler": "handler"|"guard", "events": {...}}
      -> {"result": ...} or {"error": "ExceptionType: message"}
  {"calendar": ..., "stages": [...], "instants": [ms, ...]}
      -> {"blocks": [[[kind, name, until, text], ...] per stage, per instant]}
  {"calendar": ..., "stages": [...], "start": ms, "step": ms, "n": N}
      -> the same for start + i*step, i < N
"""
import importlib.util
import json
import sys

spec = importlib.util.spec_from_file_location("window", sys.argv[1] + "/window.py")
window = importlib.util.module_from_spec(spec)
spec.loader.exec_module(window)

for line in sys.stdin:
    req = json.loads(line)
    try:
        if "handler" in req:
            out = {"result": getattr(window, req["handler"])(req["events"], None)}
        else:
            cal = window.read_calendar(req["calendar"])
            if "instants" in req:
                instants = req["instants"]
            else:
                instants = [req["start"] + i * req["step"] for i in range(req["n"])]
            out = {"blocks": [[window.blocked(cal, s, t) for t in instants] for s in req["stages"]]}
    except Exception as e:  # the test reads the failure
        out = {"error": type(e).__name__ + ": " + str(e)}
    sys.stdout.write(json.dumps(out) + "\n")
    sys.stdout.flush()
