package stages

import (
	"fmt"
	"maps"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // time zones must load the same on every machine
	"unicode/utf8"
)

// APIVersion is the only document version this library reads.
const APIVersion = "handsoff/v1"

// Limits that keep a document inside what the AWS services accept. Each one
// names the service limit it protects.
const (
	// MaxBake is the longest bake. A bake holds every later change behind it;
	// the Amazon practice is at most 12 h after the first regional wave. The
	// bake is a Lambda invoke action, which CodePipeline times out after 24
	// hours counted from its first call
	// (https://docs.aws.amazon.com/codepipeline/latest/userguide/limits.html):
	// 23 hours leaves an hour for CodePipeline's gaps between the watcher's
	// calls (each continuation is a new invocation, queued by CodePipeline).
	MaxBake = 23 * time.Hour
	// MaxValidation is the longest a check may run, with its retries, and
	// the validation state machine's own timeout. CodePipeline's quotas give
	// actions other than the listed ones 1 hour
	// (https://docs.aws.amazon.com/codepipeline/latest/userguide/limits.html);
	// the StepFunctions action reference reads as if it were longer. 55
	// minutes holds under both readings, and keeps 5 for the state machine.
	MaxValidation = 55 * time.Minute
	// MaxNameLength keeps generated names (state machines: 80 characters,
	// CodePipeline stages and actions: 100) inside their limits.
	maxEnvNameLength     = 40
	maxServiceNameLength = 30
)

var (
	reAccount   = regexp.MustCompile(`^[0-9]{12}$`)
	reName      = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9-]*$`)
	reService   = regexp.MustCompile(`^[a-z][a-z0-9-]*$`)
	reCheckName = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_-]{0,39}$`)
	reHHMM      = regexp.MustCompile(`^([01][0-9]|2[0-3]):[0-5][0-9]$`)
	reTagKey    = regexp.MustCompile(`^[\p{L}\p{Z}\p{N}_.:/=+\-@]{1,128}$`)
	reTagValue  = regexp.MustCompile(`^[\p{L}\p{Z}\p{N}_.:/=+\-@]{0,256}$`)
	reBranch    = regexp.MustCompile(`^[A-Za-z0-9._/-]{1,255}$`)
	reConnArn   = regexp.MustCompile(`^arn:(aws|aws-cn|aws-us-gov):(codeconnections|codestar-connections):([a-z0-9-]+):([0-9]{12}):connection/[A-Za-z0-9-]+$`)
	reTopicArn  = regexp.MustCompile(`^arn:(aws|aws-cn|aws-us-gov):sns:([a-z0-9-]+):([0-9]{12}):[A-Za-z0-9_-]{1,256}(\.fifo)?$`)
	reLambdaArn = regexp.MustCompile(`^arn:(aws|aws-cn|aws-us-gov):lambda:([a-z0-9-]+):([0-9]{12}):function:[A-Za-z0-9_-]{1,64}(:[A-Za-z0-9_$-]+)?$`)
	rePlacehold = regexp.MustCompile(`\{[^{}]*\}`)
)

// reservedTags are set by handsoff on every resource; a document may not set
// them.
var reservedTags = []string{"service", "owner", "stage", "environment"}

// ReservedTags are the tags handsoff puts on every resource (a copy).
func ReservedTags() []string { return slices.Clone(reservedTags) }

// placeholders a check URL or function ARN may hold, resolved per environment.
var placeholders = []string{"{stage}", "{region}", "{account}", "{env}"}

// Placeholders are what check URLs and function ARNs may hold (a copy).
func Placeholders() []string { return slices.Clone(placeholders) }

var weekdays = map[string]time.Weekday{
	"SUN": time.Sunday, "MON": time.Monday, "TUE": time.Tuesday, "WED": time.Wednesday,
	"THU": time.Thursday, "FRI": time.Friday, "SAT": time.Saturday,
}

func quote(s string) string { return strconv.Quote(s) }

// alphanumerics keeps the letters and digits of a name.
func alphanumerics(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, s)
}

// Parse decodes and validates a document. source names it in messages. Every
// problem is reported at once in a *[ValidationError].
func Parse(data []byte, source string) (*Config, error) {
	return ParseWith(data, source, Capacity{})
}

// ParseWith is [Parse] with the capacity the pipeline needs per environment,
// which drives wave planning and the CodePipeline quota checks.
func ParseWith(data []byte, source string, capacity Capacity) (*Config, error) {
	var ps problems
	doc := decodeStrict(data, &ps)
	if doc == nil {
		// Not JSON, or too large: nothing more can be said.
		return nil, ps.err(source)
	}
	v := validator{ps: &ps, doc: doc}
	cfg := v.validate()
	if err := ps.err(source); err != nil {
		return nil, err
	}
	cfg.Origin = source
	cfg.Document = doc
	if err := cfg.plan(capacity); err != nil {
		var ve *ValidationError
		if asValidation(err, &ve) {
			ve.Source = source
		}
		return nil, err
	}
	return cfg, nil
}

type validator struct {
	ps  *problems
	doc *Document
	// envs maps an environment name, in lower case, to its first use.
	envs  map[string]envUse
	zones map[string]zone // read by location

	// stageNames are the stages the document lists.
	stageNames map[string]bool
}

func (v *validator) addf(path, format string, args ...any) {
	v.addc(CodeInvalid, path, format, args...)
}

func (v *validator) addc(code Code, path, format string, args ...any) {
	v.ps.addc(code, path, format, args...)
	if v.ps.dropped > 0 {
		// MaxProblems are listed and one more is found: the rest would
		// not be listed, so validating on would only cost, as much as a
		// hostile document of many small broken values makes it cost.
		panic(stopValidation{})
	}
}

// skip is problems.skip, and stops at a full report like addc.
func (v *validator) skip(path string) bool {
	skip := v.ps.skip(path)
	if v.ps.dropped > 0 {
		panic(stopValidation{})
	}
	return skip
}

// stopValidation unwinds the validator once its report is full.
type stopValidation struct{}

// validate runs the validator; it stops at a full report.
func (v *validator) validate() (cfg *Config) {
	defer func() {
		if r := recover(); r != nil {
			if _, ok := r.(stopValidation); !ok {
				panic(r)
			}
			v.ps.stopped, cfg = true, nil
		}
	}()
	return v.config()
}

func (v *validator) config() *Config {
	d := v.doc
	cfg := &Config{}
	if d.APIVersion != APIVersion {
		if d.APIVersion == "" {
			v.addc(CodeRequired, "apiVersion", "is required: set it to %q", APIVersion)
		} else {
			v.addc(CodeNotSupported, "apiVersion", "%q is not supported; this library reads %q", d.APIVersion, APIVersion)
		}
	}
	cfg.Service = v.service(d.Service)
	cfg.Pipeline = v.pipeline(d.Pipeline)
	v.stageNames = map[string]bool{}
	for _, s := range d.Stages {
		v.stageNames[s.Name] = true
	}
	cfg.Checks = v.checks(d.Checks)
	cfg.Stages = v.stages(d.Stages, cfg.Checks)
	cfg.FreezeWindows = v.freezeWindows(d.FreezeWindows)
	cfg.Blackouts = v.blackouts(d.Blackouts)
	cfg.Access = v.access(d.Access)
	cfg.Guardrails = v.guardrails(d.Guardrails)
	v.projects(cfg)
	return cfg
}

// projects refuses two environments in one account and region whose
// codebuild checks would name one CodeBuild project: a project is named
// {service}-{environment}-{check}, and the hyphens join ambiguously
// (gamma with load-test, gamma-load with test), regardless of case.
func (v *validator) projects(cfg *Config) {
	seen := map[string]string{}
	for _, e := range cfg.Environments() {
		for _, c := range e.Checks {
			if cfg.Checks[c].Type != CheckCodeBuild {
				continue
			}
			key := e.Account + "/" + e.Region + "/" + strings.ToLower(e.Name+"-"+c)
			if first, ok := seen[key]; ok && first != e.Name+"/"+c {
				v.addc(CodeDuplicate, e.Path+".name", "%q with the codebuild check %q names the CodeBuild project %s-%s-%s, as %s does in %s %s: rename the environment or the check",
					e.Name, c, cfg.Service.Name, e.Name, c, first, e.Account, e.Region)
				continue
			}
			seen[key] = e.Name + "/" + c
		}
	}
}

// Bounds of the guardrails section.
const (
	maxReasonPatterns      = 10
	maxReasonPatternLength = 200
)

func (v *validator) guardrails(g *DocGuardrails) Guardrails {
	if g == nil {
		return Guardrails{}
	}
	if len(g.ReasonPatterns) > maxReasonPatterns {
		v.addf("guardrails.reasonPatterns", "has %d patterns; at most %d", len(g.ReasonPatterns), maxReasonPatterns)
	}
	var out []string
	// Only the first maxReasonPatterns are read, and a pattern is compiled
	// only within its length: a short pattern can compile to a large
	// program (\pL{1000}), so their number must be bounded before any is.
	for i, p := range g.ReasonPatterns[:min(len(g.ReasonPatterns), maxReasonPatterns)] {
		path := fmt.Sprintf("guardrails.reasonPatterns[%d]", i)
		switch {
		case strings.TrimSpace(p) == "":
			v.addc(CodeRequired, path, "is empty: a Go regular expression that every suppression's reason must match, such as %q", `\b[A-Z]+-[0-9]+\b`)
		case len(p) > maxReasonPatternLength:
			v.addf(path, "is %d characters; at most %d", len(p), maxReasonPatternLength)
		default:
			if _, err := regexp.Compile(p); err != nil {
				v.addf(path, "is not a Go regular expression (RE2): %v", err)
			} else {
				out = append(out, p)
			}
		}
	}
	return Guardrails{ReasonPatterns: out}
}

// reRoleName is IAM's pattern for role (and permission set) names.
// https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateRole.html
var reRoleName = regexp.MustCompile(`^[\w+=,.@-]{1,64}$`)

func (v *validator) access(a *DocAccess) Access {
	if a == nil || a.SSO == nil {
		return Access{}
	}
	s := a.SSO
	if u, err := url.Parse(s.StartURL); s.StartURL == "" {
		v.addc(CodeRequired, "access.sso.startUrl", "is required: the IAM Identity Center start URL, such as \"https://acme.awsapps.com/start\"")
	} else if what := credentialsIn(s.StartURL); what != "" {
		v.addf("access.sso.startUrl", "%q holds credentials (%s), which the document must not: every developer and the lock file would see them; use the start URL alone, such as \"https://acme.awsapps.com/start\"", redact(s.StartURL), what)
	} else if err != nil || u.Scheme != "https" || u.Host == "" {
		v.addf("access.sso.startUrl", "%q is not an https URL, such as \"https://acme.awsapps.com/start\"", redact(s.StartURL))
	}
	if s.Region == "" {
		v.addc(CodeRequired, "access.sso.region", "is required: the region of the IAM Identity Center instance")
	} else {
		v.region("access.sso.region", s.Region)
	}
	if s.RoleName == "" {
		v.addc(CodeRequired, "access.sso.roleName", "is required: the permission set developers use in the accounts, such as \"Developer\"")
	} else if !reRoleName.MatchString(s.RoleName) {
		v.addf("access.sso.roleName", "%q is not a permission set name (1 to 64 of letters, digits and +=,.@_-)", s.RoleName)
	}
	return Access{SSOStartURL: s.StartURL, SSORegion: s.Region, SSORoleName: s.RoleName}
}

func (v *validator) service(s DocService) Service {
	switch {
	case s.Repo == "":
		v.addc(CodeRequired, "service.repo", "is required: the repository as owner/name, such as \"acme/orders\"")
	case ValidRepo(s.Repo) != nil:
		v.addf("service.repo", "%q is not owner/name as GitHub spells them, such as \"acme/orders\"", s.Repo)
	}
	switch {
	case s.Name == "":
		v.addc(CodeRequired, "service.name", "is required: a short lower-case name such as \"orders\"")
	case !reService.MatchString(s.Name) || len(s.Name) > maxServiceNameLength:
		v.addf("service.name", "%q must be lower-case letters, digits and hyphens, start with a letter and be at most %d characters (it names the pipeline and state machines)", s.Name, maxServiceNameLength)
	}
	if strings.TrimSpace(s.Owner) == "" {
		v.addc(CodeRequired, "service.owner", "is required: the team that owns the service, such as \"team-orders\"")
	}
	// IAM compares tag keys regardless of case, and refuses two that
	// differ only in it on one role
	// (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_tags.html#id_tags_rules_creating).
	folded := map[string]string{}
	for _, k := range sortedMapKeys(s.Tags) {
		path := join("service.tags", k)
		val := s.Tags[k]
		other, twice := folded[strings.ToLower(k)]
		switch {
		case strings.HasPrefix(strings.ToLower(k), "aws:"):
			v.addf(path, "tag keys starting with \"aws:\" are reserved by AWS")
		case slices.Contains(reservedTags, k):
			v.addf(path, "%q is set by handsoff on every resource; remove it from the document", k)
		case slices.Contains(reservedTags, strings.ToLower(k)):
			v.addf(path, "%q is %q, which handsoff sets on every resource, in another case; IAM compares tag keys regardless of case: remove it from the document", k, strings.ToLower(k))
		case twice:
			v.addc(CodeDuplicate, path, "%q and the tag %q differ only in case, which IAM does not tell apart: keep one", k, other)
		case !reTagKey.MatchString(k):
			v.addf(path, "%q is not a valid tag key (1 to 128 letters, digits, spaces and _ . : / = + - @)", k)
		}
		folded[strings.ToLower(k)] = k
		if !reTagValue.MatchString(val) {
			v.addf(path, "%q is not a valid tag value (at most 256 letters, digits, spaces and _ . : / = + - @)", val)
		} else if strings.TrimSpace(val) == "" {
			v.addf(path, "is empty; every resource must carry a value for it")
		}
	}
	return Service{Repo: s.Repo, Name: s.Name, Owner: s.Owner, Tags: s.Tags}
}

func (v *validator) account(path, account string) {
	switch {
	case account == "":
		v.addc(CodeRequired, path, "is required: a 12-digit AWS account ID")
	case !reAccount.MatchString(account):
		v.addf(path, "%q is not a 12-digit AWS account ID", account)
	}
}

func (v *validator) region(path, region string) {
	if !IsRegion(region) && !v.skip(path) {
		v.addf(path, "%s", regionProblem(region))
	}
}

func (v *validator) pipeline(p DocPipeline) Pipeline {
	v.account("pipeline.account", p.Account)
	v.region("pipeline.region", p.Region)
	switch m := reConnArn.FindStringSubmatch(p.ConnectionArn); {
	case p.ConnectionArn == "":
		v.addc(CodeRequired, "pipeline.connectionArn", "is required: the ARN of the CodeConnections connection to the repository")
	case m == nil:
		v.addf("pipeline.connectionArn", "%q is not a CodeConnections connection ARN (arn:aws:codeconnections:REGION:ACCOUNT:connection/ID)", p.ConnectionArn)
	case !IsRegion(p.Region) || !reAccount.MatchString(p.Account):
		// Compared with the pipeline's place only once that is known: a
		// problem there is reported already, and this one would follow it.
	case m[3] != p.Region || m[4] != p.Account:
		v.addf("pipeline.connectionArn", "%q is in %s/%s; the connection must be in the pipeline's account and region (%s/%s)", p.ConnectionArn, m[4], m[3], p.Account, p.Region)
	}
	branch := p.Branch
	if branch == "" {
		branch = "main"
	} else if !reBranch.MatchString(branch) || strings.Contains(branch, "..") {
		v.addf("pipeline.branch", "%q is not a valid branch name", branch)
	}
	if p.NotificationTopicArn != "" {
		m := reTopicArn.FindStringSubmatch(p.NotificationTopicArn)
		switch {
		case m == nil:
			v.addf("pipeline.notificationTopicArn", "%q is not an SNS topic ARN (arn:aws:sns:REGION:ACCOUNT:NAME)", p.NotificationTopicArn)
		case !IsRegion(p.Region):
		case m[2] != p.Region:
			v.addf("pipeline.notificationTopicArn", "%q is in %s; pipeline notifications need a topic in the pipeline's region %s", p.NotificationTopicArn, m[2], p.Region)
		}
	}
	status := ""
	switch {
	case p.StatusURL == "" && p.StatusTokenSecretArn == "":
	case p.StatusURL == "":
		v.addc(CodeRequired, "pipeline.statusUrl", "is required with statusTokenSecretArn: the configuration service's https base URL")
	case p.StatusTokenSecretArn == "":
		v.addc(CodeRequired, "pipeline.statusTokenSecretArn", "is required with statusUrl: the Secrets Manager secret that holds the pipeline's token")
	default:
		// EventBridge API destinations call HTTPS endpoints only
		// (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-api-destinations.html).
		if what := credentialsIn(p.StatusURL); what != "" {
			v.addf("pipeline.statusUrl", "%q holds credentials (%s), which the document must not: the pipeline authenticates with the secret statusTokenSecretArn names; use the service's base URL alone", redact(p.StatusURL), what)
		} else if u, err := url.Parse(p.StatusURL); err != nil || u.Scheme != "https" || u.Host == "" || u.RawQuery != "" {
			v.addf("pipeline.statusUrl", "%q is not an https URL without query, such as \"https://config.example.com\" (EventBridge API destinations call https only)", redact(p.StatusURL))
		} else {
			status = strings.TrimRight(p.StatusURL, "/")
		}
		if m := reSecretArn.FindStringSubmatch(p.StatusTokenSecretArn); m == nil {
			v.addf("pipeline.statusTokenSecretArn", "%q is not a Secrets Manager secret ARN (arn:aws:secretsmanager:REGION:ACCOUNT:secret:NAME)", p.StatusTokenSecretArn)
		} else if IsRegion(p.Region) && reAccount.MatchString(p.Account) && (m[1] != p.Region || m[2] != p.Account) {
			v.addf("pipeline.statusTokenSecretArn", "%q is in %s/%s; the secret must be in the pipeline's account and region (%s/%s)", p.StatusTokenSecretArn, m[2], m[1], p.Account, p.Region)
		}
	}
	return Pipeline{Account: p.Account, Region: p.Region, ConnectionArn: p.ConnectionArn, Branch: branch, NotificationTopicArn: p.NotificationTopicArn,
		StatusURL: status, StatusTokenSecretArn: p.StatusTokenSecretArn}
}

var reSecretArn = regexp.MustCompile(`^arn:aws[a-z-]*:secretsmanager:([a-z0-9-]+):([0-9]{12}):secret:[A-Za-z0-9/_+=.@-]+$`)

func (v *validator) duration(path, s string, def, lo, hi time.Duration) time.Duration {
	if s == "" {
		return def
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		v.addf(path, "%q is not a duration: write it like \"90s\", \"30m\" or \"1h30m\"", s)
		return def
	}
	if d < lo || d > hi {
		v.addc(CodeRange, path, "%s is out of range: it must be between %s and %s", s, fmtDuration(lo), fmtDuration(hi))
		return def
	}
	return d
}

func (v *validator) checks(in map[string]DocCheck) map[string]Check {
	out := make(map[string]Check, len(in))
	types := []string{CheckHTTP, CheckCodeBuild, CheckLambda}
	// The gates name a check's resources by its letters and digits (a
	// CloudFormation logical id holds nothing else): two names that differ
	// only in _ and - would become one resource.
	byID := map[string]string{}
	for _, name := range sortedMapKeys(in) {
		c := in[name]
		path := join("checks", name)
		if !reCheckName.MatchString(name) {
			v.addf(path, "check name %q must start with a letter and hold at most 40 letters, digits, _ and -", name)
		} else if other, ok := byID[strings.ToLower(alphanumerics(name))]; ok {
			// And in case: they name CodeBuild projects, log groups and
			// IAM policy resources, which not every service compares with
			// case.
			v.addc(CodeDuplicate, path, "check name %q and check %q differ only in case, _ and -, and their resources would be one (logical id Check%s): rename one", name, other, alphanumerics(name))
		} else {
			byID[strings.ToLower(alphanumerics(name))] = name
		}
		chk := Check{Name: name, Type: c.Type}
		only := func(field string, set bool, typ string) {
			if set {
				v.addf(path+"."+field, "applies only to %s checks, and this check is %q", typ, c.Type)
			}
		}
		retries := func(def int) int {
			if c.Retries == nil {
				return def
			}
			if *c.Retries < 0 || *c.Retries > 5 {
				v.addc(CodeRange, path+".retries", "%d is out of range: it must be between 0 and 5", *c.Retries)
				return def
			}
			return *c.Retries
		}
		switch c.Type {
		case CheckHTTP:
			only("commands", c.Commands != nil, CheckCodeBuild)
			only("functionArn", c.FunctionArn != "", CheckLambda)
			chk.URL = c.URL
			v.checkURL(path+".url", c.URL)
			chk.ExpectStatus = c.ExpectStatus
			if chk.ExpectStatus == 0 {
				chk.ExpectStatus = 200
			} else if chk.ExpectStatus < 100 || chk.ExpectStatus > 599 {
				v.addf(path+".expectStatus", "%d is not an HTTP status code (100 to 599)", c.ExpectStatus)
			}
			chk.Timeout = v.duration(path+".timeout", c.Timeout, 30*time.Second, time.Second, 5*time.Minute)
			chk.Retries = retries(2)
		case CheckCodeBuild:
			only("url", c.URL != "", CheckHTTP)
			only("expectStatus", c.ExpectStatus != 0, CheckHTTP)
			only("functionArn", c.FunctionArn != "", CheckLambda)
			if len(c.Commands) == 0 {
				v.addc(CodeRequired, path+".commands", "is required: the shell commands the build runs")
			}
			for i, cmd := range c.Commands {
				if strings.TrimSpace(cmd) == "" {
					v.addf(fmt.Sprintf("%s.commands[%d]", path, i), "is empty")
				}
			}
			chk.Commands = c.Commands
			// CodeBuild's build timeout is 5 minutes at least, in whole minutes.
			chk.Timeout = v.duration(path+".timeout", c.Timeout, 30*time.Minute, 5*time.Minute, MaxValidation)
			if chk.Timeout%time.Minute != 0 {
				v.addf(path+".timeout", "%s is not whole minutes, which CodeBuild timeouts must be", c.Timeout)
			}
			chk.Retries = retries(0)
		case CheckLambda:
			only("url", c.URL != "", CheckHTTP)
			only("expectStatus", c.ExpectStatus != 0, CheckHTTP)
			only("commands", c.Commands != nil, CheckCodeBuild)
			chk.FunctionArn = c.FunctionArn
			v.checkFunctionArn(path+".functionArn", c.FunctionArn)
			// Lambda runs a function for 15 minutes at most.
			chk.Timeout = v.duration(path+".timeout", c.Timeout, 5*time.Minute, time.Second, 15*time.Minute)
			chk.Retries = retries(0)
		case "":
			v.addc(CodeRequired, path+".type", "is required: one of %s", strings.Join(types, ", "))
		default:
			v.addf(path+".type", "%q is not a check type%s; known types: %s", c.Type, didYouMean(c.Type, types), strings.Join(types, ", "))
		}
		if w := chk.WorstCase(); w > MaxValidation {
			v.addf(path, "can run for %s with its retries (each attempt %s, back-off and service-error retries included); validation must finish within %s because the CodePipeline action that runs it times out after 1 hour (lower timeout or retries)", fmtDuration(w), fmtDuration(chk.AttemptTimeout()), fmtDuration(MaxValidation))
		}
		out[name] = chk
	}
	return out
}

func (v *validator) placeholders(path, s string) bool {
	ok := true
	for _, ph := range rePlacehold.FindAllString(s, -1) {
		if !slices.Contains(placeholders, ph) {
			v.addf(path, "%q holds the unknown placeholder %s%s; known: %s", s, ph, didYouMean(ph, placeholders), strings.Join(placeholders, " "))
			ok = false
		}
	}
	return ok
}

// location is time.LoadLocation, read once per document and zone: each
// load reads and parses the zone file.
func (v *validator) location(name string) (*time.Location, error) {
	if z, ok := v.zones[name]; ok {
		return z.loc, z.err
	}
	loc, err := time.LoadLocation(name)
	if v.zones == nil {
		v.zones = map[string]zone{}
	}
	v.zones[name] = zone{loc, err}
	return loc, err
}

// envUse is where an environment name is first used, as written.
type envUse struct{ path, name string }

// zone is a time zone as time.LoadLocation read it.
type zone struct {
	loc *time.Location
	err error
}

// sampleReplacer fills placeholders with sample values; built once.
var sampleReplacer = strings.NewReplacer("{stage}", "gamma", "{region}", "us-east-1", "{account}", "123456789012", "{env}", "gamma-use1")

// sample fills every placeholder with a plausible value, to check the shape
// of what the environment will see.
func sample(s string) string {
	return sampleReplacer.Replace(s)
}

func (v *validator) checkURL(path, raw string) {
	if raw == "" {
		v.addc(CodeRequired, path, "is required: the URL to call, such as \"https://{stage}.{region}.example.com/health\"")
		return
	}
	if what := credentialsIn(sample(raw)); what != "" {
		v.addf(path, "%q holds credentials (%s): they would be written into the pipeline's templates and logs; check an endpoint that needs none, or use a lambda check that reads a secret", redact(raw), what)
		return
	}
	if !v.placeholders(path, raw) {
		return
	}
	u, err := url.Parse(sample(raw))
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		v.addf(path, "%q is not an http or https URL", redact(raw))
	}
}

func (v *validator) checkFunctionArn(path, arn string) {
	if arn == "" {
		v.addc(CodeRequired, path, "is required: the ARN of the function, such as \"arn:aws:lambda:{region}:{account}:function:NAME\"")
		return
	}
	if !v.placeholders(path, arn) {
		return
	}
	if !reLambdaArn.MatchString(sample(arn)) {
		v.addf(path, "%q is not a Lambda function ARN (arn:aws:lambda:REGION:ACCOUNT:function:NAME)", arn)
	}
}

func (v *validator) stageRefs(path string, names []string) []string {
	if len(names) == 0 {
		v.addc(CodeRequired, path, "is required: the stages it applies to, such as [\"prod\"]")
	}
	for i, n := range names {
		p := fmt.Sprintf("%s[%d]", path, i)
		switch {
		case !slices.Contains(stageOrder, n):
			v.addf(p, "%q is not a stage%s; stages are %s", n, didYouMean(n, stageOrder), strings.Join(stageOrder, ", "))
		case !v.stageNames[n]:
			v.addf(p, "%q is not a stage of this document", n)
		}
	}
	return names
}

func (v *validator) freezeWindows(in []DocFreezeWindow) []FreezeWindow {
	var out []FreezeWindow
	seen := map[string]bool{}
	for i, w := range in {
		path := fmt.Sprintf("freezeWindows[%d]", i)
		fw := FreezeWindow{Name: w.Name}
		v.uniqueName(path+".name", w.Name, seen)
		switch loc, err := v.location(w.Timezone); {
		case w.Timezone == "":
			v.addc(CodeRequired, path+".timezone", "is required: an IANA time zone such as \"Asia/Hong_Kong\"")
		case err != nil || w.Timezone == "Local":
			v.addf(path+".timezone", "%q is not an IANA time zone such as \"Asia/Hong_Kong\" or \"UTC\"", w.Timezone)
		default:
			fw.Location = loc
		}
		if len(w.Days) == 0 {
			v.addc(CodeRequired, path+".days", "is required: the days the window starts on, such as [\"MON\", \"FRI\"]")
		}
		seenDay := map[string]bool{}
		for j, d := range w.Days {
			p := fmt.Sprintf("%s.days[%d]", path, j)
			wd, ok := weekdays[d]
			switch {
			case !ok:
				v.addf(p, "%q is not a day: use MON, TUE, WED, THU, FRI, SAT or SUN", d)
			case seenDay[d]:
				v.addc(CodeDuplicate, p, "%q is listed twice", d)
			default:
				fw.Days = append(fw.Days, wd)
			}
			seenDay[d] = true
		}
		fw.Start = v.clock(path+".start", w.Start, false)
		fw.End = v.clock(path+".end", w.End, true)
		if w.Start != "" && w.Start == w.End {
			v.addf(path+".end", "equals start, which leaves the window empty; for a whole day use start \"00:00\" and end \"24:00\"")
		}
		fw.AppliesTo = v.stageRefs(path+".appliesTo", w.AppliesTo)
		out = append(out, fw)
	}
	return out
}

func (v *validator) clock(path, s string, isEnd bool) Clock {
	if isEnd && s == "24:00" {
		return 24 * 60
	}
	if !reHHMM.MatchString(s) {
		if s == "" {
			v.addc(CodeRequired, path, "is required: a local time as HH:MM, such as \"12:00\"")
		} else {
			v.addf(path, "%q is not a time of day as HH:MM (00:00 to 23:59)", s)
		}
		return 0
	}
	h, _ := strconv.Atoi(s[:2])
	m, _ := strconv.Atoi(s[3:])
	return Clock(h*60 + m)
}

func (v *validator) uniqueName(path, name string, seen map[string]bool) {
	switch {
	case name == "":
		v.addc(CodeRequired, path, "is required")
	case seen[name]:
		v.addc(CodeDuplicate, path, "%q is used twice; names must be unique", name)
	}
	seen[name] = true
}

func (v *validator) blackouts(in []DocBlackout) []Blackout {
	var out []Blackout
	seen := map[string]bool{}
	for i, b := range in {
		path := fmt.Sprintf("blackouts[%d]", i)
		v.uniqueName(path+".name", b.Name, seen)
		bo := Blackout{Name: b.Name}
		var okFrom, okTo bool
		bo.From, okFrom = v.instant(path+".from", b.From)
		bo.To, okTo = v.instant(path+".to", b.To)
		if okFrom && okTo && !bo.To.After(bo.From) {
			v.addf(path+".to", "%s is not after from (%s)", b.To, b.From)
		}
		bo.AppliesTo = v.stageRefs(path+".appliesTo", b.AppliesTo)
		out = append(out, bo)
	}
	return out
}

func (v *validator) instant(path, s string) (time.Time, bool) {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		if s == "" {
			v.addc(CodeRequired, path, "is required: an RFC 3339 time such as \"2026-12-24T00:00:00Z\"")
		} else {
			v.addf(path, "%q is not an RFC 3339 time such as \"2026-12-24T00:00:00Z\"", s)
		}
		return time.Time{}, false
	}
	return t, true
}

func (v *validator) stages(in []DocStage, checks map[string]Check) []Stage {
	v.envs = map[string]envUse{}
	var out []Stage
	if len(in) == 0 {
		v.addc(CodeRequired, "stages", "is required: at least gamma and prod")
		return nil
	}
	last := -1
	seen := map[string]string{}
	for i, s := range in {
		path := fmt.Sprintf("stages[%d]", i)
		rank := slices.Index(stageOrder, s.Name)
		switch {
		case s.Name == "":
			v.addc(CodeRequired, path+".name", "is required: one of %s", strings.Join(stageOrder, ", "))
		case rank < 0:
			v.addf(path+".name", "%q is not a stage%s; stages are %s, in that order", s.Name, didYouMean(s.Name, stageOrder), strings.Join(stageOrder, ", "))
		case seen[s.Name] != "":
			v.addc(CodeDuplicate, path+".name", "%q is listed twice (first at %s)", s.Name, seen[s.Name])
		case rank < last:
			v.addf(path+".name", "%q comes after %q; stages run in the order %s", s.Name, stageOrder[last], strings.Join(stageOrder, ", "))
		}
		if rank >= 0 && seen[s.Name] == "" {
			seen[s.Name] = path
			last = max(last, rank)
		}
		out = append(out, v.stage(path, s, checks))
	}
	for _, req := range []string{Gamma, Prod} {
		if seen[req] == "" {
			v.addf("stages", "has no %q stage; gamma and prod are required", req)
		}
	}
	return out
}

func (v *validator) stage(path string, s DocStage, checks map[string]Check) Stage {
	st := Stage{Name: s.Name, Approval: s.Approval, Checks: s.Checks, Alarms: s.Alarms, Path: path}
	st.Bake = v.bake(path+".bake", s.Bake)
	// Sorted: suggestions compare the first maxCandidates, the same ones
	// every run.
	names := slices.Sorted(maps.Keys(checks))
	seenCheck := map[string]bool{}
	for i, c := range s.Checks {
		p := fmt.Sprintf("%s.checks[%d]", path, i)
		switch {
		case seenCheck[c]:
			v.addc(CodeDuplicate, p, "%q is listed twice", c)
		case checks[c].Name == "":
			v.addf(p, "%q is not defined under checks%s", c, didYouMean(c, names))
		}
		seenCheck[c] = true
	}
	v.alarms(path+".alarms", s.Alarms)
	isProd := s.Name == Prod
	switch {
	case !isProd && len(s.Waves) > 0:
		v.addf(path+".waves", "only prod has waves; list this stage's environments under \"environments\"")
	case !isProd && len(s.Environments) == 0:
		v.addc(CodeRequired, path+".environments", "is required: at least one environment")
	case isProd && len(s.Waves) > 0 && len(s.Environments) > 0:
		v.addf(path, "has both waves and environments; list environments inside waves, or list them plainly and let handsoff plan the waves")
	case isProd && len(s.Waves) == 0 && len(s.Environments) == 0:
		v.addf(path, "has no environments: list them under \"waves\" or \"environments\"")
	}
	if !isProd || len(s.Waves) == 0 {
		var envs []Environment
		for i, e := range s.Environments {
			envs = append(envs, v.environment(fmt.Sprintf("%s.environments[%d]", path, i), e, st))
		}
		if isProd {
			// Planned later, when the capacity of an environment is known.
			st.PlannedWaves = true
			st.Waves = []Wave{{Name: s.Name, Stage: s.Name, Bake: st.Bake, Environments: envs, Path: path}}
		} else {
			st.Waves = []Wave{{Name: s.Name, Stage: s.Name, Bake: st.Bake, Environments: envs, Path: path}}
		}
		return st
	}
	seenWave := map[string]bool{}
	seenWaveFold := map[string]string{}
	sawFull := ""
	for i, w := range s.Waves {
		wp := fmt.Sprintf("%s.waves[%d]", path, i)
		// Wave names become pipeline stage names; compared regardless of
		// case, which works whichever way CodePipeline compares them.
		if other, ok := seenWaveFold[strings.ToLower(w.Name)]; ok && w.Name != "" && other != w.Name {
			v.addc(CodeDuplicate, wp+".name", "%q and the wave %q differ only in case; they name pipeline stages: rename one", w.Name, other)
		}
		if _, ok := seenWaveFold[strings.ToLower(w.Name)]; !ok {
			seenWaveFold[strings.ToLower(w.Name)] = w.Name
		}
		v.uniqueName(wp+".name", w.Name, seenWave)
		if w.Name != "" && !reName.MatchString(w.Name) {
			v.addf(wp+".name", "%q must start with a letter and hold only letters, digits and hyphens", w.Name)
		}
		wave := Wave{Name: w.Name, Stage: s.Name, Bake: st.Bake, Path: wp}
		if w.Bake != "" {
			wave.Bake = v.bake(wp+".bake", w.Bake)
		}
		if len(w.Environments) == 0 {
			v.addc(CodeRequired, wp+".environments", "is required: at least one environment")
		}
		oneboxes := 0
		for j, e := range w.Environments {
			env := v.environment(fmt.Sprintf("%s.environments[%d]", wp, j), e, st)
			env.Wave, env.Bake = w.Name, wave.Bake
			if env.OneBox {
				oneboxes++
			}
			wave.Environments = append(wave.Environments, env)
		}
		switch {
		case oneboxes > 0 && oneboxes < len(w.Environments):
			v.addf(wp, "mixes one-box and full environments; put one-box environments in a wave of their own, first")
		case oneboxes > 0 && sawFull != "":
			v.addf(wp, "holds one-box environments but comes after %s; one-box waves go first", sawFull)
		case oneboxes == 0 && sawFull == "":
			sawFull = fmt.Sprintf("wave %q", w.Name)
		}
		st.Waves = append(st.Waves, wave)
	}
	return st
}

func (v *validator) bake(path, s string) time.Duration {
	d := v.duration(path, s, 0, 0, MaxBake)
	if d%time.Minute != 0 {
		v.addf(path, "%s is not whole minutes; CodePipeline waits on alarms in minutes", s)
	}
	return d
}

func (v *validator) alarms(path string, names []string) {
	for i, a := range names {
		if strings.TrimSpace(a) == "" || utf8.RuneCountInString(a) > 255 {
			v.addf(fmt.Sprintf("%s[%d]", path, i), "%q is not a CloudWatch alarm name (1 to 255 characters)", a)
		}
	}
}

func (v *validator) environment(path string, e DocEnvironment, st Stage) Environment {
	switch {
	case e.Name == "":
		v.addc(CodeRequired, path+".name", "is required: a name unique in the document, such as \"prod-use1\"")
	case !reName.MatchString(e.Name) || len(e.Name) > maxEnvNameLength:
		v.addf(path+".name", "%q must start with a letter, hold only letters, digits and hyphens, and be at most %d characters", e.Name, maxEnvNameLength)
	case v.envs[strings.ToLower(e.Name)].path != "":
		// Names become parts of IAM role names, which IAM compares
		// regardless of case
		// (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html#reference_iam-quotas-names).
		first := v.envs[strings.ToLower(e.Name)]
		if first.name == e.Name {
			v.addc(CodeDuplicate, path+".name", "%q is already used by %s; environment names must be unique", e.Name, first.path)
		} else {
			v.addc(CodeDuplicate, path+".name", "%q is %q of %s in another case; names become parts of IAM role names, which IAM compares regardless of case: rename one", e.Name, first.name, first.path)
		}
	}
	if e.Name != "" && v.envs[strings.ToLower(e.Name)].path == "" {
		v.envs[strings.ToLower(e.Name)] = envUse{path, e.Name}
	}
	v.account(path+".account", e.Account)
	v.region(path+".region", e.Region)
	if pr := v.doc.Pipeline.Region; IsRegion(e.Region) && IsRegion(pr) && Partition(e.Region) != Partition(pr) {
		// A pipeline's roles are IAM roles of its partition; no role can
		// assume one in another partition, and no artifact can be
		// replicated to one.
		// https://docs.aws.amazon.com/whitepapers/latest/aws-fault-isolation-boundaries/partitions.html
		v.addf(path+".region", "%s is in the %s partition, and the pipeline's region %s in %s: a pipeline deploys only within its own partition; give this environment a pipeline in %s", e.Region, Partition(e.Region), pr, Partition(pr), Partition(e.Region))
	}
	if e.OneBox && st.Name != Prod {
		v.addf(path+".onebox", "one-box environments belong to prod; %s has all its traffic already", st.Name)
	}
	v.alarms(path+".alarms", e.Alarms)
	return Environment{
		Name: e.Name, Stage: st.Name, Wave: st.Name, Account: e.Account, Region: e.Region,
		OneBox: e.OneBox, Checks: st.Checks, Bake: st.Bake,
		Alarms: append(append([]string(nil), st.Alarms...), e.Alarms...), Path: path,
	}
}

func sortedMapKeys[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }

// fmtDuration prints a duration the way people write them: "1h", "30m",
// "1h30m", "45s".
func fmtDuration(d time.Duration) string {
	if d == 0 {
		return "0"
	}
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// FormatDuration prints a duration the way the documents write them.
func FormatDuration(d time.Duration) string { return fmtDuration(d) }
