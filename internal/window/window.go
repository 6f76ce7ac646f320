package window

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/handsoff-cdk/handsoff/checks"
)

// Script is window.py: the Python 3.11 script of the runbook's
// aws:executeScript step (standard library only).
//
//go:embed window.py
var Script string

const (
	// Runtime is the step's Runtime: the one AWS recommends since Python
	// 3.6 to 3.8 stopped running on 2025-02-18.
	Runtime = "python3.11"
	// Handler returns {"blocked", "reasons", "at"}; the runbook branches on
	// $.Payload.blocked.
	Handler = "handler"
	// Guard returns the same when nothing blocks and raises when something
	// does, which fails the step and so the runbook: a guard in one step.
	Guard = "guard"
)

// The most a Parameter Store String parameter holds
// (https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_PutParameter.html:
// "Standard parameters have a value limit of 4 KB. Advanced parameters have
// a value limit of 8 KB."; the API's error says "4096 characters"). Encode
// counts bytes, which are never fewer than characters.
const (
	MaxStandardBytes = 4096
	MaxAdvancedBytes = 8192
)

// zoneMargin is how far before validFrom and after validUntil the calendar
// keeps offsets: the script looks up wall clocks up to two days and a time
// zone's offset (at most a day) away from the instant it answers for.
const zoneMargin = 4 * 24 * time.Hour

// The calendar as checks.Calendar.JSON renders it. Encode decodes it into
// these, refusing any field they lack, so that a rule added to the calendar
// later cannot pass through to a script that would ignore it.
type calendarJSON struct {
	Windows   []windowJSON   `json:"windows"`
	Blackouts []blackoutJSON `json:"blackouts"`
	Stages    []string       `json:"stages"`
}

type windowJSON struct {
	Name      string   `json:"name"`
	Timezone  string   `json:"timezone"`
	Days      []int    `json:"days"`
	Start     int      `json:"start"`
	End       int      `json:"end"`
	AppliesTo []string `json:"appliesTo"`
}

type blackoutJSON struct {
	Name      string   `json:"name"`
	From      int64    `json:"from"`
	To        int64    `json:"to"`
	AppliesTo []string `json:"appliesTo"`
}

// runbookCalendar is what the script reads.
type runbookCalendar struct {
	calendarJSON
	// ValidFrom and ValidUntil (Unix milliseconds) bound the instants the
	// script answers for; outside them it fails closed.
	ValidFrom  int64 `json:"validFrom"`
	ValidUntil int64 `json:"validUntil"`
	Zones      zones `json:"zones"`
}

// zones are the offsets of every window's time zone from From to Until
// (Unix seconds).
type zones struct {
	From  int64             `json:"from"`
	Until int64             `json:"until"`
	Spans map[string][]span `json:"spans"`
}

// span is a stretch of a zone's time with one offset and abbreviation,
// from Start (Unix seconds) to the next span's start. It is written as
// [start, offset, "abbreviation"].
type span struct {
	Start  int64
	Offset int // seconds east of UTC
	Abbr   string
}

func (s span) MarshalJSON() ([]byte, error) {
	abbr, _ := json.Marshal(s.Abbr)
	return []byte("[" + strconv.FormatInt(s.Start, 10) + "," + strconv.Itoa(s.Offset) + "," + string(abbr) + "]"), nil
}

// Encode renders the calendar a runbook reads at run time: cal's JSON (the
// one the freeze gate gets) plus the instants it is valid for, [from,
// until), and the offsets of its windows' time zones over that time, read
// from Go's zone data now, so that the script needs no time zone database
// and follows the same zone rules as the plan. It fails when the result
// does not fit an advanced Parameter Store parameter (8 KB) or a zone
// cannot be loaded.
func Encode(cal *checks.Calendar, from, until time.Time) (string, error) {
	return encode(cal.JSON(), "", from, until)
}

// EncodeStage is Encode of one stage's calendar: the windows and blackouts
// that apply to it (checks.Calendar.For, the freeze gate's calendar), with
// that stage alone in its stages, so that a runbook of another stage that
// reads it by mistake fails closed instead of finding nothing that applies.
func EncodeStage(cal *checks.Calendar, stage string, from, until time.Time) (string, error) {
	return encode(cal.For(stage).JSON(), stage, from, until)
}

// encode is Encode of the calendar's JSON; a stage keeps only that one.
func encode(calendar, stage string, from, until time.Time) (string, error) {
	if !until.After(from) {
		return "", fmt.Errorf("window.Encode: until (%s) is not after from (%s)", until.Format(time.RFC3339), from.Format(time.RFC3339))
	}
	dec := json.NewDecoder(strings.NewReader(calendar))
	dec.DisallowUnknownFields()
	var out runbookCalendar
	if err := dec.Decode(&out.calendarJSON); err != nil {
		return "", fmt.Errorf("window.Encode: checks.Calendar.JSON has changed and the runbook's script does not know it (%v): teach window.py and this decoder the change", err)
	}
	if stage != "" {
		if !slices.Contains(out.Stages, stage) {
			return "", fmt.Errorf("window.EncodeStage: %q is none of the document's stages (%s)", stage, strings.Join(out.Stages, ", "))
		}
		out.Stages = []string{stage}
	}
	out.ValidFrom, out.ValidUntil = from.UnixMilli(), until.UnixMilli()
	first, last := from.Add(-zoneMargin), until.Add(zoneMargin)
	out.Zones = zones{From: first.Unix(), Until: last.Unix(), Spans: map[string][]span{}}
	for i, w := range out.Windows {
		if _, ok := out.Zones.Spans[w.Timezone]; ok {
			continue
		}
		loc, err := time.LoadLocation(w.Timezone)
		if err != nil {
			return "", fmt.Errorf("window.Encode: windows[%d] (%q): time zone %q: %v", i, w.Name, w.Timezone, err)
		}
		out.Zones.Spans[w.Timezone] = spans(loc, first, last)
	}
	raw, err := json.Marshal(out)
	if err != nil {
		return "", fmt.Errorf("window.Encode: %v", err)
	}
	raw = escapeBraces(raw)
	if len(raw) > MaxAdvancedBytes {
		return "", fmt.Errorf("window.Encode: the runbook calendar takes %d bytes and a Parameter Store parameter holds at most %d: merge windows, drop past blackouts, or shorten the time it is written for (%s to %s)", len(raw), MaxAdvancedBytes, from.Format(time.RFC3339), until.Format(time.RFC3339))
	}
	return string(raw), nil
}

// Tier is the Parameter Store tier that holds a calendar of this size:
// "Standard" up to 4 KB, "Advanced" (which costs) up to 8 KB.
func Tier(calendar string) string {
	if len(calendar) <= MaxStandardBytes {
		return "Standard"
	}
	return "Advanced"
}

// spans lists loc's offsets and abbreviations from first to last, as Go's
// own lookups answer them (time.Time.Zone), merging neighbours that agree.
func spans(loc *time.Location, first, last time.Time) []span {
	t := first.In(loc)
	abbr, off := t.Zone()
	out := []span{{first.Unix(), off, abbr}}
	for {
		_, end := t.ZoneBounds()
		if end.IsZero() {
			break // the zone keeps this offset forever
		}
		if !end.After(t) {
			// Past its last transition Go computes a zone's periods from its
			// rule year by year, and may end one at the year's end, or a day
			// early in a leap year, at the instant asked about: step on.
			end = t.Add(time.Hour)
		}
		if !end.Before(last) {
			break
		}
		t = end.In(loc)
		abbr, off = t.Zone()
		if p := out[len(out)-1]; p.Offset != off || p.Abbr != abbr {
			out = append(out, span{t.Unix(), off, abbr})
		}
	}
	return slices.Clip(out)
}

// ParameterName is the Parameter Store name of a stage's calendar in each
// account and region the service's environments of that stage live in.
func ParameterName(service, stage string) string {
	return "/handsoff/" + service + "/" + stage + "/calendar"
}

// escapeBraces writes every brace inside a JSON string as \u007b or
// \u007d, which JSON decoders read back as the brace: Parameter Store
// refuses a value that holds "{{" ... "}}" (its syntax for referring to
// another parameter), so a window or blackout named "incident {{INC-42}}"
// would otherwise stop the push that carries it. Structural braces, which
// never come two opening in a row, stay.
func escapeBraces(raw []byte) []byte {
	out := make([]byte, 0, len(raw))
	in, escaped := false, false
	for _, c := range raw {
		switch {
		case in && escaped:
			escaped = false
		case in && c == '\\':
			escaped = true
		case c == '"':
			in = !in
		case in && c == '{':
			out = append(out, `\u007b`...)
			continue
		case in && c == '}':
			out = append(out, `\u007d`...)
			continue
		}
		out = append(out, c)
	}
	return out
}
