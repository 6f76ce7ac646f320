"""handsoff SnapshotDatabase: off-peak (UTC) and quiet? See constructs/runbook."""
import datetime

import boto3
from botocore.config import Config


class Refused(RuntimeError):
    def __init__(self, message):
        super().__init__("handsoff SnapshotDatabase: %s (no snapshot taken)" % message)


def _now():
    return datetime.datetime.now(datetime.timezone.utc)


def _window(events, now):
    start, end = int(events["start"]), int(events["end"])
    m = now.hour * 60 + now.minute
    span = "%02d:%02d-%02d:%02d UTC" % (start // 60, start % 60, end // 60, end % 60)
    if not (start <= m < end if start < end else m >= start or m < end):
        raise Refused("it is %s UTC, outside the off-peak window %s" % (now.strftime("%H:%M"), span))
    return span


def off_peak(events, context):
    now = _now()
    return {"window": _window(events, now), "at": now.isoformat(timespec="seconds")}


def load(events, context):
    now = _now()
    _window(events, now)
    db = events["db"]
    # Standard retries: aws:executeScript does not retry throttling itself.
    cw = boto3.client("cloudwatch", config=Config(retries={"max_attempts": 10, "mode": "standard"}))
    points = cw.get_metric_statistics(
        Namespace="AWS/RDS", MetricName="CPUUtilization",
        Dimensions=[{"Name": "DBInstanceIdentifier", "Value": db}],
        StartTime=now - datetime.timedelta(minutes=5), EndTime=now,
        Period=60, Statistics=["Average", "SampleCount"]).get("Datapoints") or []
    n = sum(p["SampleCount"] for p in points)
    if not n:
        raise Refused("no CPUUtilization of %s in the last 5 minutes: cannot tell it is quiet" % db)
    average = sum(p["Average"] * p["SampleCount"] for p in points) / n
    return {"busy": average > float(events["threshold"]), "average": "%.2f" % average}
