package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/spf13/cobra"

	"github.com/handsoff-cdk/handsoff/checks"
	"github.com/handsoff-cdk/handsoff/internal/names"
	"github.com/handsoff-cdk/handsoff/stages"
)

// minReason is the shortest --reason: a sentence, not "x" (the
// configuration service holds the same rule).
const minReason = 12

// NowEnv overrides the clock of the freeze calendar (RFC 3339), for tests
// and for asking "would this be refused at that time?".
const NowEnv = "HANDSOFF_NOW"

// deployCmd is "handsoff diff ENV" and "handsoff deploy ENV": cdk diff or
// cdk deploy of one environment's stacks, with its profile. A deploy by
// hand to prod, or to a stage inside a freeze window or blackout, is
// refused unless forced with --reason, which the configuration service
// records in its audit log before anything is deployed.
func deployCmd(verb string) *cobra.Command {
	fs := flag.NewFlagSet("handsoff "+verb, flag.ContinueOnError)
	config := fs.String("config", "", "the configuration document (a file); default: as the pipeline finds it")
	app := fs.String("app", "", "the app's main package, run as cdk --app \"go run PKG\"; default: cdk.json's app")
	var reason, base string
	var unrecorded bool
	long := `Runs cdk ` + verb + ` for the stacks of one environment (SERVICE-ENV/*) with the
environment's AWS CLI profile (handsoff profiles writes them), printing the
command first. Without credentials for that profile it stops before cdk
runs and says how to sign in.`
	short := "cdk diff of one environment's stacks, with its profile"
	if verb == "deploy" {
		fs.StringVar(&reason, "reason", "", "why this deploy cannot wait for the pipeline: forces a deploy to prod or into a freeze, and is recorded")
		fs.StringVar(&base, "url", "", "the configuration service that records a forced deploy; default: $HANDSOFF_CONFIG")
		fs.BoolVar(&unrecorded, "unrecorded", false, "with --reason and no configuration service: force the deploy anyway, with no record but CloudFormation's stack events")
		short = "cdk deploy of one environment's stacks (refuses prod and freezes)"
		long += `

Deploying by hand bypasses the pipeline's gates. To prod, or to any stage
inside a freeze window or blackout of the document's calendar (the one the
pipeline obeys), it is refused unless forced with --reason "...", which is
recorded in the configuration service's audit log first (the deploy does
not start when recording fails). Without a configuration service there is
nowhere to record it, and a forced deploy is refused too, unless
--unrecorded says that it may go unrecorded: then the only record is the
stack events of CloudFormation in the environment's account (who, when,
not why).`
	}
	return leaf(&cobra.Command{
		Use:               verb + " [flags] ENV",
		Short:             short,
		Long:              long,
		Args:              argsBetween(1, 1, "one environment"),
		ValidArgsFunction: completeEnvironments,
	}, fs, func(stdout, stderr io.Writer) int {
		cfg, err := loadConfig(*config, "")
		if err != nil {
			return docError(stderr, err)
		}
		env, ok := findEnvironment(cfg, fs.Arg(0))
		if !ok {
			fmt.Fprintf(stderr, "handsoff %s: %s\n", verb, unknownEnv(cfg, fs.Arg(0), false))
			return exitMisuse
		}
		if reason != "" && utf8.RuneCountInString(strings.TrimSpace(reason)) < minReason {
			fmt.Fprintf(stderr, "handsoff %s: --reason %q is too short: say in a sentence (at least %d characters) why this cannot wait for the pipeline\n", verb, reason, minReason)
			return exitMisuse
		}
		now := clock()
		whatIf, ok := nowOverride(stderr, verb)
		if !ok {
			return exitMisuse
		} else if !whatIf.IsZero() {
			now = whatIf
		}
		var refusals []string
		recordAt := ""
		if verb == "deploy" {
			if env.Stage == stages.Prod {
				refusals = append(refusals, fmt.Sprintf("%s is in prod, which changes only through the pipeline's gates", env.Name))
			}
			for _, b := range checks.NewCalendar(cfg).Blocked(env.Stage, now) {
				refusals = append(refusals, fmt.Sprintf("%s: %s applies to %s", env.Name, b, env.Stage))
			}
			if !whatIf.IsZero() {
				// HANDSOFF_NOW asks what would happen then; it never
				// deploys, so that no clock setting can walk past a freeze.
				if len(refusals) == 0 {
					fmt.Fprintf(stdout, "at %s, deploy %s would not be refused; %s is set, so nothing was deployed\n", now.Format(time.RFC3339), env.Name, NowEnv)
					return exitOK
				}
				fmt.Fprintf(stdout, "at %s, deploy %s would be refused:\n  - %s\n%s is set, so nothing was deployed\n", now.Format(time.RFC3339), env.Name, strings.Join(refusals, "\n  - "), NowEnv)
				return exitFailed
			}
			if len(refusals) > 0 && reason == "" {
				fmt.Fprintf(stderr, "handsoff deploy: refused, nothing was deployed:\n  - %s\n", strings.Join(refusals, "\n  - "))
				fmt.Fprintf(stderr, "  let the pipeline deploy it, or force it with --reason \"why it cannot wait\" (recorded in the configuration service's audit log)\n")
				return exitFailed
			}
			if len(refusals) > 0 {
				if recordAt = serviceBase(base, "."); recordAt == "" && !unrecorded {
					fmt.Fprintf(stderr, "handsoff deploy: refused, nothing was deployed: a forced deploy is recorded in the configuration service's audit log, and no service is configured (%s is not a URL and there is no --url)\n", stages.ConfigEnv)
					fmt.Fprintf(stderr, "  set %s or --url to the service, or pass --unrecorded to force it with no record but CloudFormation's stack events in %s (%s)\n", stages.ConfigEnv, env.Account, env.Region)
					return exitFailed
				}
			}
		}
		profile := profileName(cfg.Service.Name, env.Name)
		if err := credentials(profile); err != nil {
			fmt.Fprintf(stderr, "handsoff %s: no AWS credentials for %s (profile %s): %v\n", verb, env.Name, profile, err)
			fmt.Fprintf(stderr, "  sign in first: aws sso login --profile %s   (handsoff profiles writes the profiles)\n", profile)
			return exitUnreachable
		}
		cdk, err := cdkCommand()
		if err != nil {
			fmt.Fprintf(stderr, "handsoff %s: %v\n", verb, err)
			return exitFailed
		}
		if *app == "" {
			if _, err := os.Stat("cdk.json"); err != nil {
				fmt.Fprintf(stderr, "handsoff %s: no cdk.json here to say what the app is: run in the app's directory, or pass --app PKG\n", verb)
				return exitMisuse
			}
		}
		if len(refusals) > 0 {
			if recordAt == "" {
				fmt.Fprintf(stderr, "handsoff deploy: forced past %d refusal(s) with --unrecorded: the only record is CloudFormation's stack events in %s (%s)\n", len(refusals), env.Account, env.Region)
			} else if code := recordForced(stderr, cfg, env, recordAt, reason, refusals); code != exitOK {
				return code
			}
		}
		argv := []string{verb, names.Stage(cfg.Service.Name, env.Name) + "/*", "--profile", profile}
		if *app != "" {
			argv = append(argv, "--app", "go run "+*app)
		}
		fmt.Fprintf(stderr, "$ %s %s\n", cdk.display, strings.Join(quoteArgs(argv), " "))
		if code := runTool(stdout, stderr, cdk.path, "the AWS CDK CLI (npm install aws-cdk)", argv...); code != exitOK {
			return exitFailed
		}
		return exitOK
	})
}

// clock is the time deploy judges freezes by; tests set it (HANDSOFF_NOW
// only asks, and never deploys).
var clock = time.Now

// credentials checks that a profile yields AWS credentials, without
// calling AWS beyond what the profile itself needs (an SSO profile reads
// its cached sign-in). Tests replace it.
var credentials = func(profile string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	_, err := signIn(ctx, profile, "")
	return err
}

// signIn loads a profile's configuration, in region (the profile's own
// when ""), and retrieves its credentials once, into the configuration's
// cache: the check that the developer is signed in and the calls after it
// share them (an SSO profile would otherwise fetch its role's credentials
// twice).
func signIn(ctx context.Context, profile, region string) (aws.Config, error) {
	opts := []func(*awsconfig.LoadOptions) error{awsconfig.WithSharedConfigProfile(profile)}
	if region != "" {
		opts = append(opts, awsconfig.WithRegion(region))
	}
	cfg, err := awsconfig.LoadDefaultConfig(ctx, opts...)
	if err == nil {
		_, err = cfg.Credentials.Retrieve(ctx)
	}
	return cfg, err
}

// awsFor is signIn for a command: without credentials it says so, with the
// sign-in command, and the status is exitUnreachable. whose names whose
// account it is, or is "".
func awsFor(ctx context.Context, stderr io.Writer, cmd, whose, profile, region string) (aws.Config, int) {
	cfg, err := signIn(ctx, profile, region)
	if err != nil {
		if whose != "" {
			whose = " for " + whose
		}
		fmt.Fprintf(stderr, "%s: no AWS credentials%s (profile %s): %v\n", cmd, whose, profile, err)
		fmt.Fprintf(stderr, "  sign in first: aws sso login --profile %s   (handsoff profiles writes the profiles)\n", profile)
		return cfg, exitUnreachable
	}
	return cfg, exitOK
}

// recordForced records a forced deploy with the configuration service
// at base; it must succeed before the deploy starts.
func recordForced(stderr io.Writer, cfg *stages.Config, env stages.Environment, base, reason string, refusals []string) int {
	path := "/v1/services/" + cfg.Service.Repo + "/deployments"
	body := map[string]any{"environment": env.Name, "reason": reason, "command": "handsoff deploy " + env.Name, "refusals": refusals}
	// The record is the service's answer: 201 Created with the
	// deployment it recorded. Any other answer, a 200 from something that
	// is not the service included, is no record.
	var echo struct{ Environment, Reason string }
	err := callServiceWant(stderr, "POST", base, path, body, &echo, http.StatusCreated)
	if err == nil && (echo.Environment != env.Name || echo.Reason != reason) {
		err = fmt.Errorf("the answer is not the record of this deploy (environment %q, reason %q): is %s the configuration service?", echo.Environment, echo.Reason, stages.RedactURL(base))
	}
	if err != nil {
		fmt.Fprintf(stderr, "handsoff deploy: the forced deploy could not be recorded, so it does not start: %v\n", err)
		return exitFor(err)
	}
	fmt.Fprintf(stderr, "recorded: a forced deploy of %s (%s)\n", env.Name, strings.Join(refusals, "; "))
	return exitOK
}

type tool struct {
	path    string // what runs
	display string // how the printed command names it
}

// cdkCommand finds the AWS CDK CLI: the module's node_modules/.bin/cdk
// (package.json installs it), else cdk on PATH.
func cdkCommand() (tool, error) {
	for dir := "."; ; {
		abs, _ := filepath.Abs(dir)
		bin := filepath.Join(abs, "node_modules", ".bin", "cdk")
		if st, err := os.Stat(bin); err == nil && !st.IsDir() {
			display := bin
			if wd, err := os.Getwd(); err == nil {
				if rel, err := filepath.Rel(wd, bin); err == nil {
					display = rel
				}
			}
			return tool{path: bin, display: display}, nil
		}
		if _, err := os.Stat(filepath.Join(abs, "go.mod")); err == nil || filepath.Dir(abs) == abs {
			break
		}
		dir = filepath.Join(dir, "..")
	}
	if p, err := exec.LookPath("cdk"); err == nil {
		return tool{path: p, display: "cdk"}, nil
	}
	return tool{}, fmt.Errorf("the AWS CDK CLI is not installed (no node_modules/.bin/cdk in the module, no cdk on PATH): npm install aws-cdk, or add it to package.json")
}

// quoteArgs quotes what a shell would split or expand, for printing.
func quoteArgs(args []string) []string {
	out := make([]string, len(args))
	for i, a := range args {
		if strings.ContainsAny(a, " *?'\"$") {
			a = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
		}
		out[i] = a
	}
	return out
}
