package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var ssoFlags = []string{"--sso-start-url", "https://acme.awsapps.com/start", "--sso-region", "us-east-1", "--role", "Developer"}

// TestProfiles writes the profiles into a config file that has a profile
// of its own, writes them again (replaced, not added), and refuses a file
// that already defines one of the names.
func TestProfiles(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "config")
	mine := "[default]\nregion = eu-west-1\n\n[profile mine]\nregion = us-west-2\n"
	os.WriteFile(file, []byte(mine), 0o600)
	args := append([]string{"profiles", "--file", file}, ssoFlags...)
	out, errs, code := runCLI(t, args...)
	if code != 0 || errs != "" || !strings.HasPrefix(out, "wrote 10 profiles in "+file) {
		t.Fatalf("exit %d: %s%s", code, out, errs)
	}
	first, _ := os.ReadFile(file)
	golden(t, "profiles.golden", string(first), code)
	if !strings.HasPrefix(string(first), mine+"\n# >>> handsoff acme/orders") {
		t.Errorf("the file's own profiles are not kept in front:\n%s", first)
	}
	if st, _ := os.Stat(file); st.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600", st.Mode().Perm())
	}
	// Again, with a profile added after the block: replaced in place.
	os.WriteFile(file, append(first, []byte("\n[profile later]\nregion = us-east-2\n")...), 0o600)
	out, _, code = runCLI(t, args...)
	again, _ := os.ReadFile(file)
	if code != 0 || !strings.HasPrefix(out, "replaced 10 profiles") || strings.Count(string(again), "[profile orders-alpha]") != 1 || !strings.HasSuffix(string(again), "[profile later]\nregion = us-east-2\n") {
		t.Errorf("exit %d %s; second write:\n%s", code, out, again)
	}

	clash := filepath.Join(dir, "clash")
	os.WriteFile(clash, []byte("[profile orders-beta]\nregion = us-east-1\n[sso-session orders]\nsso_region = us-east-1\n"), 0o600)
	_, errs, code = runCLI(t, append([]string{"profiles", "--file", clash}, ssoFlags...)...)
	if code != 1 || !strings.Contains(errs, "already defines [profile orders-beta], [sso-session orders] outside handsoff's block") {
		t.Errorf("exit %d: %s", code, errs)
	}
	if b, _ := os.ReadFile(clash); !strings.HasPrefix(string(b), "[profile orders-beta]") || strings.Contains(string(b), "handsoff") {
		t.Errorf("a refused write changed the file:\n%s", b)
	}
	broken := filepath.Join(dir, "broken")
	os.WriteFile(broken, []byte("# >>> handsoff acme/orders (written by handsoff profiles; edits inside are replaced) >>>\n[profile x]\n"), 0o600)
	if _, errs, code := runCLI(t, append([]string{"profiles", "--file", broken}, ssoFlags...)...); code != 1 || !strings.Contains(errs, "has no closing") {
		t.Errorf("exit %d: %s", code, errs)
	}

	// From the document's access section, no flags.
	doc := filepath.Join(dir, "doc.json")
	os.WriteFile(doc, []byte(strings.Replace(string(exampleDoc(t)), `"apiVersion": "handsoff/v1",`,
		`"apiVersion": "handsoff/v1", "access": {"sso": {"startUrl": "https://acme.awsapps.com/start", "region": "eu-west-1", "roleName": "ReadOnly"}},`, 1)), 0o644)
	out, errs, code = runCLI(t, "profiles", "--config", doc, "--dry-run")
	if code != 0 || !strings.Contains(out, "sso_region = eu-west-1\n") || !strings.Contains(out, "sso_role_name = ReadOnly\n") {
		t.Errorf("exit %d: %s%s", code, out, errs)
	}
	out, _, _ = runCLI(t, "profiles", "--config", doc, "--dry-run", "--role", "Admin")
	if !strings.Contains(out, "sso_role_name = Admin\n") {
		t.Errorf("a flag does not win over the document:\n%s", out)
	}
}

func TestProfilesMistakes(t *testing.T) {
	checkCases(t, []cliCase{
		{"nothing given", []string{"profiles", "--dry-run"}, 2, "--sso-start-url (or the document's access.sso.startUrl): is required"},
		{"bad region", []string{"profiles", "--dry-run", "--sso-start-url", "https://a.awsapps.com/start", "--sso-region", "eu-west-9", "--role", "Dev"}, 2, `--sso-region (or access.sso.region): "eu-west-9" is not an AWS region`},
		{"http start url", []string{"profiles", "--dry-run", "--sso-start-url", "http://a.awsapps.com/start", "--sso-region", "eu-west-1", "--role", "Dev"}, 2, "is not an https URL"},
		{"aws without --", []string{"aws", "alpha"}, 2, "name one environment, then -- and the AWS CLI's arguments"},
		{"aws unknown environment", []string{"aws", "prod", "--", "s3", "ls"}, 2, `"prod" is not an environment of acme/orders; environments: alpha, beta,`},
		{"aws help", []string{"aws", "--help"}, 0, "Runs the AWS CLI with the profile"},
	})
}

// TestAWS runs a fake AWS CLI that prints its arguments and exits 3: the
// profile and region come first, the status is the CLI's; without the CLI
// on PATH the message says how to install it.
func TestAWS(t *testing.T) {
	bin := fakeTools(t, map[string]string{"aws": `echo "aws $*"; exit 3`})
	out, errs, code := runCLI(t, "aws", "gamma-euw1", "--", "s3", "ls", "--recursive")
	if code != 3 || out != "aws --profile orders-gamma-euw1 --region eu-west-1 s3 ls --recursive\n" || errs != "$ aws --profile orders-gamma-euw1 --region eu-west-1 s3 ls --recursive\n" {
		t.Errorf("exit %d: %q %q", code, out, errs)
	}
	out, _, code = runCLI(t, "aws", "pipeline", "--", "sts", "get-caller-identity")
	if code != 3 || out != "aws --profile orders-pipeline --region us-east-1 sts get-caller-identity\n" {
		t.Errorf("exit %d: %q", code, out)
	}
	os.Remove(filepath.Join(bin, "aws"))
	t.Setenv("PATH", bin)
	if _, errs, code := runCLI(t, "aws", "alpha", "--", "s3", "ls"); code != 1 || !strings.Contains(errs, `aws is not installed (no "aws" on PATH): install the AWS CLI`) {
		t.Errorf("exit %d: %s", code, errs)
	}
}

// fakeTools puts shell scripts first on PATH and returns their directory.
func fakeTools(t *testing.T, scripts map[string]string) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "bin")
	os.MkdirAll(bin, 0o755)
	for name, body := range scripts {
		os.WriteFile(filepath.Join(bin, name), []byte("#!/bin/sh\n"+body+"\n"), 0o755)
	}
	t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	return bin
}

func exampleDoc(t *testing.T) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "stages", "example", "acme-orders.json"))
	if err != nil {
		t.Fatal(err)
	}
	return b
}
