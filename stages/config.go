package stages

import (
	"slices"
	"time"
)

// Stage kinds, in the only order a pipeline runs them.
const (
	Alpha = "alpha"
	Beta  = "beta"
	Gamma = "gamma"
	Prod  = "prod"
)

// stageOrder is the order of stages in every pipeline. Alpha and beta are
// optional; gamma and prod are required.
var stageOrder = []string{Alpha, Beta, Gamma, Prod}

// StageOrder is the order stages run in (a copy).
func StageOrder() []string { return slices.Clone(stageOrder) }

// Config is a validated configuration document, with durations parsed, time
// zones loaded, defaults applied and prod waves planned. Build one with
// [Parse] or [Load]; the zero value is not useful.
type Config struct {
	// Origin says where the document came from, for messages and the plan.
	Origin   string
	Service  Service
	Pipeline Pipeline
	// Checks maps a check's name to its definition.
	Checks        map[string]Check
	FreezeWindows []FreezeWindow
	Blackouts     []Blackout
	// Stages in pipeline order.
	Stages []Stage
	// Access is how developers sign in; its zero value: not given.
	Access Access
	// Guardrails is what the platform asks of guardrail exceptions; its
	// zero value asks nothing more than the library does.
	Guardrails Guardrails
	// Document is the wire form the Config was made from.
	Document *Document
}

// Service names the service.
type Service struct {
	Repo  string // owner/name
	Name  string
	Owner string
	Tags  map[string]string
}

// Pipeline says where the pipeline lives and what triggers it.
type Pipeline struct {
	Account              string
	Region               string
	ConnectionArn        string
	Branch               string // default "main"
	NotificationTopicArn string // empty: no notifications
	// StatusURL is where the pipeline reports its stages' states (the
	// configuration service's /v1/services/{owner}/{repo}/status), with the
	// token in the secret StatusTokenSecretArn; empty: no reports.
	StatusURL            string
	StatusTokenSecretArn string
}

// Access is the document's optional access section. An empty SSOStartURL
// means the document does not say.
type Access struct {
	SSOStartURL, SSORegion, SSORoleName string
}

// Guardrails is the document's optional guardrails section.
type Guardrails struct {
	// ReasonPatterns are compiled by the validation; each must match the
	// reason of every guardrail suppression.
	ReasonPatterns []string
}

// Check types known to v1.
const (
	CheckHTTP      = "http"
	CheckCodeBuild = "codebuild"
	CheckLambda    = "lambda"
)

// Check is a named validation test run after an environment deploys.
type Check struct {
	Name    string
	Type    string // CheckHTTP, CheckCodeBuild or CheckLambda
	Timeout time.Duration
	Retries int
	// http
	URL          string // may hold {stage} {region} {account} {env}
	ExpectStatus int
	// codebuild
	Commands []string
	// lambda
	FunctionArn string // may hold {stage} {region} {account} {env}
}

// AttemptTimeout is how long the validation state machine lets one attempt
// of the check run: the check's timeout plus what the service adds around
// it. A CodeBuild build may queue for up to 5 minutes (its project's
// queued timeout) and take time to provision; the http check function
// starts and reports within 10 s of the check's own timeout.
func (c Check) AttemptTimeout() time.Duration {
	switch c.Type {
	case CheckCodeBuild:
		return c.Timeout + CodeBuildQueueTimeout
	case CheckHTTP:
		return c.Timeout + 10*time.Second
	}
	return c.Timeout
}

// CodeBuildQueueTimeout is the longest a codebuild check's build waits in
// CodeBuild's queue (the project's QueuedTimeoutInMinutes), counted in its
// attempt's timeout.
const CodeBuildQueueTimeout = 5 * time.Minute

// Transient errors of the service a check calls (Lambda's 500s and
// throttling, CodeBuild's build limit) are retried ServiceRetries times,
// ServiceRetryInterval first, doubling, before the check's own retries.
// Such errors come back at once, so they cost their pauses: 126 s at most.
const (
	ServiceRetries       = 6
	ServiceRetryInterval = 2 * time.Second
)

// WorstCase is the longest a check can take in the validation state
// machine: every attempt running to its AttemptTimeout, the back-off
// between the check's own retries, and the pauses of the service-error
// retries.
func (c Check) WorstCase() time.Duration {
	d := c.AttemptTimeout() * time.Duration(c.Retries+1)
	for i := 0; i < c.Retries; i++ {
		d += RetryBackoff(i)
	}
	for i := 0; i < ServiceRetries; i++ {
		d += ServiceRetryInterval << i
	}
	return d
}

// RetryBackoff is the pause before retry i (0-based) of a check: 10 s, then
// doubling. The validation state machines use the same numbers.
func RetryBackoff(i int) time.Duration { return 10 * time.Second << i }

// FreezeWindow is a recurring window, in a time zone, in which no stage it
// applies to may start. End before Start means the window crosses midnight.
type FreezeWindow struct {
	Name     string
	Location *time.Location
	Days     []time.Weekday // the days on which the window starts
	Start    Clock
	End      Clock
	// AppliesTo names stages.
	AppliesTo []string
}

// Clock is a local time of day in minutes after midnight.
type Clock int

// Hour and Minute split the clock.
func (c Clock) Hour() int   { return int(c) / 60 }
func (c Clock) Minute() int { return int(c) % 60 }
func (c Clock) String() string {
	return twoDigits(c.Hour()) + ":" + twoDigits(c.Minute())
}

func twoDigits(n int) string { return string([]byte{byte('0' + n/10), byte('0' + n%10)}) }

// Blackout is an absolute range [From, To) with no deployments.
type Blackout struct {
	Name      string
	From, To  time.Time
	AppliesTo []string
}

// Stage is one of alpha, beta, gamma, prod. Every stage is a list of waves:
// alpha, beta and gamma have one wave named after the stage, prod has one
// wave per step of its rollout.
type Stage struct {
	Name     string
	Approval bool
	Checks   []string
	Bake     time.Duration
	Alarms   []string
	Waves    []Wave
	// PlannedWaves is true when the library planned prod's waves from a plain
	// list of environments.
	PlannedWaves bool
	// Path is the document path of the stage, for messages.
	Path string
}

// Environments lists every environment of the stage, wave by wave.
func (s Stage) Environments() []Environment {
	var out []Environment
	for _, w := range s.Waves {
		out = append(out, w.Environments...)
	}
	return out
}

// Wave is a group of environments deployed in parallel, then baked.
type Wave struct {
	Name         string
	Stage        string
	Bake         time.Duration
	Environments []Environment
	Path         string
}

// Environment is one deployment target.
type Environment struct {
	Name    string
	Stage   string
	Wave    string
	Account string
	Region  string
	OneBox  bool
	// Checks names the checks run after this environment deploys (the
	// stage's).
	Checks []string
	// Bake is how long its alarms are watched after a successful deploy.
	Bake time.Duration
	// Alarms names existing CloudWatch alarms, beside those found in the
	// environment's stacks, that stop the rollout.
	Alarms []string
	Path   string
}

// Environments lists every environment of the document in pipeline order.
func (c *Config) Environments() []Environment {
	var out []Environment
	for _, s := range c.Stages {
		out = append(out, s.Environments()...)
	}
	return out
}

// Stage returns the named stage.
func (c *Config) Stage(name string) (Stage, bool) {
	for _, s := range c.Stages {
		if s.Name == name {
			return s, true
		}
	}
	return Stage{}, false
}
