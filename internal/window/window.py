"""handsoff runbook freeze guard: may this runbook run now?

An aws:executeScript step (Runtime python3.11) of a guarded runbook runs
this script before anything else. It answers with the rules of the Go
calendar, checks.Calendar (checks/calendar.go), which the pipeline's freeze
gate (freezegate.js) also follows; Go tests hold all three to the same
answers.

events:
  calendar  the runbook calendar that window.Encode (Go) writes: the JSON of
            checks.Calendar.JSON() plus validFrom, validUntil and zones (the
            UTC offsets of the windows' time zones), as an object or as JSON
            text (what aws:executeAwsApi GetParameter hands on)
  stage     the stage this runbook's environment belongs to
  now       optional ISO 8601 instant with an offset, for tests; the clock
            otherwise

handler returns {"blocked": bool, "reasons": [...], "at": ISO 8601}; guard
returns the same when nothing blocks and raises when something does, which
fails the step.

It fails closed: a calendar it cannot read in full, a field it does not
know, a stage the calendar does not list, or an instant outside the time
the calendar was written for raises, which fails the step; it never answers
blocked=false for what it did not understand.

It reads no time zone database: whether the runner has one is not
documented, so the writer (Go, with the same zone rules as the plan it
printed) puts the offsets of every zone it needs into the calendar.
"""

import bisect
import datetime
import json
import time

MINUTE_MS = 60_000
DAY_S = 86_400
EPOCH_ORDINAL = datetime.date(1970, 1, 1).toordinal()
# Instants are Unix milliseconds in years 1 to 9999, as Go's time.Parse reads them.
MIN_MS = -62135596800000
MAX_MS = 253402300799999


class CalendarError(ValueError):
    """The calendar or the event cannot be read: the step fails (fails closed)."""

    def __init__(self, message):
        super().__init__("handsoff freeze guard: " + message + " (fails closed: the runbook does not run)")


def handler(events, context):
    cal, stage, at_ms = _read_events(events)
    reasons = [text for (_, _, _, text) in blocked(cal, stage, at_ms)]
    return {"blocked": bool(reasons), "reasons": reasons, "at": _iso(at_ms)}


def guard(events, context):
    answer = handler(events, context)
    if answer["blocked"]:
        raise RuntimeError("handsoff freeze guard: stage " + events["stage"] + " may not run this runbook now (" +
                           answer["at"] + "): " + "; ".join(answer["reasons"]))
    return answer


# --- reading ---------------------------------------------------------------

def _read_events(events):
    if not isinstance(events, dict):
        raise CalendarError("the step's input is not an object")
    _only(events, "the step's input", required=("calendar", "stage"), optional=("now",))
    cal = read_calendar(events["calendar"])
    stage = events["stage"]
    if not isinstance(stage, str) or stage not in cal.stages:
        raise CalendarError("stage %r is none of the calendar's stages (%s)" % (stage, ", ".join(cal.stages)))
    if "now" in events:
        at_ms = _parse_now(events["now"])
    else:
        at_ms = time.time_ns() // 1_000_000
    if not cal.valid_from <= at_ms < cal.valid_until:
        raise CalendarError("the calendar was written for %s to %s and it is %s: it is stale or from the future; "
                            "the pipeline and the configuration service rewrite it" %
                            (_iso(cal.valid_from), _iso(cal.valid_until), _iso(at_ms)))
    return cal, stage, at_ms


def _parse_now(s):
    if not isinstance(s, str):
        raise CalendarError("now is not an ISO 8601 string")
    try:
        dt = datetime.datetime.fromisoformat(s)
    except ValueError:
        raise CalendarError("now %r is not an ISO 8601 instant such as 2026-03-03T04:30:00Z" % s) from None
    if dt.tzinfo is None or dt.utcoffset() is None:
        raise CalendarError("now %r has no offset (Z or +hh:mm)" % s)
    delta = dt - datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)
    return (delta.days * DAY_S + delta.seconds) * 1000 + delta.microseconds // 1000


def _no_duplicates(pairs):
    out = {}
    for k, v in pairs:
        if k in out:
            raise CalendarError("the calendar has the key %r twice" % k)
        out[k] = v
    return out


def _no_constants(name):
    raise CalendarError("the calendar holds %s, which is not JSON" % name)


def read_calendar(raw):
    """read_calendar checks every field of a runbook calendar (JSON text or
    an object) and returns it; anything it does not know raises."""
    if isinstance(raw, str):
        try:
            raw = json.loads(raw, object_pairs_hook=_no_duplicates, parse_constant=_no_constants)
        except CalendarError:
            raise
        except ValueError as e:
            raise CalendarError("the calendar is not JSON: %s" % e) from None
    if not isinstance(raw, dict):
        raise CalendarError("the calendar is not a JSON object")
    _only(raw, "the calendar", required=("windows", "blackouts", "stages", "validFrom", "validUntil", "zones"))
    return _Calendar(raw)


def _only(obj, where, required=(), optional=()):
    missing = [k for k in required if k not in obj]
    if missing:
        hint = ""
        if where == "the calendar" and "zones" in missing:
            hint = ": it must be written by window.Encode, not checks.Calendar.JSON alone"
        raise CalendarError("%s has no %s%s" % (where, ", ".join(missing), hint))
    # A field this script does not know may be a rule it would ignore.
    unknown = sorted(k for k in obj if k not in required and k not in optional)
    if unknown:
        raise CalendarError("%s has fields this script does not know (%s): update the runbook" % (where, ", ".join(unknown)))


def _int(v, where, lo=None, hi=None):
    if type(v) is not int:
        raise CalendarError("%s is not an integer: %r" % (where, v))
    if (lo is not None and v < lo) or (hi is not None and v > hi):
        raise CalendarError("%s is %d, outside %s..%s" % (where, v, lo, hi))
    return v


def _str(v, where):
    if not isinstance(v, str):
        raise CalendarError("%s is not a string: %r" % (where, v))
    return v


def _strs(v, where):
    if not isinstance(v, list) or not v:
        raise CalendarError("%s is not a non-empty list" % where)
    return [_str(x, "%s[%d]" % (where, i)) for i, x in enumerate(v)]


def _list(v, where):
    if not isinstance(v, list):
        raise CalendarError("%s is not a list" % where)
    return v


class _Window:
    def __init__(self, raw, where):
        if not isinstance(raw, dict):
            raise CalendarError("%s is not an object" % where)
        _only(raw, where, required=("name", "timezone", "days", "start", "end", "appliesTo"))
        self.name = _str(raw["name"], where + ".name")
        self.zone = _str(raw["timezone"], where + ".timezone")
        days = _list(raw["days"], where + ".days")
        if not days:
            raise CalendarError("%s.days is empty" % where)
        # Go's time.Weekday: 0 is Sunday.
        self.days = frozenset(_int(d, "%s.days[%d]" % (where, i), 0, 6) for i, d in enumerate(days))
        self.start = _int(raw["start"], where + ".start", 0, 24 * 60 - 1)
        self.end = _int(raw["end"], where + ".end", 1, 24 * 60)
        if self.end == self.start:
            raise CalendarError("%s.end equals its start" % where)
        self.applies_to = _strs(raw["appliesTo"], where + ".appliesTo")


class _Blackout:
    def __init__(self, raw, where):
        if not isinstance(raw, dict):
            raise CalendarError("%s is not an object" % where)
        _only(raw, where, required=("name", "from", "to", "appliesTo"))
        self.name = _str(raw["name"], where + ".name")
        self.start = _int(raw["from"], where + ".from", MIN_MS, MAX_MS)
        self.end = _int(raw["to"], where + ".to", MIN_MS, MAX_MS)
        if self.end <= self.start:
            raise CalendarError("%s.to is not after its from" % where)
        self.applies_to = _strs(raw["appliesTo"], where + ".appliesTo")


class _Zone:
    """The UTC offsets of one time zone, as the writer's Go read them."""

    def __init__(self, name, raw, first, until):
        where = "zones.spans[%r]" % name
        spans = _list(raw, where)
        if not spans:
            raise CalendarError("%s is empty" % where)
        self.name, self.first, self.until = name, first, until
        self.starts, self.offsets, self.abbrs = [], [], []
        for i, s in enumerate(spans):
            if not isinstance(s, list) or len(s) != 3:
                raise CalendarError("%s[%d] is not [start, offset, abbreviation]" % (where, i))
            start = _int(s[0], "%s[%d][0]" % (where, i))
            if self.starts and start <= self.starts[-1]:
                raise CalendarError("%s is not in order at %d" % (where, i))
            self.starts.append(start)
            self.offsets.append(_int(s[1], "%s[%d][1]" % (where, i), -DAY_S + 1, DAY_S - 1))
            self.abbrs.append(_str(s[2], "%s[%d][2]" % (where, i)))
        if self.starts[0] > first:
            raise CalendarError("%s starts after zones.from" % where)

    def lookup(self, sec):
        """lookup is the offset and abbreviation at a Unix second."""
        if not self.first <= sec < self.until:
            raise CalendarError("the calendar has no offsets of %s at %s" % (self.name, _iso(sec * 1000)))
        i = bisect.bisect_right(self.starts, sec) - 1
        return self.offsets[i], self.abbrs[i]


class _Calendar:
    def __init__(self, raw):
        self.windows = [_Window(w, "windows[%d]" % i) for i, w in enumerate(_list(raw["windows"], "windows"))]
        self.blackouts = [_Blackout(b, "blackouts[%d]" % i) for i, b in enumerate(_list(raw["blackouts"], "blackouts"))]
        self.stages = _strs(raw["stages"], "stages")
        self.valid_from = _int(raw["validFrom"], "validFrom", MIN_MS, MAX_MS)
        self.valid_until = _int(raw["validUntil"], "validUntil", MIN_MS, MAX_MS)
        if self.valid_until <= self.valid_from:
            raise CalendarError("validUntil is not after validFrom")
        zones = raw["zones"]
        if not isinstance(zones, dict):
            raise CalendarError("zones is not an object")
        _only(zones, "zones", required=("from", "until", "spans"))
        first, until = _int(zones["from"], "zones.from"), _int(zones["until"], "zones.until")
        spans = zones["spans"]
        if not isinstance(spans, dict):
            raise CalendarError("zones.spans is not an object")
        self.zones = {name: _Zone(name, s, first, until) for name, s in spans.items()}
        for i, w in enumerate(self.windows):
            if w.zone not in self.zones:
                raise CalendarError("windows[%d] is in %s, of which the calendar has no offsets" % (i, w.zone))


# --- the rules of checks.Calendar --------------------------------------------

def blocked(cal, stage, at_ms):
    """blocked is checks.Calendar.Blocked: every window and blackout that
    keeps stage from starting at at_ms (Unix milliseconds), in the same
    order, as (kind, name, until in Unix milliseconds, text of Block.String)."""
    out = []
    for w in cal.windows:
        if stage not in w.applies_to:
            continue
        zone = cal.zones[w.zone]
        if _in_window(w, zone, at_ms):
            until = _window_until(w, zone, at_ms)
            out.append(("freeze window", w.name, until, _block_text("freeze window", w.name, until, zone)))
    for b in cal.blackouts:
        if stage in b.applies_to and b.start <= at_ms < b.end:
            out.append(("blackout", b.name, b.end, _block_text("blackout", b.name, b.end, None)))
    return out


def _wall(zone, ms):
    """_wall is the local day (days since 1970-01-01), minute of the day and
    weekday (0 is Sunday) at ms, as Go's t.In(zone) reads it."""
    sec = ms // 1000
    offset, _ = zone.lookup(sec)
    day, second = divmod(sec + offset, DAY_S)
    return day, second // 60, (day + 4) % 7  # 1970-01-01 was a Thursday


def _in_window(w, zone, ms):
    _, clock, weekday = _wall(zone, ms)
    crosses = w.end <= w.start
    if weekday in w.days and clock >= w.start and (crosses or clock < w.end):
        return True
    return crosses and (weekday + 6) % 7 in w.days and clock < w.end


def _go_date(zone, local):
    """_go_date is Go's time.Date for a wall clock given as seconds since
    1970-01-01 00:00 on that clock: in a DST gap or overlap it picks the
    instant Go picks."""
    offset, _ = zone.lookup(local)
    if offset != 0:
        # Go looks the offset up again at local - offset unless that falls in
        # the same zone period, where the offset is the same.
        offset, _ = zone.lookup(local - offset)
    return local - offset


def _window_until(w, zone, ms):
    """_window_until is windowContains' end: when the occurrence that holds
    ms ends."""
    day, clock, _ = _wall(zone, ms)
    if w.end <= w.start and clock >= w.start:
        day += 1  # started today and runs past midnight
    end = _go_date(zone, day * DAY_S + w.end * 60) * 1000
    if end > ms and _wall(zone, end)[1] == w.end % (24 * 60):
        return end
    # The end falls in a DST gap: the first minute, found by bisection, that
    # is outside the window (endAfter).
    lo, hi = ms - ms % MINUTE_MS, ms + 26 * 3600 * 1000
    while hi - lo > MINUTE_MS:
        mid = lo + (hi - lo) // 2
        mid -= mid % MINUTE_MS
        if mid == lo:
            # Go never leaves this loop here (an instant off the minute inside
            # a window 26 hours long); its answer on the minute is hi.
            break
        if _in_window(w, zone, mid):
            lo = mid
        else:
            hi = mid
    return hi


def _block_text(kind, name, until_ms, zone):
    """_block_text is Block.String: kind "name" until 2006-01-02 15:04 MST.
    A blackout's end is shown in UTC: the calendar keeps its instant, not
    the offset it was written with."""
    sec = until_ms // 1000
    offset, abbr = zone.lookup(sec) if zone is not None else (0, "UTC")
    day, second = divmod(sec + offset, DAY_S)
    d = datetime.date.fromordinal(EPOCH_ORDINAL + day)
    return "%s %s until %04d-%02d-%02d %02d:%02d %s" % (
        kind, _go_quote(name), d.year, d.month, d.day, second // 3600, second % 3600 // 60, abbr)


_ESCAPES = {"\a": "\\a", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\v": "\\v",
            '"': '\\"', "\\": "\\\\"}


def _go_quote(s):
    """_go_quote is Go's %q of a string (strconv.Quote)."""
    out = ['"']
    for ch in s:
        r = ord(ch)
        if ch in _ESCAPES:
            out.append(_ESCAPES[ch])
        elif ch.isprintable():
            out.append(ch)
        elif r < 0x20 or r == 0x7F:
            out.append("\\x%02x" % r)
        elif r < 0x10000:
            out.append("\\u%04x" % r)
        else:
            out.append("\\U%08x" % r)
    out.append('"')
    return "".join(out)


def _iso(ms):
    dt = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc) + datetime.timedelta(milliseconds=ms)
    s = dt.strftime("%Y-%m-%dT%H:%M:%S")
    if ms % 1000:
        s += ".%03d" % (ms % 1000)
    return s + "Z"
