package testenv

import (
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"testing"

	"github.com/awslabs/goformation/v7"
)

// StrictDecode decodes every resource of each template with goformation,
// which refuses unknown (misspelled) properties, and returns one line per
// resource it refuses. prepare may check and remove properties that
// goformation's resource specification (from 2024) does not know yet.
func StrictDecode(t testing.TB, templates map[string]string, prepare func(typ string, props map[string]any) []string) []string {
	t.Helper()
	var problems []string
	names := make([]string, 0, len(templates))
	for n := range templates {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, name := range names {
		data, err := os.ReadFile(templates[name])
		if err != nil {
			t.Fatal(err)
		}
		var tmpl struct{ Resources map[string]map[string]any }
		if err := json.Unmarshal(data, &tmpl); err != nil {
			t.Fatal(err)
		}
		for id, r := range tmpl.Resources {
			typ, _ := r["Type"].(string)
			if props, ok := r["Properties"].(map[string]any); ok && prepare != nil {
				for _, p := range prepare(typ, props) {
					problems = append(problems, fmt.Sprintf("%s %s: %s", name, id, p))
				}
			}
			one, _ := json.Marshal(map[string]any{"Resources": map[string]any{id: r}})
			if _, err := goformation.ParseJSON(one); err != nil {
				problems = append(problems, fmt.Sprintf("%s %s (%s): %v", name, id, typ, err))
			}
		}
	}
	return problems
}
