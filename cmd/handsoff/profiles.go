package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/handsoff-cdk/handsoff/internal/atomicfile"
	"github.com/handsoff-cdk/handsoff/stages"

	"github.com/spf13/cobra"
)

// A profile of the AWS CLI for one environment (or the pipeline account).
type awsProfile struct {
	Name, Account, Region string
}

// profileName is the AWS CLI profile of an environment: the service's name
// and the environment's, as in "orders-prod-use1".
func profileName(service, env string) string { return service + "-" + env }

// profilesOf lists the pipeline's profile and one per environment.
func profilesOf(cfg *stages.Config) []awsProfile {
	out := []awsProfile{{profileName(cfg.Service.Name, "pipeline"), cfg.Pipeline.Account, cfg.Pipeline.Region}}
	for _, e := range cfg.Environments() {
		out = append(out, awsProfile{profileName(cfg.Service.Name, e.Name), e.Account, e.Region})
	}
	return out
}

// The block of ~/.aws/config that handsoff profiles owns, one per
// repository; everything outside it is left as it was.
func blockMarkers(repo string) (string, string) {
	return "# >>> handsoff " + repo + " (written by handsoff profiles; edits inside are replaced) >>>",
		"# <<< handsoff " + repo + " <<<"
}

var reSection = regexp.MustCompile(`(?m)^\s*\[\s*(profile\s+|sso-session\s+)?([^\]\s]+)\s*\]`)

// profilesCmd writes AWS CLI SSO profiles for every environment.
func profilesCmd() *cobra.Command {
	fs := flag.NewFlagSet("handsoff profiles", flag.ContinueOnError)
	config := fs.String("config", "", "the configuration document (a file); default: as the pipeline finds it")
	file := fs.String("file", "", "the AWS CLI config file to update; default: $AWS_CONFIG_FILE, else ~/.aws/config")
	startURL := fs.String("sso-start-url", "", "the IAM Identity Center start URL; default: the document's access.sso.startUrl")
	ssoRegion := fs.String("sso-region", "", "the Identity Center region; default: the document's access.sso.region")
	role := fs.String("role", "", "the permission set to use in every account; default: the document's access.sso.roleName")
	dryRun := fs.Bool("dry-run", false, "print the profiles instead of writing them")
	return leaf(&cobra.Command{
		Use:   "profiles [flags]",
		Short: "write AWS CLI SSO profiles for every environment",
		Long: `Writes AWS CLI profiles that sign in with IAM Identity Center (SSO), one per
environment of the document, named SERVICE-ENVIRONMENT (and SERVICE-pipeline
for the pipeline's account), into one marked block of the AWS CLI config
file; the rest of the file is kept. The start URL, region and permission
set come from the flags, else from the document's optional section:

  "access": {"sso": {"startUrl": "https://acme.awsapps.com/start", "region": "us-east-1", "roleName": "Developer"}}

Then: aws sso login --sso-session SERVICE, and handsoff aws ENV -- ARGS.`,
		Args: argsBetween(0, 0, "no arguments"),
	}, fs, func(stdout, stderr io.Writer) int {
		cfg, err := loadConfig(*config, "")
		if err != nil {
			return docError(stderr, err)
		}
		pick := func(flagValue, docValue string) string {
			if flagValue != "" {
				return flagValue
			}
			return docValue
		}
		sso := stages.Access{
			SSOStartURL: pick(*startURL, cfg.Access.SSOStartURL), SSORegion: pick(*ssoRegion, cfg.Access.SSORegion),
			SSORoleName: pick(*role, cfg.Access.SSORoleName),
		}
		// The same rules as the document's section, so that a flag cannot
		// write what the document would refuse.
		probe := *cfg.Document
		probe.Access = &stages.DocAccess{SSO: &stages.DocSSO{StartURL: sso.SSOStartURL, Region: sso.SSORegion, RoleName: sso.SSORoleName}}
		raw, _ := json.Marshal(&probe)
		if _, err := stages.Parse(raw, "the flags"); err != nil {
			var ve *stages.ValidationError
			if !errors.As(err, &ve) {
				fmt.Fprintln(stderr, "handsoff profiles:", err)
				return exitMisuse
			}
			flagOf := strings.NewReplacer("access.sso.startUrl", "--sso-start-url (or the document's access.sso.startUrl)",
				"access.sso.region", "--sso-region (or access.sso.region)", "access.sso.roleName", "--role (or access.sso.roleName)")
			fmt.Fprintln(stderr, "handsoff profiles: the sign-in is incomplete; nothing was written:")
			for _, p := range ve.Problems {
				fmt.Fprintf(stderr, "  - %s: %s\n", flagOf.Replace(p.Path), p.Message)
			}
			return exitMisuse
		}
		path := *file
		if path == "" {
			path = os.Getenv("AWS_CONFIG_FILE")
		}
		if path == "" {
			home, err := os.UserHomeDir()
			if err != nil {
				fmt.Fprintln(stderr, "handsoff profiles: no home directory; pass --file:", err)
				return exitMisuse
			}
			path = filepath.Join(home, ".aws", "config")
		}
		session := cfg.Service.Name
		profiles := profilesOf(cfg)
		begin, end := blockMarkers(cfg.Service.Repo)
		var b strings.Builder
		fmt.Fprintln(&b, begin)
		fmt.Fprintf(&b, "[sso-session %s]\nsso_start_url = %s\nsso_region = %s\nsso_registration_scopes = sso:account:access\n", session, sso.SSOStartURL, sso.SSORegion)
		for _, p := range profiles {
			fmt.Fprintf(&b, "\n[profile %s]\nsso_session = %s\nsso_account_id = %s\nsso_role_name = %s\nregion = %s\n", p.Name, session, p.Account, sso.SSORoleName, p.Region)
		}
		fmt.Fprintln(&b, end)
		block := b.String()
		if *dryRun {
			fmt.Fprint(stdout, block)
			return exitOK
		}
		old, err := os.ReadFile(path)
		if err != nil && !os.IsNotExist(err) {
			fmt.Fprintln(stderr, "handsoff profiles:", err)
			return exitFailed
		}
		before, after, replaced, err := splitBlock(string(old), begin, end)
		if err != nil {
			fmt.Fprintf(stderr, "handsoff profiles: %s: %v\n", path, err)
			return exitFailed
		}
		// A profile or session of the same name outside the block would be a
		// second definition, which the AWS CLI resolves silently: refuse.
		ours := map[string]bool{session: true}
		for _, p := range profiles {
			ours[p.Name] = true
		}
		var clashes []string
		for _, m := range reSection.FindAllStringSubmatch(before+after, -1) {
			if ours[m[2]] {
				clashes = append(clashes, strings.TrimSpace(m[0]))
			}
		}
		if len(clashes) > 0 {
			sort.Strings(clashes)
			fmt.Fprintf(stderr, "handsoff profiles: %s already defines %s outside handsoff's block: rename or remove them, then run again (nothing was written)\n", path, strings.Join(clashes, ", "))
			return exitFailed
		}
		text := before
		if text != "" && !strings.HasSuffix(text, "\n\n") {
			text = strings.TrimRight(text, "\n") + "\n\n"
		}
		text += block + after
		if err := writeAtomic(path, []byte(text)); err != nil {
			fmt.Fprintln(stderr, "handsoff profiles:", err)
			return exitFailed
		}
		verb := "wrote"
		if replaced {
			verb = "replaced"
		}
		fmt.Fprintf(stdout, "%s %d profiles in %s (sso-session %s, permission set %s)\n", verb, len(profiles), path, session, sso.SSORoleName)
		fmt.Fprintf(stdout, "next: aws sso login --sso-session %s\n", session)
		return exitOK
	})
}

// splitBlock cuts the handsoff block out of a config file.
func splitBlock(text, begin, end string) (before, after string, found bool, err error) {
	i := strings.Index(text, begin)
	if i < 0 {
		return text, "", false, nil
	}
	j := strings.Index(text[i:], end)
	if j < 0 {
		return "", "", false, fmt.Errorf("the line %q has no closing %q: repair the file by hand", begin, end)
	}
	rest := text[i+j+len(end):]
	rest = strings.TrimPrefix(rest, "\n")
	return text[:i], rest, true, nil
}

// writeAtomic replaces a file through a temporary one beside it, keeping
// the file owner-only (it names accounts and roles).
func writeAtomic(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	mode := os.FileMode(0o600)
	if st, err := os.Stat(path); err == nil {
		mode = st.Mode().Perm()
	}
	return atomicfile.Write(path, data, mode)
}

// awsCmd runs the AWS CLI with an environment's profile and region.
func awsCmd() *cobra.Command {
	var config string
	c := &cobra.Command{
		Use:   "aws [--config FILE] ENV -- ARGS...",
		Short: "run the AWS CLI with an environment's profile and region",
		Long: `Runs the AWS CLI with the profile that handsoff profiles wrote for ENV
(SERVICE-ENV; "pipeline" for the pipeline's account) and the environment's
region, printing the command first. Its exit status is the AWS CLI's, the
one exception to the table of "handsoff help".`,
		Args: func(cmd *cobra.Command, args []string) error {
			dash := cmd.ArgsLenAtDash()
			if dash != 1 || len(args) < 2 {
				return errors.New("name one environment, then -- and the AWS CLI's arguments: handsoff aws ENV -- s3 ls")
			}
			return nil
		},
		ValidArgsFunction: completeEnvironments,
		RunE: func(cmd *cobra.Command, args []string) error {
			stdout, stderr := cmd.OutOrStdout(), cmd.ErrOrStderr()
			cfg, err := loadConfig(config, "")
			if err != nil {
				return exitError(docError(stderr, err))
			}
			p, ok := findProfile(cfg, args[0])
			if !ok {
				fmt.Fprintf(stderr, "handsoff aws: %s\n", unknownEnv(cfg, args[0], true))
				return exitError(exitMisuse)
			}
			argv := append([]string{"--profile", p.Name, "--region", p.Region}, args[1:]...)
			fmt.Fprintf(stderr, "$ aws %s\n", strings.Join(argv, " "))
			if code := runTool(stdout, stderr, "aws", "the AWS CLI (https://docs.aws.amazon.com/cli/latest/userguide/getting-started-install.html)", argv...); code != 0 {
				return exitError(code)
			}
			return nil
		},
	}
	c.Flags().StringVar(&config, "config", "", "the configuration document (a file); default: as the pipeline finds it")
	return c
}

// findProfile finds the profile of an environment name or "pipeline".
func findProfile(cfg *stages.Config, env string) (awsProfile, bool) {
	for _, p := range profilesOf(cfg) {
		if p.Name == profileName(cfg.Service.Name, env) {
			return p, true
		}
	}
	return awsProfile{}, false
}

// selectEnvironments is every environment of cfg, or the one args names
// (at most one); an unknown name is a misuse, reported on stderr.
func selectEnvironments(stderr io.Writer, cmd string, cfg *stages.Config, args []string) ([]stages.Environment, int) {
	if len(args) == 0 {
		return cfg.Environments(), exitOK
	}
	e, ok := findEnvironment(cfg, args[0])
	if !ok {
		fmt.Fprintf(stderr, "%s: %s\n", cmd, unknownEnv(cfg, args[0], false))
		return nil, exitMisuse
	}
	return []stages.Environment{e}, exitOK
}

// findEnvironment finds an environment of the document by name.
func findEnvironment(cfg *stages.Config, name string) (stages.Environment, bool) {
	for _, e := range cfg.Environments() {
		if e.Name == name {
			return e, true
		}
	}
	return stages.Environment{}, false
}

// unknownEnv says which environments there are (and that "pipeline"
// names the pipeline's account, for the commands that take it).
func unknownEnv(cfg *stages.Config, env string, pipelineToo bool) string {
	var names []string
	for _, e := range cfg.Environments() {
		names = append(names, e.Name)
	}
	msg := fmt.Sprintf("%q is not an environment of %s; environments: %s", env, cfg.Service.Repo, strings.Join(names, ", "))
	if pipelineToo {
		msg += " (or pipeline)"
	}
	return msg
}

// runTool runs a program with the caller's terminal, returning its exit
// status; a missing program is status 1 with where to get it.
func runTool(stdout, stderr io.Writer, name, what string, args ...string) int {
	path, err := exec.LookPath(name)
	if err != nil {
		fmt.Fprintf(stderr, "handsoff: %s is not installed (no %q on PATH): install %s\n", name, name, what)
		return exitFailed
	}
	cmd := exec.Command(path, args...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, stdout, stderr
	if err := cmd.Run(); err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			return ee.ExitCode()
		}
		fmt.Fprintf(stderr, "handsoff: %s: %v\n", name, err)
		return exitFailed
	}
	return exitOK
}
