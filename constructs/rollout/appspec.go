package rollout

import (
	"errors"
	"fmt"
	"path"
	"regexp"
	"slices"
	"strings"
	"time"
)

// Hook is a lifecycle hook: a script in the revision (EC2) or a Lambda
// function (ECS) run at an event of a deployment; a hook that fails fails
// the deployment, which then rolls back.
type Hook struct {
	// Event is the lifecycle event, such as ValidateService (EC2) or
	// AfterAllowTestTraffic (ECS).
	Event string
	// Target is the script's path in the revision (EC2) or the Lambda
	// function's name or ARN (ECS).
	Target string
	// Timeout bounds an EC2 script. Default: 5 minutes; at most an hour.
	Timeout time.Duration
}

// The lifecycle events a hook may name, in the order they run
// (https://docs.aws.amazon.com/codedeploy/latest/userguide/reference-appspec-file-structure-hooks.html).
// DownloadBundle, Install, BlockTraffic and AllowTraffic are CodeDeploy's
// own and take no script.
var (
	ServerEvents = []string{"ApplicationStop", "BeforeInstall", "AfterInstall", "ApplicationStart", "ValidateService",
		"BeforeBlockTraffic", "AfterBlockTraffic", "BeforeAllowTraffic", "AfterAllowTraffic"}
	ECSEvents = []string{"BeforeInstall", "AfterInstall", "AfterAllowTestTraffic", "BeforeAllowTraffic", "AfterAllowTraffic"}
)

// maxHookTimeout is a lifecycle event's limit: "3600 seconds (1 hour) is
// the maximum amount of time allowed for script execution for each
// deployment lifecycle event" (same page).
const maxHookTimeout = time.Hour

var (
	reLambda = regexp.MustCompile(`^(arn:aws[a-z-]*:lambda:[a-z0-9-]+:[0-9]{12}:function:)?[a-zA-Z0-9_-]{1,64}(:[a-zA-Z0-9$_-]+)?$`)
	reScript = regexp.MustCompile(`^[A-Za-z0-9._/-]+$`)
)

// ServerAppSpec is the appspec.yml of an EC2 revision: its files copied to
// dest, its hooks' scripts run as root. Every problem at once.
func ServerAppSpec(source, dest string, hooks []Hook) (string, error) {
	var problems []string
	if !reScript.MatchString(source) || !reScript.MatchString(dest) || !path.IsAbs(dest) || path.IsAbs(source) {
		problems = append(problems, fmt.Sprintf("the files' source %q and destination %q: a path in the revision and an absolute path on the instance", source, dest))
	}
	byEvent := map[string][]Hook{}
	for i, h := range hooks {
		switch {
		case !slices.Contains(ServerEvents, h.Event):
			problems = append(problems, fmt.Sprintf("hooks[%d]: %q is not an EC2 lifecycle event a script may run at (%s)", i, h.Event, strings.Join(ServerEvents, ", ")))
		case !reScript.MatchString(h.Target) || strings.HasPrefix(h.Target, "/") || slices.Contains(strings.Split(h.Target, "/"), ".."):
			problems = append(problems, fmt.Sprintf("hooks[%d]: %q is not a script's path relative to the revision's root", i, h.Target))
		case h.Timeout < 0 || h.Timeout > maxHookTimeout || h.Timeout%time.Second != 0:
			problems = append(problems, fmt.Sprintf("hooks[%d]: Timeout %s: whole seconds, at most an hour", i, h.Timeout))
		}
		byEvent[h.Event] = append(byEvent[h.Event], h)
	}
	for _, e := range ServerEvents {
		var total time.Duration
		for _, h := range byEvent[e] {
			total += timeoutOf(h)
		}
		if total > maxHookTimeout {
			problems = append(problems, fmt.Sprintf("the hooks of %s run %s in all; an event's scripts have an hour", e, total))
		}
	}
	if len(problems) > 0 {
		return "", errors.New(strings.Join(problems, "; "))
	}
	var b strings.Builder
	fmt.Fprintf(&b, "version: 0.0\nos: linux\nfiles:\n  - source: %s\n    destination: %s\n", quote(source), quote(dest))
	if len(hooks) > 0 {
		b.WriteString("hooks:\n")
		for _, e := range ServerEvents {
			if len(byEvent[e]) == 0 {
				continue
			}
			fmt.Fprintf(&b, "  %s:\n", e)
			for _, h := range byEvent[e] {
				fmt.Fprintf(&b, "    - location: %s\n      timeout: %d\n      runas: root\n", quote(h.Target), int(timeoutOf(h)/time.Second))
			}
		}
	}
	return b.String(), nil
}

// ECSAppSpec is the appspec.yaml of an ECS revision, for CodeDeploy's ECS
// action: the new task definition (<TASK_DEFINITION>, which the action
// fills) and the container and port the load balancer sends traffic to,
// and the hooks' Lambda functions, one an event
// (https://docs.aws.amazon.com/codedeploy/latest/userguide/reference-appspec-file-structure-hooks.html).
// A hook function must report within an hour or the deployment fails.
func ECSAppSpec(container string, port int, hooks []Hook) (string, error) {
	var problems []string
	if !regexp.MustCompile(`^[A-Za-z0-9_-]{1,255}$`).MatchString(container) {
		problems = append(problems, fmt.Sprintf("container %q: 1 to 255 letters, digits, hyphens and underscores", container))
	}
	if port < 1 || port > 65535 {
		problems = append(problems, fmt.Sprintf("port %d: 1 to 65535", port))
	}
	seen := map[string]bool{}
	for i, h := range hooks {
		switch {
		case !slices.Contains(ECSEvents, h.Event):
			problems = append(problems, fmt.Sprintf("hooks[%d]: %q is not an ECS lifecycle event (%s)", i, h.Event, strings.Join(ECSEvents, ", ")))
		case seen[h.Event]:
			problems = append(problems, fmt.Sprintf("hooks[%d]: %s has a hook already; an ECS event takes one function", i, h.Event))
		case !reLambda.MatchString(h.Target):
			problems = append(problems, fmt.Sprintf("hooks[%d]: %q is not a Lambda function's name or ARN", i, h.Target))
		case h.Timeout != 0:
			problems = append(problems, fmt.Sprintf("hooks[%d]: an ECS hook has no Timeout: the function reports its result (within an hour)", i))
		}
		seen[h.Event] = true
	}
	if len(problems) > 0 {
		return "", errors.New(strings.Join(problems, "; "))
	}
	var b strings.Builder
	fmt.Fprintf(&b, "version: 0.0\nResources:\n  - TargetService:\n      Type: AWS::ECS::Service\n      Properties:\n        TaskDefinition: <TASK_DEFINITION>\n        LoadBalancerInfo:\n          ContainerName: %s\n          ContainerPort: %d\n", quote(container), port)
	if len(hooks) > 0 {
		b.WriteString("Hooks:\n")
		for _, e := range ECSEvents {
			for _, h := range hooks {
				if h.Event == e {
					fmt.Fprintf(&b, "  - %s: %s\n", e, quote(h.Target))
				}
			}
		}
	}
	return b.String(), nil
}

func timeoutOf(h Hook) time.Duration {
	if h.Timeout == 0 {
		return 5 * time.Minute
	}
	return h.Timeout
}

// quote is a YAML double-quoted scalar of s (its characters are checked
// before, so JSON's quoting is YAML's).
func quote(s string) string { return fmt.Sprintf("%q", s) }

func sortStrings(s []string) []string {
	slices.Sort(s)
	return s
}
