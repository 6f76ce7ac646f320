"""A fake boto3 for the runbook scripts' tests: client(name) answers each
call with the next response queued for it, and records the call."""

calls = []
responses = []


class _Client:
    def __init__(self, name, config=None):
        self.name = name
        calls.append({"client": name, "retries": (config.kwargs.get("retries") if config else None)})

    def __getattr__(self, op):
        def call(**kwargs):
            calls.append({"op": self.name + "." + op, "args": kwargs})
            if not responses:
                raise AssertionError("no response queued for " + op)
            r = responses.pop(0)
            if isinstance(r, dict) and "raise" in r:
                raise RuntimeError(r["raise"])
            return r
        return call


def client(name, config=None):
    return _Client(name, config)
