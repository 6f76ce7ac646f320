package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/codepipeline"

	"github.com/handsoff-cdk/handsoff/internal/metrics"
	"github.com/handsoff-cdk/handsoff/internal/names"

	"github.com/spf13/cobra"
)

// metricsCmd prints a pipeline's delivery metrics from its execution
// history (CodePipeline ListPipelineExecutions), with the definitions of
// the pipeline's own metrics (internal/metrics).
func metricsCmd() *cobra.Command {
	fs := flag.NewFlagSet("handsoff metrics", flag.ContinueOnError)
	config := fs.String("config", "", "the configuration document (a file); default: as the pipeline finds it")
	pipelineFlag := fs.String("pipeline", "", "the pipeline's name; default: the document's ({service}-pipeline)")
	profile := fs.String("profile", "", "the AWS CLI profile; default: SERVICE-pipeline (handsoff profiles)")
	days := fs.Int("days", 30, "the window: the last N days (1 to 365)")
	asJSON := fs.Bool("json", false, "print JSON")
	return leaf(&cobra.Command{
		Use:   "metrics [flags]",
		Short: "delivery metrics from the pipeline's execution history",
		Long: `Prints the pipeline's delivery metrics over the last --days from its
execution history: deployments per day, failure rate, lead time from push to
the last prod environment, time to restore, and whether it is broken now.
Executions that were stopped or superseded count neither way.`,
		Args: argsBetween(0, 0, "no arguments"),
	}, fs, func(stdout, stderr io.Writer) int {
		if *days < 1 || *days > 365 {
			fmt.Fprintf(stderr, "handsoff metrics: --days %d is out of range: 1 to 365\n", *days)
			return exitMisuse
		}
		cfg, err := loadConfig(*config, "")
		if err != nil {
			return docError(stderr, err)
		}
		name := *pipelineFlag
		if name == "" {
			name = names.Pipeline(cfg.Service.Name)
		}
		if *profile == "" {
			*profile = profileName(cfg.Service.Name, "pipeline")
		}
		now := time.Now().UTC()
		if v, ok := nowOverride(stderr, "metrics"); !ok {
			return exitMisuse
		} else if !v.IsZero() {
			now = v
		}
		from := now.Add(-time.Duration(*days) * 24 * time.Hour)
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		awsCfg, code := awsFor(ctx, stderr, "handsoff metrics", "the pipeline's account", *profile, cfg.Pipeline.Region)
		if code != exitOK {
			return code
		}
		fmt.Fprintf(stderr, "# aws codepipeline list-pipeline-executions --pipeline-name %s --profile %s --region %s\n", name, *profile, cfg.Pipeline.Region)
		stop := progress(stderr, "reading the executions of "+name)
		history, err := readHistory(ctx, codepipeline.NewFromConfig(awsCfg), name, from)
		stop()
		if err != nil {
			fmt.Fprintf(stderr, "handsoff metrics: %s: %s\n", name, explainAWS(err))
			return exitUnreachable
		}
		s := metrics.Summarize(history, from, now)
		hours := func(d time.Duration) float64 { return float64(d.Round(time.Minute)) / float64(time.Hour) }
		if *asJSON {
			out := map[string]any{
				"pipeline": name, "from": from, "to": now, "deployments": s.Deployments, "failures": s.Failures,
				"deploymentsPerDay": s.PerDay(), "failureRate": s.FailureRate(),
				"leadTimeMedianSeconds": int64(metrics.Median(s.LeadTimes) / time.Second), "timeToRestoreMedianSeconds": int64(metrics.Median(s.RestoreDurations()) / time.Second),
				"restores": len(s.Restores), "broken": !s.BrokenSince.IsZero(),
			}
			if !s.BrokenSince.IsZero() {
				out["brokenSince"], out["brokenFailures"] = s.BrokenSince, s.BrokenFailed
			}
			raw, _ := json.MarshalIndent(out, "", "  ")
			fmt.Fprintln(stdout, string(raw))
			return exitOK
		}
		fmt.Fprintf(stdout, "%s, %s to %s (%d days, %d executions read)\n", name, from.Format("2006-01-02 15:04"), now.Format("2006-01-02 15:04 MST"), *days, len(history))
		fmt.Fprintf(stdout, "  deployments:      %d (%.2f a day)\n", s.Deployments, s.PerDay())
		fmt.Fprintf(stdout, "  failure rate:     %.0f%% (%d of %d executions failed)\n", 100*s.FailureRate(), s.Failures, s.Failures+s.Deployments)
		if len(s.LeadTimes) > 0 {
			fmt.Fprintf(stdout, "  lead time:        %.1f h median, push to the last prod environment (%d deployments)\n", hours(metrics.Median(s.LeadTimes)), len(s.LeadTimes))
		} else {
			fmt.Fprintf(stdout, "  lead time:        no deployment in the window\n")
		}
		if len(s.Restores) > 0 {
			fmt.Fprintf(stdout, "  time to restore:  %.1f h median (%d restores)\n", hours(metrics.Median(s.RestoreDurations())), len(s.Restores))
		} else {
			fmt.Fprintf(stdout, "  time to restore:  no failure was restored in the window\n")
		}
		if s.BrokenSince.IsZero() {
			fmt.Fprintf(stdout, "  now:              healthy (the latest execution succeeded)\n")
		} else {
			run := "the latest execution failed"
			if s.BrokenFailed > 1 {
				run = fmt.Sprintf("the latest %d executions failed", s.BrokenFailed)
			}
			fmt.Fprintf(stdout, "  now:              BROKEN for %.1f h, since %s (%s)\n", hours(now.Sub(s.BrokenSince)), s.BrokenSince.Format("2006-01-02 15:04 MST"), run)
		}
		return exitOK
	})
}

// readHistory pages ListPipelineExecutions (newest first) until it has
// passed the window's start and found the success before it, which a run
// of failures is measured from; at most 1,000 executions.
// https://docs.aws.amazon.com/codepipeline/latest/APIReference/API_ListPipelineExecutions.html
func readHistory(ctx context.Context, c *codepipeline.Client, name string, from time.Time) ([]metrics.Execution, error) {
	var out []metrics.Execution
	p := codepipeline.NewListPipelineExecutionsPaginator(c, &codepipeline.ListPipelineExecutionsInput{PipelineName: aws.String(name), MaxResults: aws.Int32(100)})
	for p.HasMorePages() && len(out) < 1000 {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		done := false
		for _, e := range page.PipelineExecutionSummaries {
			ex := metrics.Execution{ID: aws.ToString(e.PipelineExecutionId), Status: string(e.Status), Start: aws.ToTime(e.StartTime), End: aws.ToTime(e.LastUpdateTime)}
			out = append(out, ex)
			if ex.End.Before(from) && ex.Status == "Succeeded" {
				done = true
			}
		}
		if done {
			break
		}
	}
	return out, nil
}

// nowOverride reads HANDSOFF_NOW; false when it is malformed.
func nowOverride(stderr io.Writer, cmd string) (time.Time, bool) {
	v := os.Getenv(NowEnv)
	if v == "" {
		return time.Time{}, true
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		fmt.Fprintf(stderr, "handsoff %s: %s=%q is not an RFC 3339 time\n", cmd, NowEnv, v)
		return time.Time{}, false
	}
	return t, true
}
