package stages

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// FuzzParse feeds arbitrary bytes to Parse. It must never panic, and what it
// accepts must keep the rules every later package relies on.
func FuzzParse(f *testing.F) {
	f.Add(ExampleDocument())
	f.Add([]byte(`{}`))
	f.Add([]byte(`{"apiVersion":"handsoff/v1","stages":[{"name":"prod","environments":[{"name":"p","account":"111111111111","region":"us-east-1","onebox":true}]}]}`))
	// Shapes of issue 24: nesting, many values, keys in another case,
	// duplicates after a wrong type, names equal but for case, another
	// partition, credentials in URLs.
	f.Add([]byte(`{"service":{"tags":` + strings.Repeat("[", 70) + strings.Repeat("]", 70) + `}}`))
	f.Add([]byte(`{"stages":[` + strings.TrimSuffix(strings.Repeat("{},", 300), ",") + `]}`))
	ex := string(ExampleDocument())
	f.Add([]byte(strings.Replace(ex, `"name": "beta",`, `"name": "beta", "NAME": "zz",`, 1)))
	f.Add([]byte(strings.Replace(ex, `"name": "gamma",`, `"name": "gamma", "bake": 30, "bake": "30m",`, 1)))
	f.Add([]byte(strings.Replace(ex, `{ "name": "beta", "account"`, `{ "name": "ALPHA", "account"`, 1)))
	f.Add([]byte(strings.Replace(ex, `"region": "us-west-2"`, `"region": "cn-north-1"`, 1)))
	f.Add([]byte(strings.Replace(ex, `"region": "us-east-1",`, `"region": "us-east-1", "statusUrl": "https://u:p@x.example.com/?token=t", "statusTokenSecretArn": "arn:aws:secretsmanager:us-east-1:111111111111:secret:t",`, 1)))
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
		lower := map[string]bool{}
		for _, e := range cfg.Environments() {
			if lower[strings.ToLower(e.Name)] {
				t.Fatalf("environment names equal but for case: %s", e.Name)
			}
			lower[strings.ToLower(e.Name)] = true
			if Partition(e.Region) != Partition(cfg.Pipeline.Region) {
				t.Fatalf("environment %s in %s under a pipeline in %s", e.Name, e.Region, cfg.Pipeline.Region)
			}
		}
		for _, u := range []string{cfg.Pipeline.StatusURL, cfg.Access.SSOStartURL} {
			if credentialsIn(u) != "" {
				t.Fatalf("a URL with credentials accepted: %s", u)
			}
		}
		for _, c := range cfg.Checks {
			if credentialsIn(sample(c.URL)) != "" {
				t.Fatalf("a check URL with credentials accepted: %s", c.URL)
			}
		}
		last := -1
		for _, s := range cfg.Stages {
			rank := slices.Index(stageOrder, s.Name)
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

// modelDocument builds a document from a few numbers: which optional
// stages there are, how many prod environments (plain, for handsoff to plan,
// or in explicit waves), bakes, windows and checks. Most documents it builds
// are valid, so the fuzzer explores planning rather than parse errors.
func modelDocument(stageMask uint8, envs uint16, waves uint8, bakeMinutes uint16, windows uint8, checks uint8) map[string]any {
	regionList := []string{"us-east-1", "eu-west-1", "ap-southeast-1", "ap-east-1", "us-west-2", "eu-central-1", "sa-east-1", "ca-central-1"}
	env := func(name string, i int, onebox bool) map[string]any {
		e := map[string]any{"name": name, "account": fmt.Sprintf("%012d", 100000000000+i%50), "region": regionList[i%len(regionList)]}
		if onebox {
			e["onebox"] = true
		}
		return e
	}
	checkDefs := map[string]any{}
	checkNames := []any{}
	for i := 0; i < int(checks%6); i++ {
		name := fmt.Sprintf("check-%d", i)
		switch i % 3 {
		case 0:
			checkDefs[name] = map[string]any{"type": "http", "url": "https://{env}.example.com/health", "retries": i % 4}
		case 1:
			checkDefs[name] = map[string]any{"type": "codebuild", "commands": []any{"make test"}, "timeout": fmt.Sprintf("%dm", 5+i)}
		default:
			checkDefs[name] = map[string]any{"type": "lambda", "functionArn": "arn:aws:lambda:{region}:{account}:function:c"}
		}
		checkNames = append(checkNames, name)
	}
	var stageList []any
	for i, name := range []string{Alpha, Beta} {
		if stageMask&(1<<i) != 0 {
			stageList = append(stageList, map[string]any{"name": name, "checks": checkNames, "environments": []any{env(name, i, false)}})
		}
	}
	stageList = append(stageList, map[string]any{"name": Gamma, "checks": checkNames, "approval": stageMask&4 != 0, "environments": []any{env("gamma", 2, false)}})
	n := int(envs%700) + 1
	prod := map[string]any{"name": Prod, "checks": checkNames, "approval": stageMask&8 != 0}
	if b := int(bakeMinutes % 1500); b > 0 {
		prod["bake"] = fmt.Sprintf("%dm", b)
	}
	if waves == 0 {
		var list []any
		for i := 0; i < n; i++ {
			list = append(list, env(fmt.Sprintf("prod-%d", i), i+3, i == 0 && stageMask&16 != 0))
		}
		prod["environments"] = list
	} else {
		per := max(1, n/int(waves))
		var ws []any
		for i := 0; i < n; i += per {
			var list []any
			for j := i; j < min(i+per, n); j++ {
				list = append(list, env(fmt.Sprintf("prod-%d", j), j+3, false))
			}
			ws = append(ws, map[string]any{"name": fmt.Sprintf("wave-%d", len(ws)+1), "environments": list})
		}
		prod["waves"] = ws
	}
	stageList = append(stageList, prod)
	var win []any
	for i := 0; i < int(windows%5); i++ {
		win = append(win, map[string]any{"name": fmt.Sprintf("w%d", i), "timezone": []string{"UTC", "Asia/Hong_Kong", "America/New_York"}[i%3],
			"days": []any{"MON", "FRI"}, "start": fmt.Sprintf("%02d:00", (i*7)%24), "end": fmt.Sprintf("%02d:30", (i*7+3)%24), "appliesTo": []any{Prod}})
	}
	doc := map[string]any{
		"apiVersion": APIVersion,
		"service":    map[string]any{"repo": "acme/orders", "name": "orders", "owner": "team-orders"},
		"pipeline": map[string]any{"account": "111111111111", "region": "us-east-1", "branch": "main",
			"connectionArn": "arn:aws:codeconnections:us-east-1:111111111111:connection/0d7b0d4e-1111-2222-3333-444455556666"},
		"checks": checkDefs, "stages": stageList,
	}
	if len(win) > 0 {
		doc["freezeWindows"] = win
	}
	return doc
}

// FuzzModel builds documents from the model (many stages, waves,
// environments, windows, checks) and runs them through Parse and Plan with
// several capacities: no document may panic, and every refusal is a
// ValidationError. The seeds include the few hundred baked prod
// environments that once overflowed the wave sizing.
func FuzzModel(f *testing.F) {
	f.Add(uint8(0), uint16(7), uint8(0), uint16(60), uint8(1), uint8(2), uint8(0))
	f.Add(uint8(31), uint16(400), uint8(0), uint16(720), uint8(4), uint8(5), uint8(3))
	f.Add(uint8(15), uint16(699), uint8(0), uint16(1440), uint8(2), uint8(1), uint8(9))
	f.Add(uint8(3), uint16(120), uint8(7), uint16(0), uint8(0), uint8(0), uint8(1))
	f.Add(uint8(8), uint16(60), uint8(60), uint16(30), uint8(3), uint8(4), uint8(200))
	f.Fuzz(func(t *testing.T, stageMask uint8, envs uint16, waves uint8, bake uint16, windows uint8, checks uint8, deploy uint8) {
		raw, err := json.Marshal(modelDocument(stageMask, envs, waves, bake, windows, checks))
		if err != nil {
			t.Fatal(err)
		}
		capacity := Capacity{DeployActionsPerEnvironment: int(deploy % 12)}
		cfg, err := ParseWith(raw, "model", capacity)
		if err != nil {
			if _, ok := err.(*ValidationError); !ok {
				t.Fatalf("error is %T, not *ValidationError: %v", err, err)
			}
			return
		}
		for _, c := range []Capacity{{}, {DeployActionsPerEnvironment: 1}, {DeployActionsPerEnvironment: 40, FixedStages: 45}} {
			if err := cfg.Plan(c); err != nil {
				if _, ok := err.(*ValidationError); !ok {
					t.Fatalf("Plan: error is %T, not *ValidationError: %v", err, err)
				}
			}
		}
	})
}

// TestModelDocumentsParse: the model builds valid documents, so that
// FuzzModel explores planning, not only refusals.
func TestModelDocumentsParse(t *testing.T) {
	for _, args := range [][6]int{{0, 7, 0, 60, 1, 2}, {31, 90, 0, 720, 4, 5}, {3, 120, 7, 0, 0, 0}} {
		raw, _ := json.Marshal(modelDocument(uint8(args[0]), uint16(args[1]), uint8(args[2]), uint16(args[3]), uint8(args[4]), uint8(args[5])))
		if _, err := Parse(raw, "model"); err != nil {
			t.Errorf("%v: %v", args, err)
		}
	}
}

// FuzzReadLock feeds arbitrary bytes to ReadLock: it never panics, and a
// lock it accepts names each of its keys once, exactly as the Lock type
// spells it, and verifies under its digest.
func FuzzReadLock(f *testing.F) {
	good, err := lockBytes(Lock{Repo: "acme/orders", URL: "https://config.example.com/v1/services/acme/orders", Document: ExampleDocument()})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Add([]byte(strings.Replace(string(good), `"document": `, `"document": {}, "document": `, 1)))
	f.Add([]byte(strings.Replace(string(good), `"repo":`, `"REPO":`, 1)))
	f.Add([]byte(strings.Replace(string(good), `"version": 2`, `"version": 1`, 1)))
	f.Add([]byte(`{"version":2,` + strings.Repeat("[", 100)))
	f.Fuzz(func(t *testing.T, data []byte) {
		lock, err := parseLock(data, LockFile)
		if err != nil {
			return
		}
		dec := json.NewDecoder(strings.NewReader(string(data)))
		dec.Token() // {
		keys := map[string]int{}
		for dec.More() {
			k, err := dec.Token()
			if err != nil {
				t.Fatalf("an accepted lock does not read: %v", err)
			}
			keys[fmt.Sprint(k)]++
			var skip json.RawMessage
			dec.Decode(&skip)
		}
		for k, n := range keys {
			if n != 1 || !slices.Contains([]string{"version", "repo", "url", "fetchedAt", "sha256", "document"}, k) {
				t.Fatalf("an accepted lock has the key %q %d times", k, n)
			}
		}
		if lock.Version == lockVersion && lock.digest() != lock.SHA256 {
			t.Fatal("an accepted lock does not verify")
		}
	})
}
