package autoscale

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestResolve(t *testing.T) {
	cases := []struct {
		name     string
		opts     Options
		want     Settings
		problems []string
	}{
		{"prod baseline", Options{Stage: "prod"}, Settings{Capacity{2, 10}, 50, 5 * time.Minute, 5 * time.Minute, 1}, nil},
		{"alpha baseline", Options{Stage: "alpha"}, Settings{Capacity{1, 2}, 50, 5 * time.Minute, 5 * time.Minute, 1}, nil},
		{"large prod replaces a third", Options{Stage: "prod", Capacity: Capacity{9, 30}, TargetCPU: 60}, Settings{Capacity{9, 30}, 60, 5 * time.Minute, 5 * time.Minute, 3}, nil},
		{"prod below two", Options{Stage: "prod", Capacity: Capacity{1, 4}}, Settings{Capacity{1, 4}, 50, 5 * time.Minute, 5 * time.Minute, 1},
			[]string{"Capacity.Min is 1 in prod: prod never runs below 2, so that one failure is not an outage"}},
		{"everything wrong", Options{Capacity: Capacity{3, 2}, TargetCPU: 95}, Settings{Capacity{3, 2}, 95, 5 * time.Minute, 5 * time.Minute, 1},
			[]string{
				"Stage is required: the stage kind (alpha, beta, gamma or prod) decides the baseline capacity",
				"Capacity.Max (2) is below Capacity.Min (3)",
				"TargetCPU is 95: hold between 10 and 90 percent",
				"Capacity.Max (2) leaves no room to replace a batch of 1 while 3 stay in service: raise it to 4",
			}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, problems := tc.opts.Resolve()
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("settings (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.problems, problems); diff != "" {
				t.Errorf("problems (-want +got):\n%s", diff)
			}
		})
	}
}
