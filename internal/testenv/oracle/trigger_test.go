package oracle

import "testing"

// The documentation's examples
// (https://docs.aws.amazon.com/codepipeline/latest/userguide/syntax-glob.html).
func TestGlobMatch(t *testing.T) {
	for _, tc := range []struct {
		pattern, name string
		want          bool
	}{
		{"directory/**", "directory/a", true},
		{"directory/**", "directory/a/b/c", true},
		{"directory/**", "directoryx/a", false},
		{"directory/*", "directory/a", true},
		{"directory/*", "directory/a/b", false},
		{"*.{java,class}", "A.java", true},
		{"*.{java,class}", "A.class", true},
		{"*.{java,class}", "src/A.java", false},
		{"**/*.java", "src/A.java", true},
		{"file?.txt", "file1.txt", true},
		{"file?.txt", "file/.txt", false},
		{"[ab].txt", "a.txt", true},
		{"[!ab].txt", "a.txt", false},
		{`a\*b`, "a*b", true},
		{`a\*b`, "axb", false},
		{"handsoff.deps.json", "handsoff.deps.json", true},
		{"handsoff.deps.json", "handsoffxdeps.json", false},
		{"main", "main", true},
		{"main", "maint", false},
	} {
		if got := GlobMatch(tc.pattern, tc.name); got != tc.want {
			t.Errorf("GlobMatch(%q, %q) = %v, want %v", tc.pattern, tc.name, got, tc.want)
		}
	}
}

func TestTriggerProblems(t *testing.T) {
	action := map[string]any{"Name": "Src", "ActionTypeId": map[string]any{"Provider": "CodeStarSourceConnection"},
		"Configuration": map[string]any{"BranchName": "main", "DetectChanges": true}}
	props := map[string]any{
		"Stages": []any{map[string]any{"Actions": []any{action}}},
		"Triggers": []any{
			map[string]any{"ProviderType": "CodeStarSourceConnection", "GitConfiguration": map[string]any{"SourceActionName": "Src",
				"Push": []any{map[string]any{"FilePaths": map[string]any{"Includes": []any{"a/**"}}}}}},
			map[string]any{"ProviderType": "CodeStarSourceConnection", "GitConfiguration": map[string]any{"SourceActionName": "Src",
				"Push": []any{map[string]any{"Branches": map[string]any{"Includes": []any{"main"}}}}}},
		},
	}
	got := TriggerProblems(props)
	want := []string{
		"Triggers[0].Push[0]: file paths without branches",
		`source action "Src" has DetectChanges true beside a filtered trigger, which turns it off`,
		`Triggers[1]: a second trigger for source action "Src"`,
		`source action "Src" has DetectChanges true beside a filtered trigger, which turns it off`,
	}
	if len(got) != len(want) {
		t.Fatalf("got %q", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("problem %d = %q, want %q", i, got[i], want[i])
		}
	}
	// Without a trigger the action's own change detection starts it on its branch.
	props["Triggers"] = nil
	if s, _ := Starts(props, Push{Branch: "main", Files: []string{"x"}}); !s {
		t.Error("DetectChanges true did not start on main")
	}
	if s, _ := Starts(props, Push{Branch: "dev", Files: []string{"x"}}); s {
		t.Error("started on another branch")
	}
}
