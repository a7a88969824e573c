package api

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/carecast/carecast/service"
	"github.com/carecast/carecast/store"
)

// serverEnv makes the test binary run as a carecast server (see TestMain) instead of tests.
const serverEnv = "CARECAST_TEST_AS_SERVER"

func TestMain(m *testing.M) {
	if os.Getenv(serverEnv) == "1" {
		os.Exit(serverMain())
	}
	os.Exit(m.Run())
}

// serverMain is `carecast serve` with the fake engine, configured by CARECAST_* variables:
// what the kill test runs in a child process.
func serverMain() int {
	cfg, err := ParseConfig(nil, os.Getenv, nil)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	logger, err := cfg.NewLogger(os.Stderr)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := Serve(ctx, cfg, testDeps(), logger); err != nil {
		logger.Error("serve", "err", err)
		return 1
	}
	return 0
}

// child is a server process.
type child struct {
	cmd  *exec.Cmd
	url  string
	logs chan string // stderr lines after the "serving" line
	done chan error
}

// startChild runs the test binary as a server on a free loopback port over dataDir and waits
// until it serves.
func startChild(t *testing.T, dataDir string) *child {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), serverEnv+"=1",
		"CARECAST_ADDR=127.0.0.1:0", "CARECAST_DATA_DIR="+dataDir, "CARECAST_LOG_FORMAT=json",
		"CARECAST_WORKERS=2", "CARECAST_SHUTDOWN_TIMEOUT=5s", "CARECAST_RATE_LIMIT=100000", "CARECAST_RATE_BURST=100000",
		"CARECAST_ORG_RATE_LIMIT=100000", "CARECAST_ORG_RATE_BURST=100000")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	c := &child{cmd: cmd, logs: make(chan string, 1000), done: make(chan error, 1)}
	ready := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			var line struct {
				Msg  string `json:"msg"`
				Addr string `json:"addr"`
			}
			json.Unmarshal(sc.Bytes(), &line)
			if line.Msg == "carecast serving" {
				ready <- line.Addr
			}
			select {
			case c.logs <- sc.Text():
			default:
			}
		}
		c.done <- cmd.Wait()
	}()
	t.Cleanup(func() { cmd.Process.Kill() })
	select {
	case addr := <-ready:
		c.url = "http://" + addr
	case err := <-c.done:
		t.Fatalf("server exited before serving: %v; logs:\n%s", err, drain(c.logs))
	case <-time.After(30 * time.Second):
		t.Fatalf("server did not start; logs:\n%s", drain(c.logs))
	}
	return c
}

func drain(ch chan string) string {
	var b strings.Builder
	for {
		select {
		case l := <-ch:
			b.WriteString(l + "\n")
		default:
			return b.String()
		}
	}
}

// call sends a request to the child with key; body is JSON-encoded unless it is a string or
// reader. It is safe to use from any goroutine.
func (c *child) call(method, path, key string, body any) (int, []byte, error) {
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case io.Reader:
		rd = b
	default:
		rd = strings.NewReader(string(mustJSON(b)))
	}
	req, err := http.NewRequest(method, c.url+path, rd)
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Authorization", "Bearer "+key)
	client := &http.Client{Timeout: 10 * time.Second}
	res, err := client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	return res.StatusCode, b, err
}

func (c *child) mustCall(t *testing.T, method, path, key string, body any, status int, v any) {
	t.Helper()
	code, b, err := c.call(method, path, key, body)
	if err != nil || code != status {
		t.Fatalf("%s %s: %d %s %v", method, path, code, b, err)
	}
	if v != nil {
		if err := json.Unmarshal(b, v); err != nil {
			t.Fatal(err)
		}
	}
}

// TestKillAndRestart SIGKILLs a server in the middle of scenario writes, runs and an upload,
// restarts it over the same data directory and checks that every acknowledged write is there,
// finished runs are readable, unfinished runs are marked failed as interrupted, the
// half-received upload left nothing behind and the database is intact.
func TestKillAndRestart(t *testing.T) {
	if testing.Short() {
		t.Skip("starts server processes")
	}
	dataDir := t.TempDir()
	st, err := OpenStore(t.Context(), dataDir)
	if err != nil {
		t.Fatal(err)
	}
	_, key, err := service.CreateKey(t.Context(), st, "trafford", store.RoleAdmin, "kill test")
	if err != nil {
		t.Fatal(err)
	}
	st.Close()

	srv := startChild(t, dataDir)

	// A finished run, an acknowledged upload, one running run and two queued (two workers, of
	// which one organisation may hold one).
	var quick, slow Scenario
	srv.mustCall(t, "POST", "/v1/scenarios", key, `{"name":"quick","steps":2}`, 201, &quick)
	srv.mustCall(t, "PUT", "/v1/scenarios/"+quick.ID, key, `{"name":"quick v2","steps":3}`, 200, nil)
	srv.mustCall(t, "POST", "/v1/scenarios", key, `{"name":"slow","steps":100000,"step_ms":10}`, 201, &slow)
	var finished Run
	srv.mustCall(t, "POST", "/v1/runs", key, map[string]any{"scenario_id": quick.ID, "seed": 7}, 202, &finished)
	for deadline := time.Now().Add(10 * time.Second); finished.Status != store.RunSucceeded; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("quick run: %+v", finished)
		}
		srv.mustCall(t, "GET", "/v1/runs/"+finished.ID, key, nil, 200, &finished)
	}
	var upload Dataset
	srv.mustCall(t, "POST", uploadPath("population", "kept.csv"), key, "area_code,year,count\nE1,2024,5\n", 201, &upload)
	var unfinished []string
	for range 3 {
		var r Run
		srv.mustCall(t, "POST", "/v1/runs", key, map[string]any{"scenario_id": slow.ID}, 202, &r)
		unfinished = append(unfinished, r.ID)
	}

	// An upload that never finishes: half a file, then the kill.
	pr, pw := io.Pipe()
	go srv.call("POST", uploadPath("population", "half.csv"), key, pr)
	pw.Write([]byte("area_code,year,count\n" + strings.Repeat("E1,2024,5\n", 500)))

	// Writers creating scenarios as fast as they can; record what was acknowledged.
	var mu sync.Mutex
	acked := map[string]string{} // id -> name
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				name := fmt.Sprintf("w%d-%d", w, i)
				code, b, err := srv.call("POST", "/v1/scenarios", key, `{"name":"`+name+`"}`)
				if err != nil {
					return // the server died
				}
				if code == 201 {
					var sc Scenario
					json.Unmarshal(b, &sc)
					mu.Lock()
					acked[sc.ID] = name
					mu.Unlock()
				}
			}
		})
	}
	time.Sleep(300 * time.Millisecond)
	if err := srv.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-srv.done
	pw.Close()
	close(stop)
	wg.Wait()
	if len(acked) == 0 {
		t.Fatal("no scenario write was acknowledged before the kill")
	}
	t.Logf("%d scenario writes acknowledged before SIGKILL", len(acked))

	// Restart over the same data directory.
	srv = startChild(t, dataDir)
	for id, name := range acked {
		var sc Scenario
		srv.mustCall(t, "GET", "/v1/scenarios/"+id, key, nil, 200, &sc)
		if sc.Name != name {
			t.Errorf("scenario %s is %q, want %q", id, sc.Name, name)
		}
	}
	var v1 Scenario
	srv.mustCall(t, "GET", "/v1/scenarios/"+quick.ID+"?version=1", key, nil, 200, &v1)
	if v1.Name != "quick" || v1.LatestVersion != 2 {
		t.Errorf("quick v1 after restart: %+v", v1)
	}
	var r Run
	srv.mustCall(t, "GET", "/v1/runs/"+finished.ID, key, nil, 200, &r)
	if r.Status != store.RunSucceeded || !r.HasResult || *r.Seed != 7 {
		t.Errorf("finished run after restart: %+v", r)
	}
	for _, id := range unfinished {
		srv.mustCall(t, "GET", "/v1/runs/"+id, key, nil, 200, &r)
		if r.Status != store.RunFailed || !strings.HasPrefix(r.Error, "interrupted") || r.Finished == nil {
			t.Errorf("unfinished run after restart: %+v", r)
		}
	}
	var datasets Page[Dataset]
	srv.mustCall(t, "GET", "/v1/datasets", key, nil, 200, &datasets)
	var uploads []string
	for _, d := range datasets.Items {
		if !d.Builtin {
			uploads = append(uploads, d.Name)
		}
	}
	if strings.Join(uploads, ",") != "kept.csv" {
		t.Errorf("uploads after restart: %v", uploads)
	}
	if entries, _ := os.ReadDir(filepath.Join(dataDir, "tmp")); len(entries) != 0 {
		t.Errorf("tmp/ after restart has %d entries", len(entries))
	}
	// The server works as before.
	srv.mustCall(t, "POST", "/v1/runs", key, map[string]any{"scenario_id": quick.ID}, 202, &r)

	// Graceful stop: exit 0, the new run finished or was recorded as interrupted.
	srv.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-srv.done:
		if err != nil {
			t.Errorf("graceful stop: %v; logs:\n%s", err, drain(srv.logs))
		}
	case <-time.After(20 * time.Second):
		t.Fatal("server did not stop on SIGTERM")
	}

	db, err := sql.Open("sqlite", filepath.Join(dataDir, DatabaseFile))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var check string
	if err := db.QueryRow("PRAGMA integrity_check").Scan(&check); err != nil || check != "ok" {
		t.Errorf("integrity_check = %q, %v", check, err)
	}
	var open int
	db.QueryRow("SELECT count(*) FROM runs WHERE status IN ('queued','running')").Scan(&open)
	if open != 0 {
		t.Errorf("%d runs left unfinished after a graceful stop", open)
	}
}
