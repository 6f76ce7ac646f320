package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

func runCmd(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), args, &out, &errb, nil)
	return out.String(), errb.String(), code
}

// TestServeSeedsAndStops: the service starts on an empty database seeded
// with the example, prints the first admin token once, serves the example
// document, and shuts down gracefully.
func TestServeSeedsAndStops(t *testing.T) {
	db := filepath.Join(t.TempDir(), "config.db")
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	var stderr bytes.Buffer
	done := make(chan int, 1)
	go func() { done <- run(ctx, []string{"--db", db, "--addr", "127.0.0.1:0"}, io.Discard, &stderr, ready) }()
	var addr string
	select {
	case addr = <-ready:
	case code := <-done:
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	token := ""
	for _, f := range strings.Fields(stderr.String()) {
		if strings.HasPrefix(f, "hso_") {
			token = f
		}
	}
	req, _ := http.NewRequest("GET", "http://"+addr+"/v1/services/acme/orders", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("GET: %v %v", err, resp)
	}
	resp.Body.Close()
	cancel()
	if code := <-done; code != 0 {
		t.Errorf("shutdown: exit %d: %s", code, stderr.String())
	}
	// A second start prints no new admin token.
	ctx2, cancel2 := context.WithCancel(context.Background())
	stderr.Reset()
	go func() { done <- run(ctx2, []string{"--db", db, "--addr", "127.0.0.1:0"}, io.Discard, &stderr, ready) }()
	<-ready
	cancel2()
	<-done
	if strings.Contains(stderr.String(), "hso_") {
		t.Error("a second start printed another admin token")
	}
}

// TestTokenCommands: create, list and revoke; misuse is exit 2.
func TestTokenCommands(t *testing.T) {
	db := filepath.Join(t.TempDir(), "config.db")
	secret, errs, code := runCmd(t, "token", "create", "--db", db, "--role", "team", "--repo", "acme/orders", "--name", "orders developers")
	if code != 0 || !strings.HasPrefix(secret, "hso_") || !strings.Contains(errs, "created token") {
		t.Fatalf("create: %d %q %q", code, secret, errs)
	}
	list, _, _ := runCmd(t, "token", "list", "--db", db)
	id := strings.Fields(list)[0]
	if !strings.Contains(list, "team") || !strings.Contains(list, "acme/orders") || !strings.Contains(list, "live") || strings.Contains(list, "hso_") {
		t.Errorf("list: %s", list)
	}
	if out, _, code := runCmd(t, "token", "revoke", "--db", db, id); code != 0 || !strings.Contains(out, "revoked "+id) {
		t.Errorf("revoke: %d %s", code, out)
	}
	if _, _, code := runCmd(t, "token", "revoke", "--db", db, id); code != 1 {
		t.Errorf("a second revoke: exit %d", code)
	}
	for _, args := range [][]string{
		{"token", "create", "--db", db, "--role", "root", "--name", "x"},
		{"token", "create", "--db", db, "--role", "team", "--name", "x"},
		{"token", "create", "--db", db, "--role", "team", "--repo", "acme/..", "--name", "x"},
		{"token", "create", "--db", db, "--role", "admin"},
		{"token"}, {"token", "burn"}, {"frobnicate"}, {"serve", "--nope"}, {"backup", "--db", db},
	} {
		if _, _, code := runCmd(t, args...); code != 2 {
			t.Errorf("%v: exit %d, want 2", args, code)
		}
	}
}

// TestKillDuringWritesLosesNothing: the service is killed (SIGKILL) while
// clients add test environments; after a restart every change it
// acknowledged is there.
func TestKillDuringWritesLosesNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and kills the service")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "handsoff-config")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	db := filepath.Join(dir, "config.db")
	tok, err := exec.Command(bin, "token", "create", "--db", db, "--role", "team", "--repo", "acme/orders", "--name", "writer").Output()
	if err != nil {
		t.Fatal(err)
	}
	token := strings.TrimSpace(string(tok))
	start := func() (*exec.Cmd, string) {
		l, _ := net.Listen("tcp", "127.0.0.1:0")
		addr := l.Addr().String()
		l.Close()
		cmd := exec.Command(bin, "--db", db, "--addr", addr)
		cmd.Stderr = io.Discard
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 100; i++ {
			if resp, err := http.Get("http://" + addr + "/readyz"); err == nil {
				resp.Body.Close()
				return cmd, addr
			}
			time.Sleep(50 * time.Millisecond)
		}
		t.Fatal("the service did not start")
		return nil, ""
	}
	cmd, addr := start()
	client := &http.Client{Timeout: 5 * time.Second}
	var mu sync.Mutex
	var acked []string
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < 200; i++ {
				select {
				case <-stop:
					return
				default:
				}
				name := fmt.Sprintf("alpha-w%d-%d", w, i)
				body := fmt.Sprintf(`{"stage": "alpha", "name": %q, "account": "222222222222", "region": "us-east-1"}`, name)
				req, _ := http.NewRequest("POST", "http://"+addr+"/v1/services/acme/orders/environments", strings.NewReader(body))
				req.Header.Set("Authorization", "Bearer "+token)
				req.Header.Set("Content-Type", "application/json")
				resp, err := client.Do(req)
				if err != nil {
					return // the service is gone
				}
				resp.Body.Close()
				if resp.StatusCode == http.StatusCreated {
					mu.Lock()
					acked = append(acked, name)
					mu.Unlock()
				}
			}
		}(w)
	}
	// Kill it in the middle of the writes (alpha holds about 15
	// environments before CodePipeline's 50 actions a stage refuse more).
	deadline := time.Now().Add(30 * time.Second)
	for {
		mu.Lock()
		n := len(acked)
		mu.Unlock()
		if n >= 6 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("only %d writes were acknowledged in 30 s", n)
		}
		time.Sleep(2 * time.Millisecond)
	}
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	close(stop)
	wg.Wait()
	cmd, addr = start()
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	req, _ := http.NewRequest("GET", "http://"+addr+"/v1/services/acme/orders", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	doc, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	lost := 0
	for _, name := range acked {
		if !strings.Contains(string(doc), `"name": "`+name+`"`) {
			lost++
		}
	}
	t.Logf("%d changes acknowledged before the kill, %d lost", len(acked), lost)
	if lost > 0 {
		t.Errorf("%d acknowledged changes were lost", lost)
	}
	_ = os.Remove
}

// TestBackupAndRestore: a backup of a live database restores in place of a
// lost one, with the same document; restore refuses to overwrite without
// --force and refuses a file that is no database.
func TestBackupAndRestore(t *testing.T) {
	dir := t.TempDir()
	db, backupFile := filepath.Join(dir, "config.db"), filepath.Join(dir, "backup.db")
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	done := make(chan int, 1)
	go func() { done <- run(ctx, []string{"--db", db, "--addr", "127.0.0.1:0"}, io.Discard, io.Discard, ready) }()
	<-ready
	if out, errs, code := runCmd(t, "backup", "--db", db, "--to", backupFile); code != 0 || !strings.Contains(out, "handsoff-config restore --from "+backupFile) {
		t.Fatalf("backup while serving: %d %s %s", code, out, errs)
	}
	cancel()
	<-done
	if _, _, code := runCmd(t, "restore", "--db", db, "--from", backupFile); code != 2 {
		t.Errorf("restore over an existing database without --force: exit %d", code)
	}
	os.WriteFile(filepath.Join(dir, "junk.db"), []byte("not a database at all, just text"), 0o644)
	if _, _, code := runCmd(t, "restore", "--db", filepath.Join(dir, "new.db"), "--from", filepath.Join(dir, "junk.db")); code != 1 {
		t.Errorf("restore of junk: exit %d", code)
	}
	os.Remove(db)
	out, errs, code := runCmd(t, "restore", "--db", db, "--from", backupFile)
	if code != 0 || !strings.Contains(out, "(1 services)") {
		t.Fatalf("restore: %d %s %s", code, out, errs)
	}
	list, _, _ := runCmd(t, "token", "list", "--db", db)
	if !strings.Contains(list, "first admin") {
		t.Errorf("the restored database lost its tokens: %s", list)
	}
}

// TestHelp: the program's help lists every command and serve's flags, on
// standard output, exit 0.
func TestHelp(t *testing.T) {
	for _, arg := range []string{"--help", "-h", "help"} {
		out, _, code := runCmd(t, arg)
		if code != 0 || !strings.Contains(out, "token create|list|revoke") || !strings.Contains(out, "restore --from FILE") {
			t.Errorf("handsoff-config %s: exit %d\n%s", arg, code, out)
		}
		if arg != "help" && !strings.Contains(out, "-trust-proxy") {
			t.Errorf("handsoff-config %s does not list serve's flags:\n%s", arg, out)
		}
	}
}
