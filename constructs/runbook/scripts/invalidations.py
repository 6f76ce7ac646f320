"""handsoff runbook InvalidatePaths: may it invalidate these paths now?

The aws:executeScript step CheckInvalidations (python3.11) of
runbook.NewInvalidatePaths. It raises, which fails the step and so the
runbook, when a path is not one CloudFront takes, when there are more paths
or wildcards than CloudFront lets be in progress, or when an invalidation
of the distribution is still in progress; otherwise it returns the number
of paths, which the CreateInvalidation step gives CloudFront as Quantity.

Why a script: "none in progress" is a question about every item of
ListInvalidations, across pages, and an aws:assertAwsResourceProperty
selector picks values, it cannot say that none of them is InProgress.

events:
  distribution  the distribution's ID
  paths         the paths to invalidate (the runbook's Paths parameter)
"""

import re

import boto3
from botocore.config import Config

# CloudFront's rules for paths and its limits on invalidations in progress
# (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/invalidation-specifying-objects.html,
# https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/InvalidationLimits.html):
# a path starts with "/", a "*" only at the end is a wildcard, at most 4,000
# characters; at most 3,000 file paths and 15 wildcard paths in progress.
PATH = re.compile(r"^/[A-Za-z0-9._~!$&'()+,;=:@%/-]*\*?$")
MAX_PATH = 4000
MAX_PATHS = 3000
MAX_WILDCARDS = 15
# ListInvalidations returns at most 100 a page; the script reads at most
# this many pages and fails closed beyond them.
PAGES = 100

# aws:executeScript does not retry throttled calls itself
# (https://docs.aws.amazon.com/systems-manager/latest/userguide/automation-action-executeScript.html):
# botocore's standard retry mode does.
RETRIES = Config(retries={"max_attempts": 10, "mode": "standard"})


class Refused(RuntimeError):
    def __init__(self, message):
        super().__init__("handsoff InvalidatePaths: " + message + " (the runbook does not invalidate)")


def check(events, context):
    distribution = events.get("distribution")
    paths = events.get("paths")
    if not isinstance(distribution, str) or not distribution:
        raise Refused("no distribution ID")
    if isinstance(paths, str):
        paths = [paths]
    if not isinstance(paths, list) or not paths:
        raise Refused("no paths: give Paths, each starting with /")
    bad = [p for p in paths if not isinstance(p, str) or not PATH.match(p) or len(p) > MAX_PATH]
    if bad:
        raise Refused("not CloudFront paths: %s; a path starts with /, uses URL-encoded characters, has * only at its end and at most %d characters" % (", ".join(repr(p) for p in bad[:5]), MAX_PATH))
    wildcards = [p for p in paths if p.endswith("*")]
    if len(wildcards) > MAX_WILDCARDS or len(paths) - len(wildcards) > MAX_PATHS:
        raise Refused("%d paths, %d of them wildcards: CloudFront takes at most %d file paths and %d wildcard paths in progress" % (len(paths), len(wildcards), MAX_PATHS, MAX_WILDCARDS))
    if len(set(paths)) != len(paths):
        raise Refused("a path is given twice")

    client = boto3.client("cloudfront", config=RETRIES)
    marker = None
    for _ in range(PAGES):
        args = {"DistributionId": distribution, "MaxItems": "100"}
        if marker:
            args["Marker"] = marker
        page = client.list_invalidations(**args)["InvalidationList"]
        # Anything but Completed counts as in progress: a status this script
        # does not know is not taken for done.
        busy = [i["Id"] for i in page.get("Items") or [] if i.get("Status") != "Completed"]
        if busy:
            raise Refused("invalidation %s of distribution %s is still in progress; run the runbook again when it has completed" % (", ".join(busy), distribution))
        if not page.get("IsTruncated"):
            return {"quantity": len(paths), "wildcards": len(wildcards)}
        marker = page.get("NextMarker")
        if not marker:
            raise Refused("ListInvalidations says there is more but gives no NextMarker")
    raise Refused("distribution %s lists more than %d invalidations: this script cannot tell that none is in progress (fails closed)" % (distribution, PAGES * 100))
