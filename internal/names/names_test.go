package names

import (
	"strings"
	"testing"
)

func TestJoin(t *testing.T) {
	cases := []struct {
		max   int
		parts []string
		want  string
	}{
		{64, []string{"orders", "prod-use1", "gate"}, "orders-prod-use1-gate"},
		{20, []string{"orders", "prod-use1-onebox", "gate"}, "orders-prod--4b6a4a2c"},
	}
	for _, tc := range cases {
		got := Join(tc.max, tc.parts...)
		if len(got) > tc.max {
			t.Errorf("Join(%d, %v) = %q, longer than %d", tc.max, tc.parts, got, tc.max)
		}
		if !strings.HasPrefix(got, tc.want[:min(len(tc.want), 10)]) {
			t.Errorf("Join(%d, %v) = %q, want prefix of %q", tc.max, tc.parts, got, tc.want)
		}
	}
	a := Join(20, "orders", "prod-use1-onebox-aaaa")
	b := Join(20, "orders", "prod-use1-onebox-bbbb")
	if a == b {
		t.Errorf("distinct long names collide: %q", a)
	}
}
