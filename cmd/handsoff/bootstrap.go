package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/handsoff-cdk/handsoff/checks"
	"github.com/handsoff-cdk/handsoff/stages"

	"github.com/spf13/cobra"
)

// templateFile is a service's bootstrap template's file name under --out.
func templateFile(service string) string {
	return checks.BootstrapStackName(service) + ".template.json"
}

var reAccount = regexp.MustCompile(`^[0-9]{12}$`)

// bootstrap prints the one-time setup for a document's accounts and regions:
//
//   - cdk bootstrap of the pipeline account in its region and in every
//     region it deploys to (CDK Pipelines keeps a replication bucket there);
//   - cdk bootstrap of every environment's account and region, trusting the
//     pipeline account (--trust), as CDK Pipelines requires;
//   - the service's handsoff bootstrap stack in every environment's
//     account and region: the gate role the pipeline's validation actions,
//     bake watcher and validation stopper use, and no other service's.
//     CodePipeline refuses a pipeline whose roles do not exist yet, so
//     this comes before the pipeline's first deploy.
func bootstrapCmd() *cobra.Command {
	fs := flag.NewFlagSet("handsoff bootstrap", flag.ContinueOnError)
	config := fs.String("config", "", "the configuration document (a file); default: as the pipeline finds it (HANDSOFF_CONFIG, handsoff.lock.json, handsoff.json)")
	repo := fs.String("repo", "", "the repository as owner/name; default: the document's")
	out := fs.String("out", "cdk.out", "where to write the bootstrap template (handsoff-{service}-bootstrap.template.json)")
	trust := fs.String("trust", "", "more pipeline accounts for the service's gate roles to trust, comma-separated")
	execute := fs.Bool("execute", false, "run the commands (with the AWS and CDK CLIs and the profiles of handsoff profiles); default: print them (a dry run)")
	prod := fs.Bool("prod", false, "with --execute, also run the commands of accounts and regions that hold prod environments; default: those stay a dry run")
	all := fs.Bool("all", false, "every account and region of the document (the default without ENV)")
	return leaf(&cobra.Command{
		Use:   "bootstrap [flags] [ENV|--all]",
		Short: "the one-time setup of every account and region a pipeline deploys to",
		Long: `Prints the one-time setup that every account and region of a pipeline needs
before the pipeline is first deployed: cdk bootstrap with --trust for the
pipeline account, and the service's handsoff bootstrap stack (its gate
role). With ENV, only that environment's account and region (and the
pipeline account's bootstrap in its region). Run it again whenever the
document adds an account or region. Each command names the AWS CLI profile of
handsoff profiles. --execute runs them, except in accounts and regions that
hold a prod environment, which stay a dry run unless --prod is given too.`,
		Args:              argsBetween(0, 1, "at most one environment"),
		ValidArgsFunction: completeEnvironments,
	}, fs, func(stdout, stderr io.Writer) int {
		if *all && fs.NArg() > 0 {
			fmt.Fprintln(stderr, "handsoff bootstrap: name an environment or --all, not both")
			return exitMisuse
		}
		cfg, err := loadConfig(*config, *repo)
		if err != nil {
			return docError(stderr, err)
		}
		only := ""
		if fs.NArg() == 1 {
			only = fs.Arg(0)
			if _, ok := findEnvironment(cfg, only); !ok {
				fmt.Fprintf(stderr, "handsoff bootstrap: %s\n", unknownEnv(cfg, only, false))
				return exitMisuse
			}
		}
		trusted := []string{cfg.Pipeline.Account}
		for _, a := range strings.Split(*trust, ",") {
			if a = strings.TrimSpace(a); a == "" {
				continue
			}
			if !reAccount.MatchString(a) {
				fmt.Fprintf(stderr, "handsoff bootstrap: --trust: %q is not a 12-digit account\n", a)
				return exitMisuse
			}
			if !slices.Contains(trusted, a) {
				trusted = append(trusted, a)
			}
		}
		tmpl, _ := json.MarshalIndent(checks.BootstrapTemplate(cfg.Service.Name), "", " ")
		if err := os.MkdirAll(*out, 0o755); err != nil {
			fmt.Fprintln(stderr, "handsoff bootstrap:", err)
			return exitFailed
		}
		file := filepath.Join(*out, templateFile(cfg.Service.Name))
		if err := os.WriteFile(file, append(tmpl, '\n'), 0o644); err != nil {
			fmt.Fprintln(stderr, "handsoff bootstrap:", err)
			return exitFailed
		}
		cmds := Commands(cfg, trusted, file, only)
		fmt.Fprintf(stdout, "# handsoff bootstrap for %s: pipeline account %s (%s); wrote %s\n", cfg.Service.Repo, cfg.Pipeline.Account, cfg.Pipeline.Region, file)
		if st := TopicPolicyStatement(cfg); st != "" && only == "" {
			fmt.Fprintf(stdout, "\n# the notification topic %s is the platform's: add this statement to its access policy (CodeStar Notifications publishes\n"+
				"# only through it; without it the pipeline's failure and approval notifications are dropped). If the topic is encrypted\n"+
				"# with a KMS key, its key policy must also let codestar-notifications.amazonaws.com and the pipeline's rollback rule role\n"+
				"# use it (kms:GenerateDataKey*, kms:Decrypt). https://docs.aws.amazon.com/dtconsole/latest/userguide/set-up-sns.html\n# %s\n",
				cfg.Pipeline.NotificationTopicArn, st)
		}
		for _, c := range cmds {
			fmt.Fprintf(stdout, "\n# %s\n%s\n", c.Why, c.Shell())
			if *execute && c.Prod && !*prod {
				fmt.Fprintf(stdout, "# not run: this account and region hold a prod environment; add --prod to run it\n")
				continue
			}
			if *execute {
				name := c.Args[0]
				if name == "cdk" { // the project's CDK CLI, as deploy finds it
					cdk, err := cdkCommand()
					if err != nil {
						fmt.Fprintf(stderr, "handsoff bootstrap: %v\n", err)
						return exitFailed
					}
					name = cdk.path
				}
				cmd := exec.Command(name, c.Args[1:]...)
				cmd.Stdout, cmd.Stderr = stdout, stderr
				if err := cmd.Run(); err != nil {
					fmt.Fprintf(stderr, "handsoff bootstrap: %s: %v\n", strings.Join(c.Args, " "), err)
					return exitFailed
				}
			}
		}
		return exitOK
	})
}

// Command is one step of the setup.
type Command struct {
	Why  string
	Args []string
	Prod bool // the account and region hold a prod environment
}

// Shell is the command as a person runs it.
func (c Command) Shell() string { return strings.Join(c.Args, " ") }

// Commands are the setup steps for cfg, in order: of every account and
// region, or of one environment's (only).
func Commands(cfg *stages.Config, trusted []string, template, only string) []Command {
	type place struct{ account, region string }
	var envs []place
	seen := map[place]bool{}
	profile := map[place]string{}
	prod := map[place]bool{}
	pipelineRegions := []string{}
	if only == "" {
		pipelineRegions = append(pipelineRegions, cfg.Pipeline.Region)
	}
	for _, e := range cfg.Environments() {
		p := place{e.Account, e.Region}
		prod[p] = prod[p] || e.Stage == stages.Prod
		if only != "" && e.Name != only {
			continue
		}
		if !seen[p] {
			seen[p] = true
			envs = append(envs, p)
			profile[p] = profileName(cfg.Service.Name, e.Name)
		}
		if !slices.Contains(pipelineRegions, e.Region) {
			pipelineRegions = append(pipelineRegions, e.Region)
		}
	}
	var out []Command
	for _, r := range pipelineRegions {
		out = append(out, Command{
			Why:  fmt.Sprintf("in the pipeline account %s: CDK Pipelines deploys there (and keeps a replication bucket in every region it deploys to)", cfg.Pipeline.Account),
			Args: []string{"cdk", "bootstrap", fmt.Sprintf("aws://%s/%s", cfg.Pipeline.Account, r), "--profile", profileName(cfg.Service.Name, "pipeline")},
			// The pipeline's account and region may hold prod too: what
			// runs there is a prod command, whichever profile runs it.
			Prod: prod[place{cfg.Pipeline.Account, r}],
		})
	}
	trust := strings.Join(trusted, ",")
	for _, p := range envs {
		args := []string{"cdk", "bootstrap", fmt.Sprintf("aws://%s/%s", p.account, p.region)}
		for _, a := range trusted {
			if a != p.account {
				args = append(args, "--trust", a)
			}
		}
		args = append(args, "--cloudformation-execution-policies", fmt.Sprintf("arn:%s:iam::aws:policy/AdministratorAccess", stages.Partition(p.region)), "--profile", profile[p])
		out = append(out, Command{
			Why:  fmt.Sprintf("in %s: the CDK's deploy roles, trusting the pipeline account", p.account),
			Args: args, Prod: prod[p],
		}, Command{
			Why: fmt.Sprintf("in %s: the service's handsoff gate role (%s), which must exist before the pipeline; it trusts exactly these accounts", p.account, checks.GateRoleName(cfg.Service.Name, p.region)),
			Args: []string{"aws", "cloudformation", "deploy", "--region", p.region, "--stack-name", checks.BootstrapStackName(cfg.Service.Name),
				"--template-file", template, "--capabilities", "CAPABILITY_NAMED_IAM", "--parameter-overrides", checks.ParamTrustedAccounts + "=" + trust, "--profile", profile[p]},
			Prod: prod[p],
		})
	}
	return out
}

// loadConfig reads the document from a file, or as the pipeline would.
func loadConfig(path, repo string) (*stages.Config, error) {
	if path != "" {
		data, err := stages.ReadFile(path)
		if err != nil {
			return nil, configFlagError{fmt.Errorf("handsoff: --config: %w", err)}
		}
		cfg, err := stages.Parse(data, path)
		if err != nil {
			return nil, err
		}
		if repo != "" && cfg.Service.Repo != repo {
			return nil, fmt.Errorf("handsoff bootstrap: %s describes %s, not --repo %s", path, cfg.Service.Repo, repo)
		}
		return cfg, nil
	}
	if repo == "" {
		if repo = defaultRepo(); repo == "" {
			return nil, errNoDocument
		}
	}
	// Reading is not pinning: only handsoff config pull writes the lock
	// file (a completion or a diff must change nothing).
	cfg, err := stages.Load(stages.LoadOptions{Repo: repo, NoPin: true})
	if err == nil && usesExample(cfg) {
		return nil, errNoDocument
	}
	return cfg, err
}

// TopicPolicyStatement is the statement the document's notification topic
// needs in its access policy for the pipeline's CodeStar notification rule
// to publish: "" without a topic.
func TopicPolicyStatement(cfg *stages.Config) string {
	if cfg.Pipeline.NotificationTopicArn == "" {
		return ""
	}
	st, _ := json.Marshal(map[string]any{
		"Sid": "HandsoffPipelineNotifications", "Effect": "Allow",
		"Principal": map[string]any{"Service": "codestar-notifications.amazonaws.com"},
		"Action":    "sns:Publish", "Resource": cfg.Pipeline.NotificationTopicArn,
		"Condition": map[string]any{"StringEquals": map[string]any{"aws:SourceAccount": cfg.Pipeline.Account}},
	})
	return string(st)
}
