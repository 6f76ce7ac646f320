// Package linediff is the line diff that people read: handsoff config
// diff shows what a refresh would change, and the configuration service
// shows what changed under a stale save.
package linediff

import (
	"fmt"
	"slices"
	"strings"
)

// maxCells bounds the comparison table (8 bytes a cell, 32 MiB at most):
// documents of a few thousand lines compare within it; a text sent to
// make the table large (a page's form) does not.
const maxCells = 4 << 20

// Lines is a line diff of a and b (longest common subsequence), with
// two lines of context around each change; "" when they are equal.
func Lines(a, b []string) string {
	n, m := len(a), len(b)
	// The table is n×m: past maxCells, say so instead of comparing.
	if n*m > maxCells {
		if slices.Equal(a, b) {
			return ""
		}
		return fmt.Sprintf("  (%d lines against %d: too long to compare line by line)\n", n, m)
	}
	lcs := make([][]int, n+1)
	for i := range lcs {
		lcs[i] = make([]int, m+1)
	}
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			if a[i] == b[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	type line struct {
		op   byte
		text string
	}
	var lines []line
	i, j := 0, 0
	for i < n || j < m {
		switch {
		case i < n && j < m && a[i] == b[j]:
			lines = append(lines, line{' ', a[i]})
			i, j = i+1, j+1
		case i < n && (j == m || lcs[i+1][j] >= lcs[i][j+1]):
			lines = append(lines, line{'-', a[i]})
			i++
		default:
			lines = append(lines, line{'+', b[j]})
			j++
		}
	}
	var out strings.Builder
	shown := -1
	for k, l := range lines {
		near := false
		for d := -2; d <= 2; d++ {
			if k+d >= 0 && k+d < len(lines) && lines[k+d].op != ' ' {
				near = true
			}
		}
		if !near {
			continue
		}
		if shown >= 0 && k > shown+1 {
			out.WriteString("  ...\n")
		}
		fmt.Fprintf(&out, "%c %s\n", l.op, l.text)
		shown = k
	}
	return out.String()
}
