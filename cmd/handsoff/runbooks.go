package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"
	"github.com/aws/smithy-go"
	"github.com/spf13/cobra"

	"github.com/handsoff-cdk/handsoff/internal/signin"
	"github.com/handsoff-cdk/handsoff/stages"
)

// Tags the runbook construct puts on every document, which the CLI lists
// them by (constructs/runbook).
const (
	tagService     = "handsoff:service"
	tagEnvironment = "handsoff:environment"
)

// pollEvery is how often run asks for the execution's steps; tests set it.
var pollEvery = 5 * time.Second

// ssmClient makes the SSM client of an environment's profile and region,
// once the profile is signed in.
func ssmClient(ctx context.Context, stderr io.Writer, cmd, profile, region string) (*ssm.Client, int) {
	cfg, code := awsFor(ctx, stderr, cmd, "", profile, region)
	if code != exitOK {
		return nil, code
	}
	return ssm.NewFromConfig(cfg), exitOK
}

// runbookLink is the one-click link to start a runbook, the same the
// runbook constructs output (internal/signin).
func runbookLink(cfg *stages.Config, account, region, document string) string {
	return signin.RunbookLink(cfg.Access.SSOStartURL, cfg.Access.SSORoleName, account, region, document)
}

// runbooksCmd lists the service's runbooks in one environment or all.
func runbooksCmd() *cobra.Command {
	fs := flag.NewFlagSet("handsoff runbooks", flag.ContinueOnError)
	config := fs.String("config", "", "the configuration document (a file); default: as the pipeline finds it")
	return leaf(&cobra.Command{
		Use:   "runbooks [flags] [ENV]",
		Short: "the service's guarded runbooks in an environment, with one-click links",
		Long: `Lists the service's SSM Automation runbooks (the documents the runbook
construct tags handsoff:service) in one environment or every one, read with
each environment's profile, with the link that signs in and opens the
runbook. "handsoff run RUNBOOK ENV" starts one.`,
		Args:              argsBetween(0, 1, "at most one environment"),
		ValidArgsFunction: completeEnvironments,
	}, fs, func(stdout, stderr io.Writer) int {
		cfg, err := loadConfig(*config, "")
		if err != nil {
			return docError(stderr, err)
		}
		envs, code := selectEnvironments(stderr, "handsoff runbooks", cfg, fs.Args())
		if code != exitOK {
			return code
		}
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		code = exitOK
		for _, e := range envs {
			profile := profileName(cfg.Service.Name, e.Name)
			client, c := ssmClient(ctx, stderr, "handsoff runbooks", profile, e.Region)
			if c != exitOK {
				return c
			}
			fmt.Fprintf(stderr, "# aws ssm list-documents --filters Key=DocumentType,Values=Automation Key=tag:%s,Values=%s --profile %s --region %s\n", tagService, cfg.Service.Name, profile, e.Region)
			docs, err := listRunbooks(ctx, client, cfg.Service.Name, e.Name)
			if err != nil {
				fmt.Fprintf(stderr, "handsoff runbooks: %s: %s\n", e.Name, explainAWS(err))
				code = max(code, awsExit(err))
				continue
			}
			fmt.Fprintf(stdout, "%s (%s %s): %d runbooks\n", e.Name, e.Account, e.Region, len(docs))
			for _, d := range docs {
				fmt.Fprintf(stdout, "  %s\n    %s\n", d, runbookLink(cfg, e.Account, e.Region, d))
			}
		}
		return code
	})
}

// listRunbooks lists the names of the service's Automation documents in
// one environment, sorted.
func listRunbooks(ctx context.Context, c *ssm.Client, service, env string) ([]string, error) {
	var out []string
	p := ssm.NewListDocumentsPaginator(c, &ssm.ListDocumentsInput{Filters: []ssmtypes.DocumentKeyValuesFilter{
		{Key: aws.String("DocumentType"), Values: []string{"Automation"}},
		{Key: aws.String("Owner"), Values: []string{"Self"}},
		{Key: aws.String("tag:" + tagService), Values: []string{service}},
		{Key: aws.String("tag:" + tagEnvironment), Values: []string{env}},
	}})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, d := range page.DocumentIdentifiers {
			out = append(out, aws.ToString(d.Name))
		}
	}
	sort.Strings(out)
	return out, nil
}

// params is a repeated --param k=v.
type params map[string][]string

func (p params) String() string { return "" }
func (p params) Set(v string) error {
	k, val, ok := strings.Cut(v, "=")
	if !ok || k == "" {
		return fmt.Errorf("%q is not NAME=VALUE", v)
	}
	p[k] = append(p[k], val)
	return nil
}

// runCmd starts a runbook and follows it to its end.
func runCmd() *cobra.Command {
	fs := flag.NewFlagSet("handsoff run", flag.ContinueOnError)
	config := fs.String("config", "", "the configuration document (a file); default: as the pipeline finds it")
	ps := params{}
	fs.Var(ps, "param", "a parameter of the runbook, NAME=VALUE (repeat it for more, or for a StringList); the ones the runbook locks are not parameters")
	return leaf(&cobra.Command{
		Use:   "run [flags] RUNBOOK ENV",
		Short: "start one of the service's runbooks in an environment and follow it to its end",
		Long: `Starts an SSM Automation runbook of the service in an environment, with
the environment's profile (which may only start the service's runbooks:
the runbook does the work with its own role), and prints each step as it
changes until the execution ends. Exit 0 when it succeeded, 1 when it
failed, was cancelled, timed out or was refused (a freeze window, say), 3
when AWS did not answer. Interrupting the command leaves the execution
running.`,
		Args: argsBetween(2, 2, "a runbook and an environment"),
	}, fs, func(stdout, stderr io.Writer) int {
		cfg, err := loadConfig(*config, "")
		if err != nil {
			return docError(stderr, err)
		}
		document := fs.Arg(0)
		if strings.TrimSpace(document) == "" {
			fmt.Fprintln(stderr, "handsoff run: name the runbook (handsoff runbooks lists them)")
			return exitMisuse
		}
		e, ok := findEnvironment(cfg, fs.Arg(1))
		if !ok {
			fmt.Fprintf(stderr, "handsoff run: %s\n", unknownEnv(cfg, fs.Arg(1), false))
			return exitMisuse
		}
		ctx := context.Background()
		profile := profileName(cfg.Service.Name, e.Name)
		client, c := ssmClient(ctx, stderr, "handsoff run", profile, e.Region)
		if c != exitOK {
			return c
		}
		argv := []string{"aws", "ssm", "start-automation-execution", "--document-name", document}
		var names []string
		for k := range ps {
			names = append(names, k)
		}
		sort.Strings(names)
		for _, k := range names {
			argv = append(argv, "--parameters", k+"="+strings.Join(ps[k], ","))
		}
		argv = append(argv, "--profile", profile, "--region", e.Region)
		fmt.Fprintf(stderr, "$ %s\n", strings.Join(quoteArgs(argv), " "))
		start, err := client.StartAutomationExecution(ctx, &ssm.StartAutomationExecutionInput{DocumentName: aws.String(document), Parameters: ps})
		if err != nil {
			fmt.Fprintf(stderr, "handsoff run: %s: %s\n", document, explainAWS(err))
			return awsExit(err)
		}
		id := aws.ToString(start.AutomationExecutionId)
		fmt.Fprintf(stdout, "started %s in %s: execution %s\n", document, e.Name, id)
		return follow(ctx, client, id, stdout, stderr)
	})
}

// follow prints each step of an execution as its status changes, until
// the execution ends.
func follow(ctx context.Context, c *ssm.Client, id string, stdout, stderr io.Writer) int {
	seen := map[string]ssmtypes.AutomationExecutionStatus{}
	for {
		out, err := c.GetAutomationExecution(ctx, &ssm.GetAutomationExecutionInput{AutomationExecutionId: aws.String(id)})
		if err != nil {
			fmt.Fprintf(stderr, "handsoff run: %s: %s (the execution may still be running)\n", id, explainAWS(err))
			return awsExit(err)
		}
		x := out.AutomationExecution
		if x == nil {
			fmt.Fprintf(stderr, "handsoff run: %s: AWS answered without the execution (the execution may still be running)\n", id)
			return exitUnreachable
		}
		for _, s := range x.StepExecutions {
			name := aws.ToString(s.StepName)
			if seen[name] == s.StepStatus {
				continue
			}
			seen[name] = s.StepStatus
			line := fmt.Sprintf("  %-32s %s", name, s.StepStatus)
			if msg := aws.ToString(s.FailureMessage); msg != "" {
				line += ": " + msg
			}
			fmt.Fprintln(stdout, line)
		}
		switch st := x.AutomationExecutionStatus; {
		case st == ssmtypes.AutomationExecutionStatusSuccess || st == ssmtypes.AutomationExecutionStatusCompletedWithSuccess:
			fmt.Fprintf(stdout, "%s: %s\n", id, st)
			return exitOK
		case !running[st]:
			// Every other status ends the execution without success, one
			// this version does not know included: it does not wait forever.
			line := fmt.Sprintf("%s: %s", id, st)
			if msg := aws.ToString(x.FailureMessage); msg != "" {
				line += ": " + msg
			}
			fmt.Fprintln(stdout, line)
			return exitFailed
		}
		time.Sleep(pollEvery)
	}
}

// running are the statuses of an execution that has not ended
// (https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_AutomationExecution.html).
var running = map[ssmtypes.AutomationExecutionStatus]bool{
	ssmtypes.AutomationExecutionStatusPending: true, ssmtypes.AutomationExecutionStatusInprogress: true,
	ssmtypes.AutomationExecutionStatusWaiting: true, ssmtypes.AutomationExecutionStatusCancelling: true,
	ssmtypes.AutomationExecutionStatusPendingApproval: true, ssmtypes.AutomationExecutionStatusApproved: true,
	ssmtypes.AutomationExecutionStatusScheduled: true, ssmtypes.AutomationExecutionStatusRunbookInprogress: true,
	ssmtypes.AutomationExecutionStatusPendingChangeCalendarOverride: true, ssmtypes.AutomationExecutionStatusChangeCalendarOverrideApproved: true,
}

// awsExit is the exit status of an AWS error, by the table: a request AWS
// understood and answered no to (a document that does not exist, a
// parameter it does not take) is exitFailed; one it refused for who we are
// (access denied, expired or unknown credentials), one it throttled, and
// one it did not answer are exitUnreachable.
func awsExit(err error) int {
	var api smithy.APIError
	if !errors.As(err, &api) || api.ErrorFault() != smithy.FaultClient {
		return exitUnreachable
	}
	code := api.ErrorCode()
	for _, refused := range []string{"AccessDenied", "UnauthorizedOperation", "UnrecognizedClient", "ExpiredToken", "InvalidClientTokenId", "Throttl", "TooManyRequests", "RequestLimitExceeded"} {
		if strings.Contains(code, refused) {
			return exitUnreachable
		}
	}
	return exitFailed
}
