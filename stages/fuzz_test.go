package stages

import (
	"strings"

	"github.com/google/go-cmp/cmp"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// FuzzParse feeds arbitrary bytes to Parse. It must never panic, and what it
// accepts must keep the rules every later package relies on.
func FuzzParse(f *testing.F) {
	f.Add(ExampleDocument())
	f.Add([]byte(`{}`))
	f.Add([]byte(`{"apiVersion":"handsoff/v1","stages":[{"name":"prod","environments":[{"name":"p","account":"111111111111","region":"us-east-1","onebox":true}]}]}`))
	if files, _ := filepath.Glob(filepath.Join(sharedDir, "*.json")); len(files) > 0 {
		for _, file := range files {
			if data, err := os.ReadFile(file); err == nil {
				f.Add(data)
			}
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := Parse(data, "fuzz")
		if err != nil {
			if _, ok := err.(*ValidationError); !ok {
				t.Fatalf("error is %T, not *ValidationError: %v", err, err)
			}
			return
		}
		seen := map[string]bool{}
		last := -1
		for _, s := range cfg.Stages {
			rank := slices.Index(StageOrder, s.Name)
			if rank <= last {
				t.Fatalf("stage %q out of order", s.Name)
			}
			last = rank
			for _, w := range s.Waves {
				if len(w.Environments) == 0 {
					t.Fatalf("empty wave %s/%s", s.Name, w.Name)
				}
				for _, e := range w.Environments {
					if seen[e.Name] || !reAccount.MatchString(e.Account) || !IsRegion(e.Region) {
						t.Fatalf("bad environment %+v", e)
					}
					seen[e.Name] = true
				}
			}
		}
		if _, ok := cfg.Stage(Gamma); !ok {
			t.Fatal("no gamma")
		}
	})
}

// FuzzLockRoundTrip: a lock that WriteLock wrote for a valid document reads
// back through ReadLock, unchanged in meaning, whatever the document holds
// (HTML characters, line separators, escapes, odd spacing).
func FuzzLockRoundTrip(f *testing.F) {
	f.Add(ExampleDocument())
	doc := strings.Replace(string(ExampleDocument()), `"owner": "`, `"owner": "<team & co> \u2028 \u003e `, 1)
	f.Add([]byte(doc))
	f.Add([]byte(strings.ReplaceAll(string(ExampleDocument()), "\n", "\r\n\t ")))
	f.Fuzz(func(t *testing.T, data []byte) {
		want, err := Parse(data, "fuzz")
		if err != nil {
			return
		}
		path := filepath.Join(t.TempDir(), LockFile)
		if err := WriteLock(path, Lock{Repo: want.Service.Repo, URL: "https://config.example/v1/services/" + want.Service.Repo, Document: data}); err != nil {
			t.Fatalf("WriteLock: %v", err)
		}
		lock, err := ReadLock(path)
		if err != nil {
			t.Fatalf("ReadLock of a lock WriteLock wrote: %v", err)
		}
		got, err := Parse(lock.Document, "fuzz")
		if err != nil {
			t.Fatalf("the pinned document no longer parses: %v", err)
		}
		if diff := cmp.Diff(want.Document, got.Document); diff != "" {
			t.Fatalf("the pinned document means something else (-want +got):\n%s", diff)
		}
	})
}
