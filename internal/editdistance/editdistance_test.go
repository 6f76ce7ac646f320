package editdistance

import "testing"

func TestAtMost(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want int
	}{
		{"", "", 0}, {"abc", "abc", 0}, {"abc", "abd", 1}, {"abc", "ab", 1}, {"kitten", "sitting", 3},
		{"libs/money", "libs/mony", 1}, {"abcdef", "ghijkl", 4}, {"a", "abcdefgh", 4}, {"flaw", "lawn", 2},
	} {
		if got := AtMost(tc.a, tc.b, 3); got != tc.want {
			t.Errorf("AtMost(%q, %q, 3) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
	}
}

// AtMost agrees with the full edit distance, capped.
func TestAtMostAgrees(t *testing.T) {
	full := func(a, b string) int {
		prev := make([]int, len(b)+1)
		for j := range prev {
			prev[j] = j
		}
		for i := 1; i <= len(a); i++ {
			cur := make([]int, len(b)+1)
			cur[0] = i
			for j := 1; j <= len(b); j++ {
				cost := 1
				if a[i-1] == b[j-1] {
					cost = 0
				}
				cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			}
			prev = cur
		}
		return prev[len(b)]
	}
	alphabet := "ab/"
	word := func(n uint64) string {
		var b []byte
		for n > 0 {
			b = append(b, alphabet[n%3])
			n /= 3
		}
		return string(b)
	}
	for x := uint64(0); x < 400; x++ {
		for y := uint64(0); y < 400; y += 7 {
			a, b := word(x*7919%100000), word(y*104729%100000)
			for k := 0; k <= 4; k++ {
				if got, want := AtMost(a, b, k), min(full(a, b), k+1); got != want {
					t.Fatalf("AtMost(%q, %q, %d) = %d, want %d", a, b, k, got, want)
				}
			}
		}
	}
}
