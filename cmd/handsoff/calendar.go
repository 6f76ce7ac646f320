package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"
	"github.com/spf13/cobra"

	"github.com/handsoff-cdk/handsoff/checks"
	"github.com/handsoff-cdk/handsoff/internal/window"
)

// calendarCmd is "handsoff calendar push": the writer of the calendar the
// service's runbooks read when they run (internal/window).
func calendarCmd() *cobra.Command {
	return group(&cobra.Command{
		Use:   "calendar push",
		Short: "write the freeze calendar the service's runbooks read when they run",
	}, calendarPush())
}

func calendarPush() *cobra.Command {
	fs := flag.NewFlagSet("handsoff calendar push", flag.ContinueOnError)
	config := fs.String("config", "", "the configuration document (a file); default: as the pipeline finds it")
	days := fs.Int("days", 30, "how long the calendar stays valid (1 to 400): runbooks refuse to run on a calendar past it, so a push must come again before")
	dryRun := fs.Bool("dry-run", false, "print what would be written, and write nothing")
	return leaf(&cobra.Command{
		Use:   "push [flags] [ENV]",
		Short: "write each stage's calendar to Parameter Store in every account and region of its environments",
		Long: `Writes each stage's freeze windows and blackouts (the document's, as the
pipeline's freeze gate obeys them) to the String parameter
/handsoff/{service}/{stage}/calendar in every account and region where the
stage has an environment, with that environment's profile. The service's
runbooks read it when they start and refuse inside a window; a blackout
the platform adds reaches them with the next push, with no deployment.
Run it on a schedule (daily) from one place only: it is the calendar's one
writer, and a calendar past its validity (--days) makes runbooks refuse.
Every calendar is encoded first; one that does not fit in 8 KB stops the
push before anything is written.`,
		Args:              argsBetween(0, 1, "at most one environment"),
		ValidArgsFunction: completeEnvironments,
	}, fs, func(stdout, stderr io.Writer) int {
		if *days < 1 || *days > 400 {
			fmt.Fprintf(stderr, "handsoff calendar push: --days %d is out of range: 1 to 400\n", *days)
			return exitMisuse
		}
		cfg, err := loadConfig(*config, "")
		if err != nil {
			return docError(stderr, err)
		}
		envs, code := selectEnvironments(stderr, "handsoff calendar push", cfg, fs.Args())
		if code != exitOK {
			return code
		}
		now := clock().UTC()
		cal := checks.NewCalendar(cfg)
		type target struct{ account, region, stage, env string }
		var targets []target
		seen := map[target]bool{}
		values := map[string]string{}
		for _, e := range envs {
			tg := target{e.Account, e.Region, e.Stage, ""}
			if seen[tg] {
				continue
			}
			seen[tg] = true
			tg.env = e.Name
			targets = append(targets, tg)
			if _, done := values[e.Stage]; done {
				continue
			}
			v, err := window.EncodeStage(cal, e.Stage, now, now.Add(time.Duration(*days)*24*time.Hour))
			if err != nil {
				// Nothing is written: a push that stopped half way would
				// leave older calendars in some places.
				fmt.Fprintf(stderr, "handsoff calendar push: the %s calendar: %v; nothing was written\n", e.Stage, err)
				return exitFailed
			}
			values[e.Stage] = v
		}
		sort.Slice(targets, func(i, j int) bool { return targets[i].env < targets[j].env })
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		// Every profile first: a push that would stop at the first account
		// without credentials is not begun.
		clients := map[target]*ssm.Client{}
		for _, tg := range targets {
			if *dryRun {
				break
			}
			client, code := ssmClient(ctx, stderr, "handsoff calendar push", profileName(cfg.Service.Name, tg.env), tg.region)
			if code != exitOK {
				fmt.Fprintln(stderr, "handsoff calendar push: nothing was written")
				return code
			}
			clients[tg] = client
		}
		until := now.Add(time.Duration(*days) * 24 * time.Hour).Format(time.RFC3339)
		worst := exitOK
		var failed []string
		for _, tg := range targets {
			name := window.ParameterName(cfg.Service.Name, tg.stage)
			profile := profileName(cfg.Service.Name, tg.env)
			fmt.Fprintf(stderr, "$ aws ssm put-parameter --name %s --type String --tier Intelligent-Tiering --overwrite --value '...' --profile %s --region %s\n", name, profile, tg.region)
			if *dryRun {
				fmt.Fprintf(stdout, "%s in %s %s (%d bytes, valid until %s): not written (--dry-run)\n", name, tg.account, tg.region, len(values[tg.stage]), until)
				continue
			}
			// One failure does not stop the others: every account that
			// can take the new calendar gets it, and the rest are named.
			if _, err := clients[tg].PutParameter(ctx, &ssm.PutParameterInput{Name: aws.String(name), Value: aws.String(values[tg.stage]),
				Type: ssmtypes.ParameterTypeString, Tier: ssmtypes.ParameterTierIntelligentTiering, Overwrite: aws.Bool(true),
				Description: aws.String("handsoff: the " + tg.stage + " freeze calendar of " + cfg.Service.Repo + ", read by its runbooks; written by handsoff calendar push")}); err != nil {
				fmt.Fprintf(stderr, "handsoff calendar push: %s in %s %s: %s\n", name, tg.account, tg.region, explainAWS(err))
				failed = append(failed, fmt.Sprintf("%s %s (%s)", tg.account, tg.region, tg.env))
				worst = max(worst, awsExit(err))
				continue
			}
			fmt.Fprintf(stdout, "%s in %s %s: written (%d bytes, valid until %s)\n", name, tg.account, tg.region, len(values[tg.stage]), until)
		}
		if len(failed) > 0 {
			fmt.Fprintf(stderr, "handsoff calendar push: not written in %d of %d places, whose runbooks keep their previous calendar until a push reaches them: %s\n", len(failed), len(targets), strings.Join(failed, ", "))
		}
		return worst
	})
}
