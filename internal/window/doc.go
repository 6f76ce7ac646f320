// Package window is the freeze guard of handsoff's SSM runbooks: a
// runbook refuses to run inside its service's freeze windows and
// blackouts, which it reads and evaluates when it runs, not when it was
// deployed. [Script] is the Python of its aws:executeScript step; [Encode]
// and [EncodeStage] write the calendar that step reads.
//
// # Semantics
//
// Exactly those of checks.Calendar, which the plan prints and whose rules
// the pipeline's freeze gate (freezegate.js) also follows:
//
//   - A window is on the wall clock of its time zone: on each of its days
//     it starts at start and ends at end; an end at or before the start
//     runs into the next day, and end 24:00 is midnight. Across a DST
//     change the wall clock is what counts (01:30-02:30 lasts 30 minutes
//     the night New York springs forward), and a time that does not exist
//     or exists twice resolves as Go's time.Date resolves it.
//   - A blackout is [from, to): from is inside it, to is not.
//   - The answer lists every window, then every blackout, that applies to
//     the stage, each in the words of checks.Block.String: freeze window
//     "sales-demos" until 2026-03-03 15:00 HKT.
//
// One difference, in the words and never in whether it blocks: a
// blackout's end is written in UTC (the calendar keeps the instant, not the
// offset the document wrote it with; Go writes it in that offset). Inside a
// window that runs on for more than 26 hours and whose end falls in a DST
// gap, both say "until" the 26th hour.
//
// Tests hold the script to Go: under python3.11, every 5 minutes of a year
// and a week for the four stages on the calendar of the freeze gate's own
// test (midnight-crossing, DST and all-day windows, a blackout), 428,544
// points, 39,276 blocked, 0 disagreements in reasons or words; and a rapid
// property over random calendars (18 time zones: DST north and south,
// offsets of 30 and 45 minutes, a 30-minute DST change, changes at
// midnight) at instants near zone changes and window and blackout edges.
// Each of nine broken copies of the script (a window's end inside it, a
// blackout's end inside it, a weekday off by one, a midnight-crossing
// window cut at midnight, Go's resolution of a DST gap skipped, Python's
// quoting of names...) fails the property.
//
// # Why Python, and which runtime
//
// aws:executeScript runs Python or PowerShell; the step's Runtime is
// python3.11 ([Runtime]), which AWS recommends since runbooks on Python 3.6
// to 3.8 stopped running on 2025-02-18
// (https://docs.aws.amazon.com/ja_jp/systems-manager/latest/userguide/automation-action-executeScript.html).
// The script uses only the standard library, so it goes inline in the
// step's Script (about 15 KB of the document's 64 KB); inline scripts need
// a YAML runbook, since "JSON runbooks must provide script content using
// the Attachment input parameter"
// (https://docs.aws.amazon.com/systems-manager/latest/userguide/automation-action-executeScript.html).
// The step calls [Handler] (the answer, for a branch on $.Payload.blocked)
// or [Guard] (the answer, or an exception naming the reasons, which fails
// the step and the runbook: the guard in one step). Its answer is a few
// hundred bytes of the 100 KB a Payload may hold.
//
// # Time zones without a time zone database
//
// Python's zoneinfo "uses the system's time zone data if available" and
// otherwise the tzdata package; with neither, every ZoneInfo raises
// (https://docs.python.org/3/library/zoneinfo.html#data-sources). What the
// executeScript runner holds is not documented, and AWS's own Lambda
// runtime provided.al2023 shipped without /usr/share/zoneinfo
// (https://github.com/aws/aws-lambda-dotnet/issues/1620). So the script
// reads no time zone database under any reading: [Encode] writes, beside
// the freeze gate's calendar, the UTC offset and abbreviation of each
// window's zone over the time the calendar is for, as Go reads them
// (time.Time.Zone, span by span), and the instants it is valid for:
//
//	{"windows": [...], "blackouts": [...], "stages": [...],
//	 "validFrom": ms, "validUntil": ms,
//	 "zones": {"from": s, "until": s, "spans": {"Europe/London": [[s, 0, "GMT"], [s, 3600, "BST"]]}}}
//
// The runbook then follows the zone rules the plan was printed with, not
// the runner's. A DST zone costs about 25 bytes a change, two changes a
// year: the example document's prod calendar written for 400 days is 605
// bytes (its freeze gate's, 375).
//
// # Failing closed
//
// The script raises, and so the step and the runbook fail, whenever it
// cannot answer in full: a calendar that is not JSON, has a key twice, lacks
// a field, or has one it does not know (a rule added later must not pass
// through a script that would ignore it; Encode refuses such a calendar
// too); a stage the calendar does not list; a now that is not an instant
// with an offset; an instant outside [validFrom, validUntil). It never
// answers blocked=false for what it did not read. The handler's now is for
// tests: a runbook must never map one of its parameters to it, or its
// caller could choose a time outside every window.
//
// # Getting the calendar at run time
//
// Today's writer is `handsoff calendar push` (cmd/handsoff), run on a
// schedule by the platform, the one writer; the configuration service's
// own writer, below, is the next step. Each environment's account
// and region hold a String parameter /handsoff/{service}/{stage}/calendar,
// the stage's calendar from [EncodeStage] (the freeze gate's, with that
// stage alone, so that a runbook of another stage that reads it fails
// closed). Two environments of one service may share an account and region
// (the document allows it), hence one parameter a stage. The runbook's
// first steps read it and guard:
//
//	mainSteps:
//	  - name: ReadCalendar
//	    action: aws:executeAwsApi
//	    inputs: {Service: ssm, Api: GetParameter, Name: /handsoff/orders/prod/calendar}
//	    outputs: [{Name: Calendar, Selector: $.Parameter.Value, Type: String}]
//	  - name: FreezeGuard
//	    action: aws:executeScript
//	    inputs:
//	      Runtime: python3.11
//	      Handler: guard
//	      InputPayload: {calendar: '{{ ReadCalendar.Calendar }}', stage: prod}
//	      Script: ... window.Script ...
//	  - ... the runbook's own steps
//
// aws:executeAwsApi retries throttling itself, which aws:executeScript does
// not (https://docs.aws.amazon.com/systems-manager/latest/userguide/automation-action-executeAwsApi.html),
// and keeps the script free of AWS calls and credentials; the automation
// role needs only ssm:GetParameter on that parameter's ARN. A missing
// parameter fails GetParameter (ParameterNotFound) and so the runbook. The
// guard reads the calendar when the runbook starts and not again: a runbook
// already past it is not stopped by a window that begins later, and one that
// waits on an aws:approve should guard after the approval, as the pipeline
// reads its calendar after its approvals.
//
// Who writes it, and how fast a change arrives. Exactly one writer a
// service: Parameter Store has no conditional write, so two writers (say a
// CloudFormation resource and a push) race, and the loser's older calendar
// can overwrite the newer one with no error. Which writer depends on where
// the service's document comes from:
//
//   - From the configuration service (where platform windows and blackouts
//     live): the service writes the parameter in every environment of every
//     service a change affects, through a role it assumes in each account
//     (made by handsoff bootstrap, allowed ssm:PutParameter on
//     parameter/handsoff/*/calendar alone), from an outbox row written in
//     the change's own transaction, so a committed change is never lost.
//     A new blackout reaches the runbooks seconds after it is saved: one
//     PutParameter per environment, retried until it succeeds, with no
//     deployment of the service and no run of its pipeline. While a write
//     keeps failing (a missing role, an API error), that environment's
//     runbooks follow its previous calendar, which nothing at run time can
//     tell is old: the admin page lists the environments not yet written,
//     and the service rewrites every parameter daily with validUntil 30
//     days ahead, so a writer broken for 30 days makes runbooks refuse
//     rather than run on forever.
//   - From the repository: the pipeline writes it, in an action after
//     UpdatePipeline and before the first deployment stage, which no freeze
//     gate guards. A change arrives minutes after its commit (source,
//     synth, self-mutation), even when the new window already blocks the
//     service's deployments; validUntil is 400 days after the synth.
//     (Written instead as a resource of a stack the stage deploys, a new
//     window that blocks the stage would also keep its own calendar out of
//     that stage until it ended.)
//
// Reading the calendar from the configuration service at run time
// (aws:executeScript over HTTPS) would have no latency at all, but would
// put a credential in every runbook and stop every runbook whenever the
// configuration service is down.
//
// Sizes: a standard parameter holds 4 KB, an advanced one 8 KB ("Standard
// parameters have a value limit of 4 KB. Advanced parameters have a value
// limit of 8 KB.",
// https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_PutParameter.html;
// the API refuses with "Standard tier parameters support a maximum
// parameter value of 4096 characters"). [Tier] says which a calendar needs;
// writing with Tier Intelligent-Tiering lets Parameter Store choose.
// [Encode] refuses a calendar over 8 KB, naming the fix (merge windows,
// drop past blackouts, write it for less time). A failed write leaves the
// previous calendar in place, which is not failing closed, so a calendar
// that would not fit must be refused before anything is written: at synth
// by the pipeline (as it refuses a freeze gate whose calendar Lambda cannot
// hold), and by the configuration service with the change that would make
// it (422). The pipeline already holds a document's whole calendar to 3800
// bytes (the freeze gate's Lambda environment); validity and zones add
// about 90 bytes, plus about 130 for each DST zone over 400 days.
package window
