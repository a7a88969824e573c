package main

import (
	"bufio"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/carecast/carecast/store"
	"github.com/carecast/carecast/store/postgres"
	"github.com/carecast/carecast/store/postgres/pgtest"
)

// clusterScenario takes a few seconds on a worker: seven South East councils to 2040 with
// 1,000 draws (Kent alone is about 0.25 CPU-s), so that a worker can be killed mid-run.
const clusterScenario = `{"name": "South East, 1,000 draws",
  "areas": ["E10000016", "E10000030", "E10000014", "E10000032", "E10000011", "E10000025", "E06000060"],
  "horizon": 2040, "uncertainty": {"draws": 1000, "seed": 11}}`

// proc is a carecast child process (the test binary as the command, see TestMain) whose
// stderr lines are kept.
type proc struct {
	name string
	cmd  *exec.Cmd
	mu   sync.Mutex
	logs []string
	done chan struct{}
}

// lines returns the stderr lines so far.
func (p *proc) lines() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.logs)
}

// waitLine waits until a stderr line contains every one of parts and returns it.
func (p *proc) waitLine(t *testing.T, within time.Duration, parts ...string) string {
	t.Helper()
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		for _, l := range p.lines() {
			ok := true
			for _, s := range parts {
				ok = ok && strings.Contains(l, s)
			}
			if ok {
				return l
			}
		}
		select {
		case <-p.done:
			t.Fatalf("%s exited before logging %q:\n%s", p.name, parts, strings.Join(p.lines(), "\n"))
		case <-time.After(50 * time.Millisecond):
		}
	}
	t.Fatalf("%s did not log %q within %s:\n%s", p.name, parts, within, strings.Join(p.lines(), "\n"))
	return ""
}

// carecastBin is how the cluster test starts carecast: path, then pre, then carecast's own
// arguments.
type carecastBin struct {
	path string
	pre  []string
}

// clusterBinary returns the program the cluster test runs as its servers and workers: the
// test binary itself (see TestMain), except in a -race build, where a run takes ten times as
// long and four race-instrumented processes would crowd the machine: then carecast built
// without the race detector into a temporary directory of t. The race detector still covers
// the same code in-process (TestClusterFairness and the service tests).
func clusterBinary(t *testing.T) carecastBin {
	t.Helper()
	if !raceEnabled {
		return carecastBin{os.Args[0], []string{"-test.run=^$", "--"}}
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the cluster test under -race builds carecast with the go command, which is not on PATH: %v", err)
	}
	path := filepath.Join(t.TempDir(), "carecast")
	if out, err := exec.Command(goTool, "build", "-o", path, ".").CombinedOutput(); err != nil {
		t.Fatalf("building carecast without the race detector for the cluster test: %v: %s", err, out)
	}
	return carecastBin{path: path}
}

// startProc runs `carecast args…` with the shared database and JSON logs until the test ends
// (SIGTERM, then SIGKILL after 20 s).
func startProc(t *testing.T, bin carecastBin, name, db string, args ...string) *proc {
	t.Helper()
	cmd := exec.Command(bin.path, append(slices.Clone(bin.pre), args...)...)
	cmd.Env = append(os.Environ(), execEnv+"=1", "CARECAST_DATABASE="+db, "CARECAST_LOG_FORMAT=json",
		"CARECAST_SHUTDOWN_TIMEOUT=5s", "CARECAST_RATE_LIMIT=100000", "CARECAST_RATE_BURST=100000",
		"CARECAST_ORG_RATE_LIMIT=100000", "CARECAST_ORG_RATE_BURST=100000", "CARECAST_MIN_FREE_BYTES=0")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &proc{name: name, cmd: cmd, done: make(chan struct{})}
	go func() {
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			p.mu.Lock()
			p.logs = append(p.logs, sc.Text())
			p.mu.Unlock()
		}
		cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-p.done:
		case <-time.After(20 * time.Second):
			cmd.Process.Kill()
			<-p.done
		}
		if t.Failed() {
			t.Logf("%s logs:\n%s", name, strings.Join(p.lines(), "\n"))
		}
	})
	return p
}

// startClusterServer starts `carecast serve --database` on a free loopback port and returns
// its base URL.
func startClusterServer(t *testing.T, bin carecastBin, name, db string) (*proc, string) {
	t.Helper()
	p := startProc(t, bin, name, db, "serve", "--addr", "127.0.0.1:0", "--data-dir", t.TempDir(), "--split-parts", "2")
	line := p.waitLine(t, 60*time.Second, `"carecast serving"`)
	var rec struct{ Addr string }
	if err := json.Unmarshal([]byte(line), &rec); err != nil || rec.Addr == "" {
		t.Fatalf("%s: no address in %q: %v", name, line, err)
	}
	return p, "http://" + rec.Addr
}

// apiClient calls one server's API.
type apiClient struct {
	t    *testing.T
	base string
}

func (c apiClient) do(method, path, body string, want int, v any) {
	c.t.Helper()
	req, err := http.NewRequest(method, c.base+path, strings.NewReader(body))
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != want {
		c.t.Fatalf("%s %s%s: %d, want %d: %.500s", method, c.base, path, res.StatusCode, want, b)
	}
	if v != nil {
		if p, ok := v.(*[]byte); ok {
			*p = b
			return
		}
		if err := json.Unmarshal(b, v); err != nil {
			c.t.Fatalf("%s %s: %v: %.300s", method, path, err, b)
		}
	}
}

type clusterRun struct {
	ID, Status, Error string
	Progress          float64
	Attempt           int
	CancelRequested   bool `json:"cancel_requested"`
}

func (c apiClient) run(id string) clusterRun {
	c.t.Helper()
	var r clusterRun
	c.do("GET", "/v1/runs/"+id, "", 200, &r)
	return r
}

// waitRun polls the run on c until ok says so.
func (c apiClient) waitRun(id string, within time.Duration, what string, ok func(clusterRun) bool) clusterRun {
	c.t.Helper()
	deadline := time.Now().Add(within)
	for {
		r := c.run(id)
		if ok(r) {
			return r
		}
		if time.Now().After(deadline) {
			c.t.Fatalf("run %s on %s: not %s within %s: %+v", id, c.base, what, within, r)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestClusterTwoServersTwoWorkers is the deployment past one machine, for real: a PostgreSQL
// (pgtest), two servers (carecast serve --database, each with its own data directory: nothing
// shared but the database) and two workers (carecast worker), all separate processes.
//
//   - A run of seven councils with 1,000 draws started on server A is split into two parts
//     (--split-parts 2), one for each worker, and seen running on server B (progress from the
//     database).
//   - A worker is killed with SIGKILL in the middle of its part; River rescues the part's job
//     after --rescue-after (20 s here) plus up to 30 s (its rescuer's interval), and the other
//     worker takes the part over and merges the run: the run succeeds at attempt 2.
//   - Its results, read through server B (which fetches the result file from the database),
//     are the same bit for bit, cell by cell, as `carecast project` computes on one machine.
//   - A run started on B and cancelled through A stops within a few seconds.
func TestClusterTwoServersTwoWorkers(t *testing.T) {
	if testing.Short() {
		t.Skip("starts PostgreSQL, two servers and two workers and waits for a rescue; skipped with -short")
	}
	db := pgtest.Database(t)
	bin := clusterBinary(t)
	workerArgs := func() []string {
		return []string{"worker", "--data-dir", t.TempDir(), "--workers", "1", "--workers-per-org", "2",
			"--job-timeout", "15s", "--rescue-after", "20s"}
	}
	// The first server applies the migrations; the others find them applied.
	_, baseA := startClusterServer(t, bin, "server A", db)
	_, baseB := startClusterServer(t, bin, "server B", db)
	workers := []*proc{startProc(t, bin, "worker 1", db, workerArgs()...), startProc(t, bin, "worker 2", db, workerArgs()...)}
	for _, w := range workers {
		w.waitLine(t, 60*time.Second, `"carecast worker ready"`)
	}
	a, b := apiClient{t, baseA}, apiClient{t, baseB}

	var sc struct{ ID string }
	a.do("POST", "/v1/scenarios", clusterScenario, 201, &sc)
	var started clusterRun
	a.do("POST", "/v1/runs", fmt.Sprintf(`{"scenario_id": %q}`, sc.ID), 202, &started)
	b.waitRun(started.ID, 30*time.Second, "running on a worker", func(r clusterRun) bool { return r.Status == "running" && r.Attempt == 1 })

	// B, which executes nothing, reads the workers' progress from the database.
	mid := b.waitRun(started.ID, 20*time.Second, "part done", func(r clusterRun) bool { return r.Progress > 0 || r.Status != "running" })
	if mid.Status != "running" {
		t.Fatalf("the run finished before the kill (%+v): the scenario is too quick to test a kill mid-run", mid)
	}
	// The run is split in two parts (--split-parts 2), one on each worker: the victim is a
	// worker whose log says it started a part of the run and has not finished it.
	var victim, survivor *proc
	deadline := time.Now().Add(10 * time.Second)
	for victim == nil && time.Now().Before(deadline) {
		for i, w := range workers {
			busy := false
			for _, l := range w.lines() {
				if strings.Contains(l, started.ID) {
					if strings.Contains(l, `"part started"`) {
						busy = true
					} else if strings.Contains(l, `"part finished"`) {
						busy = false
					}
				}
			}
			if busy {
				victim, survivor = w, workers[1-i]
				break
			}
		}
		time.Sleep(5 * time.Millisecond)
	}
	if victim == nil {
		t.Fatal("no worker logged executing a part of the run")
	}
	t.Logf("server B sees the run %.1f%% done before %s, in the middle of a part, is killed", 100*mid.Progress, victim.name)
	killed := time.Now()
	victim.cmd.Process.Kill()
	<-victim.done

	done := b.waitRun(started.ID, 150*time.Second, "final", func(r clusterRun) bool {
		return r.Status == "succeeded" || r.Status == "failed" || r.Status == "cancelled"
	})
	if done.Status != "succeeded" || done.Attempt != 2 {
		t.Fatalf("after the kill: %+v, want succeeded at attempt 2", done)
	}
	survivor.waitLine(t, time.Second, "taking over a part of a run whose worker stopped", started.ID)
	survivor.waitLine(t, time.Second, `"run finished"`, started.ID)
	t.Logf("%s killed mid-part; %s took the part over and merged the run %.0f s after the kill", victim.name, survivor.name, time.Since(killed).Seconds())

	// The numbers, through server B (which executed nothing and has no file of its own), are
	// one machine's numbers.
	dir := t.TempDir()
	scPath, outPath := filepath.Join(dir, "scenario.json"), filepath.Join(dir, "cli.csv")
	if err := os.WriteFile(scPath, []byte(clusterScenario), 0o644); err != nil {
		t.Fatal(err)
	}
	// The same program as the workers (so, without the race detector, as quick as theirs).
	project := exec.Command(bin.path, append(slices.Clone(bin.pre), "project", "--scenario", scPath, "--out", outPath)...)
	project.Env = append(os.Environ(), execEnv+"=1")
	if out, err := project.CombinedOutput(); err != nil {
		t.Fatalf("carecast project: %v: %s", err, out)
	}
	cliData, err := os.ReadFile(outPath)
	if err != nil {
		t.Fatal(err)
	}
	cli := readCells(t, "CLI", cliData)
	var export []byte
	b.do("GET", "/v1/runs/"+started.ID+"/results/export?format=csv", "", 200, &export)
	got := readCells(t, "server B export", export)
	diff := 0
	for k, want := range cli {
		if g, ok := got[k]; !ok || g != want {
			if diff++; diff <= 5 {
				t.Errorf("cell %v: cluster %v, one machine %v", k, g, want)
			}
		}
	}
	if len(got) != len(cli) || len(cli) < 10000 || diff > 0 {
		t.Fatalf("cluster run: %d cells, one machine %d; %d differ", len(got), len(cli), diff)
	}
	kent := cli[cellKey{"E10000016", "2040", "population", "all", "all"}]
	t.Logf("%d cells equal to one machine's, bit for bit; Kent 2040 population %.0f (%.0f–%.0f)", len(cli), kent[0], kent[1], kent[3])

	// Cancel through A a run started on B: the surviving worker stops it.
	var second clusterRun
	b.do("POST", "/v1/runs", fmt.Sprintf(`{"scenario_id": %q}`, sc.ID), 202, &second)
	a.waitRun(second.ID, 30*time.Second, "running", func(r clusterRun) bool { return r.Status == "running" })
	asked := time.Now()
	a.do("POST", "/v1/runs/"+second.ID+"/cancel", "", 202, nil)
	c := b.waitRun(second.ID, 10*time.Second, "cancelled", func(r clusterRun) bool { return r.Status == "cancelled" })
	t.Logf("run %s cancelled through server A %.1f s after the request (%s)", c.ID, time.Since(asked).Seconds(), c.Error)
}

// TestKeysOnSharedDatabase: `carecast keys --database` keeps keys in the shared PostgreSQL
// database, where every server of the deployment reads them, and the data directory is not
// touched.
func TestKeysOnSharedDatabase(t *testing.T) {
	db := pgtest.Database(t)
	dir := t.TempDir()
	var out, errb strings.Builder
	if code := runKeys(t.Context(), []string{"create", "--org", "kent", "--role", "planner", "--database", db, "--data-dir", dir}, &out, &errb); code != exitOK {
		t.Fatalf("create: exit %d: %s", code, errb.String())
	}
	secret := strings.TrimSpace(out.String())
	st, err := postgres.Open(t.Context(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	k, err := st.KeyByHash(t.Context(), sha256.Sum256([]byte(secret)))
	if err != nil || k.OrgName != "kent" || k.Role != "planner" {
		t.Fatalf("the key in the shared database: %+v, %v", k, err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("the data directory was written: %d entries", len(entries))
	}
}

// TestClusterFairness: with two workers and at most one running run per organisation, an
// organisation that queued four runs does not hold both workers, and another
// organisation's run, queued after all four, starts at once on the free worker and finishes
// before the first organisation's last run starts. Checked from the runs' recorded start and
// finish times.
func TestClusterFairness(t *testing.T) {
	if testing.Short() {
		t.Skip("runs five Kent runs with draws on a real PostgreSQL; skipped with -short")
	}
	// 250 draws: long enough for the runs to overlap if the limit let them, even without
	// the race detector (about 0.1 s a run), and not a minute with it.
	doc := strings.Replace(benchKent, `"draws": 1000`, `"draws": 250`, 1)
	d := startBenchDeployment(t, 2, 1)
	ctx := t.Context()
	pa, pb := principal(t, d.st, "kent"), principal(t, d.st, "medway")
	scA, err := d.server.CreateScenario(ctx, pa, []byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	scB, err := d.server.CreateScenario(ctx, pb, []byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for range 4 {
		r, err := d.server.StartRun(ctx, pa, scA.ID, 0, nil)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, r.ID)
	}
	rb, err := d.server.StartRun(ctx, pb, scB.ID, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	final := func(id string) store.Run {
		deadline := time.Now().Add(2 * time.Minute)
		for time.Now().Before(deadline) {
			r, err := d.st.RunByID(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			if r.Status.Final() {
				if r.Status != store.RunSucceeded {
					t.Fatalf("run %s %s: %s", id, r.Status, r.Error)
				}
				return r
			}
			time.Sleep(20 * time.Millisecond)
		}
		t.Fatalf("run %s not finished within 2 minutes", id)
		return store.Run{}
	}
	b := final(rb.ID)
	var a []store.Run
	for _, id := range ids {
		a = append(a, final(id))
	}
	slices.SortFunc(a, func(x, y store.Run) int { return x.Started.Compare(*y.Started) })
	for i := 1; i < len(a); i++ {
		if a[i].Started.Before(*a[i-1].Finished) {
			t.Errorf("kent's runs %s and %s ran at once (%v–%v, %v–%v): the limit is one", a[i-1].ID, a[i].ID,
				a[i-1].Started, a[i-1].Finished, a[i].Started, a[i].Finished)
		}
	}
	if !b.Finished.Before(*a[len(a)-1].Started) {
		t.Errorf("medway's run finished at %v, after kent's last run started (%v): it waited behind kent's queue", b.Finished, a[len(a)-1].Started)
	}
	t.Logf("medway's run, queued fifth, started %.2f s after kent's first and finished %.2f s before kent's last started",
		b.Started.Sub(*a[0].Started).Seconds(), a[len(a)-1].Started.Sub(*b.Finished).Seconds())
}
