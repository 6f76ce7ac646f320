package linediff

import (
	"strings"
	"testing"
)

func TestLines(t *testing.T) {
	long := strings.Split(strings.Repeat("x\n", 1<<20), "\n")
	cases := []struct {
		name string
		a, b []string
		want string
	}{
		{"equal", []string{"a", "b"}, []string{"a", "b"}, ""},
		{"a change", []string{"a", "b", "c"}, []string{"a", "B", "c"}, "  a\n- b\n+ B\n  c\n"},
		{"an addition far from the start", []string{"1", "2", "3", "4", "5"}, []string{"1", "2", "3", "4", "5", "6"}, "  4\n  5\n+ 6\n"},
		{"too long to compare", long, []string{"a", "b", "c", "d", "e"}, "  (1048577 lines against 5: too long to compare line by line)\n"},
		{"too long, and equal", long, long, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := Lines(c.a, c.b); got != c.want {
				t.Errorf("got\n%q\nwant\n%q", got, c.want)
			}
		})
	}
}
