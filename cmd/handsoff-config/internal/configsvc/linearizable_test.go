package configsvc

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/rand"
	"net/http"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/anishathalye/porcupine"

	"github.com/handsoff-cdk/handsoff/stages"
)

// The promise: the service loses no acknowledged change, and what it
// answers is what some one-at-a-time order of the requests would answer.
// TestLinearizable records a history of concurrent clients against the
// real service (two child processes on one SQLite file or PostgreSQL
// database, one killed with SIGKILL and started again in the middle) and checks it with porcupine
// against linModel, a sequential model of the API. A 500, or any answer the
// model does not know, fails the test at once.
//
// A fixed seed and a few seconds in CI; a longer search:
//
//	HANDSOFF_LIN_SECONDS=60 HANDSOFF_LIN_SEED=$RANDOM go test ./internal/configsvc -run TestLinearizable -v

// The objects the clients touch: test environments (in alpha) of
// acme/orders, two accounts they may be in, and two platform windows.
var (
	linEnvs     = []string{"lin-0", "lin-1", "lin-2", "lin-3"}
	linAccounts = []string{"777777777771", "777777777772"}
	linWindows  = []string{"lin-w0", "lin-w1"}
)

// linState is the model's state: for each environment the account it is
// in (index+1, 0 when absent), which accounts are registered, and each
// window's value (-1 when absent).
type linState struct {
	env  [4]int8
	reg  [2]bool
	wins [2]int8
}

// linInput is one request; linOutput its answer.
type linInput struct {
	op  string // add, remove, envs, deleteAccount, putAccount, putWindow, casWindow, windows
	i   int    // the environment, account or window
	acc int    // add: the account
	val int8   // putWindow, casWindow: the value
	exp int8   // casWindow: the value the client read (-1: none), whose ETag it names
}

type linOutput struct {
	result  string // ok, refused, absent, busy, unknown; for reads the value read
	unknown bool   // no answer (the service was killed, or the connection broke)
}

func linInit() linState {
	return linState{reg: [2]bool{true, true}, wins: [2]int8{-1, -1}}
}

// linStep is the sequential specification. A busy answer (503) changed
// nothing. An unknown answer may have taken effect or not: porcupine may
// place it at the end of the history (not taken effect), so the model
// applies it when it could.
func linStep(s linState, in linInput, out linOutput) (bool, linState) {
	switch in.op {
	case "envs":
		return out.unknown || out.result == s.envsString(), s
	case "windows":
		return out.unknown || out.result == s.windowsString(), s
	}
	if out.result == "busy" {
		return true, s
	}
	switch in.op {
	case "add":
		can := s.env[in.i] == 0 && s.reg[in.acc]
		if can {
			s.env[in.i] = int8(in.acc + 1)
		}
		return out.unknown || (can && out.result == "ok") || (!can && out.result == "refused"), s
	case "remove":
		had := s.env[in.i] != 0
		s.env[in.i] = 0
		return out.unknown || (had && out.result == "ok") || (!had && out.result == "absent"), s
	case "deleteAccount":
		inUse := false
		for _, a := range s.env {
			inUse = inUse || int(a) == in.i+1
		}
		switch {
		case !s.reg[in.i]:
			return out.unknown || out.result == "absent", s
		case inUse:
			return out.unknown || out.result == "refused", s
		}
		s.reg[in.i] = false
		return out.unknown || out.result == "ok", s
	case "putAccount":
		s.reg[in.i] = true
		return out.unknown || out.result == "ok", s
	case "putWindow":
		s.wins[in.i] = in.val
		return out.unknown || out.result == "ok", s
	case "casWindow":
		// A window's ETag is a hash of what is stored: it matches exactly
		// when the window holds the value the client read.
		if s.wins[in.i] != in.exp {
			return out.unknown || out.result == "stale", s
		}
		s.wins[in.i] = in.val
		return out.unknown || out.result == "ok", s
	}
	return false, s
}

func (s linState) String() string {
	return fmt.Sprintf("envs[%s] accounts%v windows[%s]", s.envsString(), s.reg, s.windowsString())
}

func (s linState) envsString() string {
	var parts []string
	for i, a := range s.env {
		if a != 0 {
			parts = append(parts, linEnvs[i]+"@"+linAccounts[a-1])
		}
	}
	return strings.Join(parts, ",")
}

func (s linState) windowsString() string {
	var parts []string
	for i, v := range s.wins {
		if v >= 0 {
			parts = append(parts, fmt.Sprintf("%s=%d", linWindows[i], v))
		}
	}
	return strings.Join(parts, ",")
}

// linModel is linStep with an unknown answer made explicit: such a request
// took effect, or did not (its interval may end before the history does,
// when the service that had it was killed).
var linModel = linNondet.ToModel()

var linNondet = porcupine.NondeterministicModel{
	// Windows are independent of environments and accounts.
	Partition: func(h []porcupine.Operation) [][]porcupine.Operation {
		var envs, wins []porcupine.Operation
		for _, op := range h {
			switch op.Input.(linInput).op {
			case "putWindow", "casWindow", "windows":
				wins = append(wins, op)
			default:
				envs = append(envs, op)
			}
		}
		return [][]porcupine.Operation{envs, wins}
	},
	Init: func() []any { return []any{linInit()} },
	Step: func(state, input, output any) []any {
		s, in, out := state.(linState), input.(linInput), output.(linOutput)
		ok, next := linStep(s, in, out)
		switch {
		case !ok:
			return nil
		case out.unknown && next != s:
			return []any{next, s}
		}
		return []any{next}
	},
	DescribeOperation: func(input, output any) string {
		in, out := input.(linInput), output.(linOutput)
		res := out.result
		if out.unknown {
			res = "unknown"
		}
		return fmt.Sprintf("%s(%d,%d,%d,%d) -> %q", in.op, in.i, in.acc, in.val, in.exp, res)
	},
	DescribeState: func(state any) string { return state.(linState).String() },
}

// TestLinModel: the model itself, on short histories with known answers.
func TestLinModel(t *testing.T) {
	op := func(client int, in linInput, call, ret int64, result string) porcupine.Operation {
		return porcupine.Operation{ClientId: client, Input: in, Call: call, Output: linOutput{result: result}, Return: ret}
	}
	cases := []struct {
		name    string
		history []porcupine.Operation
		want    porcupine.CheckResult
	}{
		{"an acknowledged add is read", []porcupine.Operation{
			op(0, linInput{op: "add", i: 0}, 0, 10, "ok"),
			op(1, linInput{op: "envs"}, 20, 30, "lin-0@777777777771"),
		}, porcupine.Ok},
		{"an acknowledged add is lost", []porcupine.Operation{
			op(0, linInput{op: "add", i: 0}, 0, 10, "ok"),
			op(1, linInput{op: "add", i: 1}, 0, 10, "ok"),
			op(1, linInput{op: "envs"}, 20, 30, "lin-0@777777777771"),
		}, porcupine.Illegal},
		{"an account removed under an environment added at once", []porcupine.Operation{
			op(0, linInput{op: "add", i: 0, acc: 1}, 0, 10, "ok"),
			op(1, linInput{op: "deleteAccount", i: 1}, 0, 10, "ok"),
		}, porcupine.Illegal},
		{"an unknown add that did not happen", []porcupine.Operation{
			{ClientId: 0, Input: linInput{op: "add", i: 0}, Call: 0, Output: linOutput{unknown: true}, Return: math.MaxInt64},
			op(1, linInput{op: "envs"}, 20, 30, ""),
		}, porcupine.Ok},
		{"an add cut off by a kill that did not happen", []porcupine.Operation{
			{ClientId: 0, Input: linInput{op: "add", i: 0}, Call: 0, Output: linOutput{unknown: true}, Return: 15},
			op(1, linInput{op: "envs"}, 20, 30, ""),
		}, porcupine.Ok},
		{"an add cut off by a kill that happened", []porcupine.Operation{
			{ClientId: 0, Input: linInput{op: "add", i: 0}, Call: 0, Output: linOutput{unknown: true}, Return: 15},
			op(1, linInput{op: "envs"}, 20, 30, "lin-0@777777777771"),
		}, porcupine.Ok},
		{"an add cut off by a kill that happened after the restart", []porcupine.Operation{
			{ClientId: 0, Input: linInput{op: "add", i: 0}, Call: 0, Output: linOutput{unknown: true}, Return: 15},
			op(1, linInput{op: "envs"}, 20, 30, ""),
			op(1, linInput{op: "envs"}, 40, 50, "lin-0@777777777771"),
		}, porcupine.Illegal},
		{"a write on the version read", []porcupine.Operation{
			op(0, linInput{op: "putWindow", i: 0, val: 3}, 0, 10, "ok"),
			op(1, linInput{op: "casWindow", i: 0, val: 4, exp: 3}, 20, 30, "ok"),
			op(0, linInput{op: "casWindow", i: 0, val: 5, exp: 3}, 40, 50, "stale"),
			op(1, linInput{op: "windows"}, 60, 70, "lin-w0=4"),
		}, porcupine.Ok},
		{"two writes on one version both acknowledged", []porcupine.Operation{
			op(0, linInput{op: "casWindow", i: 0, val: 4, exp: -1}, 20, 30, "ok"),
			op(1, linInput{op: "casWindow", i: 0, val: 5, exp: -1}, 20, 30, "ok"),
		}, porcupine.Illegal},
		{"a busy answer changed something", []porcupine.Operation{
			op(0, linInput{op: "putWindow", i: 0, val: 3}, 0, 10, "busy"),
			op(1, linInput{op: "windows"}, 20, 30, "lin-w0=3"),
		}, porcupine.Illegal},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := porcupine.CheckOperations(linModel, c.history); (got && c.want != porcupine.Ok) || (!got && c.want == porcupine.Ok) {
				t.Errorf("linearizable = %v, want %v", got, c.want)
			}
		})
	}
}

// linChildEnv names the database a child process serves (see TestMain).
const linChildEnv = "HANDSOFF_CONFIGSVC_SERVE_DSN"

// serveChild is the child process: the service on the database its
// environment names, on a loopback port it prints, until it is killed.
func serveChild(dsn string) {
	s, err := Open(context.Background(), dsn)
	if err != nil {
		fmt.Println("error", err)
		os.Exit(1)
	}
	srv := loopbackListener()
	fmt.Println("listening", srv.Addr().String())
	http.Serve(srv, (&Server{Store: s, Log: discardLog()}).Handler())
}

func TestLinearizable(t *testing.T) {
	if testing.Short() {
		t.Skip("-short")
	}
	seconds := 4
	if v, err := strconv.Atoi(os.Getenv("HANDSOFF_LIN_SECONDS")); err == nil && v > 0 && v <= 600 {
		seconds = v
	}
	seed := int64(21)
	if v, err := strconv.ParseInt(os.Getenv("HANDSOFF_LIN_SEED"), 10, 64); err == nil {
		seed = v
	}
	for _, db := range []string{"sqlite", "postgres"} {
		t.Run(db, func(t *testing.T) {
			var s *Store
			var dsn string
			if db == "sqlite" {
				dsn = t.TempDir() + "/config.db"
				var err error
				if s, err = Open(ctx, dsn); err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { s.Close() })
			} else {
				s, dsn = newPostgresDSN(t)
			}
			seeded(t, s)
			for _, a := range linAccounts {
				if _, err := s.PutAccount(ctx, "test", Account{ID: a, Name: "lin " + a}, Cond{}); err != nil {
					t.Fatal(err)
				}
			}
			_, admin, err := s.CreateToken(ctx, "test", RoleAdmin, "", "lin")
			if err != nil {
				t.Fatal(err)
			}
			h := runLinClients(t, dsn, admin, time.Duration(seconds)*time.Second, seed)
			res, info := porcupine.CheckOperationsVerbose(linModel, h, time.Minute+time.Duration(seconds)*10*time.Second)
			t.Logf("%d operations, seed %d: %s", len(h), seed, res)
			if res != porcupine.Ok {
				path := t.TempDir() + "/history.html"
				if dir := os.Getenv("HANDSOFF_LIN_OUT"); dir != "" {
					path = dir + "/history-" + db + ".html"
				}
				porcupine.VisualizePath(linModel, info, path)
				t.Log(linExplain(info, h))
				t.Errorf("the history is not linearizable (%s); porcupine's picture of it: %s", res, path)
			}
		})
	}
}

// runLinClients runs eight clients against two instances of the service
// on the same database (each request goes to either), kills the first
// with SIGKILL halfway and starts it again, and returns the history.
func runLinClients(t *testing.T, dsn, token string, d time.Duration, seed int64) []porcupine.Operation {
	t.Helper()
	var base [2]atomic.Value
	var child [2]*exec.Cmd
	start := func(i int) {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), linChildEnv+"="+dsn)
		out, _ := cmd.StdoutPipe()
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		line, _ := bufio.NewReader(out).ReadString('\n')
		addr, ok := strings.CutPrefix(strings.TrimSpace(line), "listening ")
		if !ok {
			cmd.Process.Kill()
			t.Fatalf("the child service did not start: %q", line)
		}
		base[i].Store("http://" + addr)
		child[i] = cmd
	}
	start(0)
	start(1)
	t.Cleanup(func() {
		for _, c := range child {
			c.Process.Kill()
			c.Wait()
		}
	})

	epoch := time.Now()
	clock := func() int64 { return int64(time.Since(epoch)) }
	var (
		mu      sync.Mutex
		history []porcupine.Operation
		// up is held for reading by every request, for writing while the
		// child is killed and started again: requests in flight at the
		// kill have unknown outcomes, and none start while it is down.
		up sync.RWMutex
	)
	client := &http.Client{Timeout: 30 * time.Second}
	deadline := epoch.Add(d)
	var wg sync.WaitGroup
	for c := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewSource(seed*100 + int64(c)))
			for time.Now().Before(deadline) {
				in := randomLinInput(rng)
				up.RLock()
				call := clock()
				out, problem := linDo(client, base[rng.Intn(2)].Load().(string), token, &in)
				ret := clock()
				up.RUnlock()
				if problem != "" {
					t.Errorf("client %d: %s", c, problem)
					return
				}
				if out.unknown {
					ret = math.MaxInt64
				}
				mu.Lock()
				history = append(history, porcupine.Operation{ClientId: c, Input: in, Call: call, Output: out, Return: ret})
				mu.Unlock()
				time.Sleep(time.Duration(rng.Intn(3000)) * time.Microsecond)
			}
		}()
	}
	// Kill the service in the middle, while requests are in flight, and
	// start it again on the same database.
	time.Sleep(d/2 + time.Duration(rand.New(rand.NewSource(seed)).Int63n(int64(d/4))))
	child[0].Process.Kill()
	up.Lock()
	child[0].Wait()
	restarted := clock()
	start(0)
	up.Unlock()
	wg.Wait()
	// A request the kill cut off took effect before the child died, or
	// never: its interval ends when the next child starts.
	for i, op := range history {
		if op.Output.(linOutput).unknown && op.Call < restarted {
			history[i].Return = restarted
		}
	}
	return history
}

func randomLinInput(rng *rand.Rand) linInput {
	switch n := rng.Intn(100); {
	case n < 30:
		return linInput{op: "add", i: rng.Intn(len(linEnvs)), acc: rng.Intn(len(linAccounts))}
	case n < 50:
		return linInput{op: "remove", i: rng.Intn(len(linEnvs))}
	case n < 65:
		return linInput{op: "envs"}
	case n < 72:
		return linInput{op: "deleteAccount", i: rng.Intn(len(linAccounts))}
	case n < 78:
		return linInput{op: "putAccount", i: rng.Intn(len(linAccounts))}
	case n < 84:
		return linInput{op: "putWindow", i: rng.Intn(len(linWindows)), val: int8(rng.Intn(10))}
	case n < 90:
		return linInput{op: "casWindow", i: rng.Intn(len(linWindows)), val: int8(rng.Intn(10))}
	default:
		return linInput{op: "windows"}
	}
}

// linDo sends one request and reads its answer in the model's terms; a
// problem is an answer the API must never give (a 500, an unknown status).
func linDo(client *http.Client, base, token string, in *linInput) (linOutput, string) {
	const svc = "/v1/services/acme/orders"
	var method, path string
	var body any
	var header [2]string
	switch in.op {
	case "add":
		method, path = "POST", svc+"/environments"
		body = map[string]string{"stage": "alpha", "name": linEnvs[in.i], "account": linAccounts[in.acc], "region": "us-east-1"}
	case "remove":
		method, path = "DELETE", svc+"/environments/"+linEnvs[in.i]
	case "envs":
		method, path = "GET", svc
	case "deleteAccount":
		method, path = "DELETE", "/v1/admin/accounts/"+linAccounts[in.i]
	case "putAccount":
		method, path = "PUT", "/v1/admin/accounts/"+linAccounts[in.i]
		body = Account{ID: linAccounts[in.i], Name: "lin " + linAccounts[in.i]}
	case "putWindow":
		method, path = "PUT", "/v1/admin/windows/"+linWindows[in.i]
		body = linWindow(in.i, in.val)
	case "casWindow":
		// Read the window, then write it back changed, naming the
		// version read (or that there was none); the read is not part of
		// the history, its value is the write's input.
		method, path = "PUT", "/v1/admin/windows/"+linWindows[in.i]
		body = linWindow(in.i, in.val)
		req, _ := http.NewRequest("GET", base+path, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := client.Do(req)
		if err != nil {
			return linOutput{unknown: true}, "" // nothing was sent that could change anything
		}
		raw, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		switch resp.StatusCode {
		case http.StatusNotFound:
			in.exp, header = -1, [2]string{"If-None-Match", "*"}
		case http.StatusOK:
			in.exp, header = int8(linWindowsValue(raw)), [2]string{"If-Match", resp.Header.Get("ETag")}
		default:
			return linOutput{}, fmt.Sprintf("GET %s answered %d: %s", path, resp.StatusCode, raw)
		}
	case "windows":
		method, path = "GET", "/v1/admin/calendar"
	}
	var rd io.Reader
	if body != nil {
		raw, _ := json.Marshal(body)
		rd = bytes.NewReader(raw)
	}
	req, _ := http.NewRequest(method, base+path, rd)
	req.Header.Set("Authorization", "Bearer "+token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if header[0] != "" {
		req.Header.Set(header[0], header[1])
	}
	resp, err := client.Do(req)
	if err != nil {
		return linOutput{unknown: true}, ""
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return linOutput{unknown: true}, ""
	}
	status := resp.StatusCode
	switch {
	case status == http.StatusServiceUnavailable && resp.Header.Get("Retry-After") != "" && strings.Contains(string(raw), "nothing was changed"):
		return linOutput{result: "busy"}, ""
	case status == http.StatusServiceUnavailable && resp.Header.Get("Retry-After") != "":
		return linOutput{unknown: true}, "" // the database did not answer: the change may or may not be in
	case status >= 200 && status < 300 && in.op == "envs":
		return linOutput{result: linEnvsOf(raw)}, ""
	case status >= 200 && status < 300 && in.op == "windows":
		return linOutput{result: linWindowsOf(raw)}, ""
	case status >= 200 && status < 300:
		return linOutput{result: "ok"}, ""
	case status == http.StatusNotFound && (in.op == "remove" || in.op == "deleteAccount"):
		return linOutput{result: "absent"}, ""
	case status == http.StatusUnprocessableEntity && (in.op == "add" || in.op == "deleteAccount"):
		return linOutput{result: "refused"}, ""
	case status == http.StatusPreconditionFailed && in.op == "casWindow":
		return linOutput{result: "stale"}, ""
	}
	return linOutput{}, fmt.Sprintf("%s %s answered %d: %s", method, path, status, raw)
}

// linWindow is the platform window i holding v.
func linWindow(i int, v int8) Window {
	return Window{Name: linWindows[i], Timezone: "UTC", Days: []string{"SAT"}, Start: fmt.Sprintf("%02d:00", v), End: "23:00", AppliesTo: []string{"prod"}}
}

func linEnvsOf(raw []byte) string {
	var d stages.Document
	json.Unmarshal(raw, &d)
	var parts []string
	for _, st := range d.Stages {
		for _, e := range st.Environments {
			if slices.Contains(linEnvs, e.Name) {
				parts = append(parts, e.Name+"@"+e.Account)
			}
		}
	}
	slices.Sort(parts)
	return strings.Join(parts, ",")
}

// linWindowsValue is the value of one window as GET serves it.
func linWindowsValue(raw []byte) int {
	var w Window
	json.Unmarshal(raw, &w)
	v, _ := strconv.Atoi(strings.TrimSuffix(w.Start, ":00"))
	return v
}

func linWindowsOf(raw []byte) string {
	var c struct {
		FreezeWindows []Window `json:"freezeWindows"`
	}
	json.Unmarshal(raw, &c)
	var parts []string
	for _, w := range c.FreezeWindows {
		if slices.Contains(linWindows, w.Name) {
			v, _ := strconv.Atoi(strings.TrimSuffix(w.Start, ":00"))
			parts = append(parts, fmt.Sprintf("%s=%d", w.Name, v))
		}
	}
	slices.Sort(parts)
	return strings.Join(parts, ",")
}

// linExplain describes where the history stops being linearizable: the
// end of the longest order porcupine found, and the state it reached.
func linExplain(info porcupine.LinearizationInfo, h []porcupine.Operation) string {
	var b strings.Builder
	for p, lins := range info.PartialLinearizationsOperations() {
		longest := []porcupine.Operation{}
		for _, l := range lins {
			if len(l) > len(longest) {
				longest = l
			}
		}
		state := linInit()
		for _, op := range longest {
			_, state = linStep(state, op.Input.(linInput), op.Output.(linOutput))
		}
		fmt.Fprintf(&b, "partition %d: %d operations in order, ending in state %s; its last ones:\n", p, len(longest), state)
		for _, op := range longest[max(0, len(longest)-6):] {
			fmt.Fprintf(&b, "  client %d [%d, %d] %s\n", op.ClientId, op.Call, op.Return, linModel.DescribeOperation(op.Input, op.Output))
		}
		in := map[porcupine.Operation]bool{}
		for _, op := range longest {
			in[op] = true
		}
		var next []porcupine.Operation
		for _, op := range linModel.Partition(h)[p] {
			if !in[op] {
				next = append(next, op)
			}
		}
		slices.SortFunc(next, func(a, b porcupine.Operation) int { return int(a.Call - b.Call) })
		b.WriteString("  and the first ones that do not fit after them:\n")
		for _, op := range next[:min(8, len(next))] {
			fmt.Fprintf(&b, "  client %d [%d, %d] %s\n", op.ClientId, op.Call, op.Return, linModel.DescribeOperation(op.Input, op.Output))
		}
	}
	return b.String()
}

// TestParallelWriters: bursts of writers released at once, the shapes
// that lost acknowledged changes or answered 500 before changes were
// serializable: every writer gets an answer the API documents, and every
// acknowledged change is there afterwards.
func TestParallelWriters(t *testing.T) {
	forEachStore(t, func(t *testing.T, st *Store) {
		s := newService(t, st)
		const doc = "/v1/services/acme/orders"
		burst := func(n int, req func(i int) (method, path, body string)) []int {
			codes := make([]int, n)
			var wg sync.WaitGroup
			gate := make(chan struct{})
			for i := range n {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-gate
					method, path, body := req(i)
					code, h, raw := s.do(t, method, path, s.admin, body)
					if code == http.StatusServiceUnavailable && h.Get("Retry-After") == "" || code >= 500 && code != http.StatusServiceUnavailable {
						t.Errorf("%s %s: %d without Retry-After: %s", method, path, code, raw)
					}
					codes[i] = code
				}()
			}
			close(gate)
			wg.Wait()
			count := map[int]int{}
			for _, c := range codes {
				count[c]++
			}
			t.Logf("%d writers: %v", n, count)
			return codes
		}
		envs := func() string {
			_, _, body := s.do(t, "GET", doc, s.admin, "")
			return body
		}
		codes := burst(14, func(i int) (string, string, string) {
			return "POST", doc + "/environments", fmt.Sprintf(`{"stage": "beta", "name": "par-%d", "account": "222222222222", "region": "eu-west-1"}`, i)
		})
		for i, code := range codes {
			if has := strings.Contains(envs(), fmt.Sprintf(`"par-%d"`, i)); (code == 201) != has {
				t.Errorf("add par-%d answered %d, and it is there: %v", i, code, has)
			}
		}
		codes = burst(14, func(i int) (string, string, string) {
			return "DELETE", fmt.Sprintf("%s/environments/par-%d", doc, i), ""
		})
		for i, code := range codes {
			if has := strings.Contains(envs(), fmt.Sprintf(`"par-%d"`, i)); (code == 204) == has {
				t.Errorf("remove par-%d answered %d, and it is there: %v", i, code, has)
			}
		}
		codes = burst(50, func(i int) (string, string, string) {
			return "PUT", fmt.Sprintf("/v1/admin/windows/par-%d", i), `{"timezone": "UTC", "days": ["SUN"], "start": "01:00", "end": "02:00", "appliesTo": ["prod"]}`
		})
		_, _, cal := s.do(t, "GET", "/v1/admin/calendar", s.admin, "")
		for i, code := range codes {
			if has := strings.Contains(cal, fmt.Sprintf(`"par-%d"`, i)); (code == 200) != has {
				t.Errorf("window par-%d answered %d, and it is there: %v", i, code, has)
			}
		}
	})
}

// TestBusyIsA503: a change that does not get its turn in time is answered
// 503 with Retry-After, and changes nothing.
func TestBusyIsA503(t *testing.T) {
	forEachStore(t, func(t *testing.T, st *Store) {
		s := newService(t, st)
		defer func(w time.Duration) { writeWait = w }(writeWait)
		writeWait = 20 * time.Millisecond
		st.writer <- struct{}{} // another change holds the turn
		code, h, body := s.do(t, "PUT", "/v1/admin/windows/busy", s.admin, `{"timezone": "UTC", "days": ["SUN"], "start": "01:00", "end": "02:00", "appliesTo": ["prod"]}`)
		<-st.writer
		if code != http.StatusServiceUnavailable || h.Get("Retry-After") != "1" || !strings.Contains(body, "nothing was changed") {
			t.Errorf("%d %v: %s", code, h, body)
		}
		if _, _, cal := s.do(t, "GET", "/v1/admin/calendar", s.admin, ""); strings.Contains(cal, `"busy"`) {
			t.Error("the refused change is there")
		}
	})
}
