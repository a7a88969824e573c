// Package pgtest gives tests a real PostgreSQL: a throwaway server started from the installed
// PostgreSQL binaries (Debian's postgresql package puts them in /usr/lib/postgresql/N/bin), and
// a fresh database for each test.
//
// A test package uses it from TestMain:
//
//	func TestMain(m *testing.M) { pgtest.Main(m) }
//
// and each test calls Database(t) for the URL of a new empty database of its own, dropped when
// the test ends.
//
// Where the server comes from, in order:
//   - CARECAST_TEST_POSTGRES, if set: the URL of a server on which the URL's user may create
//     databases (postgres://user:password@host:port/postgres); nothing is started.
//   - Otherwise Main starts one from the binaries FindBinaries finds: initdb into a new temporary directory, then postgres listening
//     only on a Unix socket in that directory (no TCP port, so nothing to collide with), with
//     fsync off (the cluster is thrown away). As root it runs them as user nobody, since
//     PostgreSQL refuses to run as root. The server is stopped and the directory removed when
//     the tests end; if the test binary dies first, the server gets SIGQUIT (its parent-death
//     signal) and stops at once.
//
// Without PostgreSQL binaries, every test that calls Database or Require is skipped with a
// message naming the package to install, except when CI=true: then Main fails the package, so
// that CI cannot pass without running the tests. CARECAST_SKIP_POSTGRES=1 skips them on purpose.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// EnvURL names the environment variable that points the tests at an existing server.
const EnvURL = "CARECAST_TEST_POSTGRES"

// EnvSkip names the environment variable that, set to 1, skips the tests on purpose.
const EnvSkip = "CARECAST_SKIP_POSTGRES"

// Package is the Debian package that provides the binaries Main looks for.
const Package = "postgresql"

var (
	serverURL  string // a URL of the server's "postgres" database, as a user who may create databases
	skipReason string // why tests skip, when there is no server
)

// Main runs the package's tests against a PostgreSQL server (see the package doc) and exits
// with their status. It fails (exit status 1) if binaries are found but the server cannot be
// started, or if CI=true and there are no binaries.
func Main(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	if os.Getenv(EnvSkip) == "1" {
		skipReason = EnvSkip + "=1: PostgreSQL store tests skipped"
		return m.Run()
	}
	if u := os.Getenv(EnvURL); u != "" {
		serverURL = u
		return m.Run()
	}
	bin, err := FindBinaries()
	if err != nil {
		if os.Getenv("CI") == "true" {
			fmt.Fprintf(os.Stderr, "FAIL: the PostgreSQL store tests need PostgreSQL and CI=true: %v\n", err)
			return 1
		}
		skipReason = fmt.Sprintf("PostgreSQL store tests skipped: %v. Install Debian's %s package "+
			"(scripts/ci-deps.sh does), or set %s to the URL of a server where the user may create databases",
			err, Package, EnvURL)
		fmt.Fprintln(os.Stderr, "SKIP: "+skipReason)
		return m.Run()
	}
	c, err := Start(bin)
	if err != nil {
		fmt.Fprintf(os.Stderr, "FAIL: start a throwaway PostgreSQL: %v\n", err)
		return 1
	}
	serverURL = c.URL
	code := m.Run()
	if err := c.Stop(); err != nil {
		fmt.Fprintf(os.Stderr, "stop the throwaway PostgreSQL: %v\n", err)
		if code == 0 {
			code = 1
		}
	}
	return code
}

// EnvBin names the environment variable that tells FindBinaries where initdb and postgres are,
// for installations laid out other than Debian's.
const EnvBin = "CARECAST_TEST_POSTGRES_BIN"

// FindBinaries returns the directory holding initdb and postgres: $CARECAST_TEST_POSTGRES_BIN
// if set, else the newest /usr/lib/postgresql/N/bin (Debian's layout), else the directory of
// an initdb on PATH.
func FindBinaries() (string, error) {
	if d := os.Getenv(EnvBin); d != "" {
		if isExec(filepath.Join(d, "initdb")) && isExec(filepath.Join(d, "postgres")) {
			return d, nil
		}
		return "", fmt.Errorf("no PostgreSQL server binaries (initdb, postgres) in %s=%s", EnvBin, d)
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	slices.SortFunc(dirs, func(a, b string) int { return pgMajor(b) - pgMajor(a) })
	for _, d := range dirs {
		if isExec(filepath.Join(d, "initdb")) && isExec(filepath.Join(d, "postgres")) {
			return d, nil
		}
	}
	if p, err := exec.LookPath("initdb"); err == nil {
		d := filepath.Dir(p)
		if isExec(filepath.Join(d, "postgres")) {
			return d, nil
		}
	}
	return "", errors.New("no PostgreSQL server binaries (initdb, postgres) in /usr/lib/postgresql/*/bin or on PATH")
}

func pgMajor(binDir string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	return n
}

func isExec(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0
}

// Cluster is a throwaway PostgreSQL server.
type Cluster struct {
	// URL connects to its "postgres" database as its superuser, over the Unix socket.
	URL  string
	dir  string
	proc *exec.Cmd
	done chan error // receives the server's exit status
}

// Start creates a cluster with the initdb and postgres in binDir in a new temporary directory
// and starts its server, waiting until it accepts connections.
func Start(binDir string) (_ *Cluster, err error) {
	dir, err := os.MkdirTemp("", "carecast-pg-")
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			os.RemoveAll(dir)
		}
	}()
	var cred *syscall.Credential
	if os.Geteuid() == 0 {
		// initdb and postgres refuse to run as root.
		u, err := user.Lookup("nobody")
		if err != nil {
			return nil, fmt.Errorf("running as root, and no user nobody to run PostgreSQL as: %w", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chown(dir, uid, gid); err != nil {
			return nil, err
		}
		cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
	}
	data := filepath.Join(dir, "data")
	logPath := filepath.Join(dir, "initdb.log")
	if err := runLogged(cred, dir, logPath, filepath.Join(binDir, "initdb"),
		"-D", data, "-U", "carecast", "--auth=trust", "--encoding=UTF8", "--locale=C", "--no-sync"); err != nil {
		return nil, fmt.Errorf("initdb: %w", err)
	}

	logf, err := os.Create(filepath.Join(dir, "postgres.log"))
	if err != nil {
		return nil, err
	}
	defer logf.Close() // the child has its own descriptor
	c := &Cluster{dir: dir, done: make(chan error, 1)}
	c.proc = exec.Command(filepath.Join(binDir, "postgres"),
		"-D", data,
		"-k", dir, // the Unix socket's directory
		"-c", "listen_addresses=",
		"-c", "fsync=off",
		"-c", "synchronous_commit=off",
		"-c", "full_page_writes=off",
		"-c", "shared_buffers=32MB",
		"-c", "max_connections=200",
	)
	c.proc.Dir = dir
	c.proc.Stdout, c.proc.Stderr = logf, logf
	c.proc.SysProcAttr = &syscall.SysProcAttr{Credential: cred, Pdeathsig: syscall.SIGQUIT}
	// The parent-death signal is sent when the thread that started the child exits, not the
	// process: start it from a goroutine that keeps its thread until the server exits.
	started := make(chan error)
	go func() {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		if err := c.proc.Start(); err != nil {
			started <- err
			return
		}
		started <- nil
		c.done <- c.proc.Wait()
	}()
	if err := <-started; err != nil {
		return nil, fmt.Errorf("start postgres: %w", err)
	}

	c.URL = (&url.URL{Scheme: "postgres", User: url.User("carecast"), Path: "/postgres",
		RawQuery: url.Values{"host": {dir}, "sslmode": {"disable"}}.Encode()}).String()
	deadline := time.Now().Add(60 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		conn, err := pgx.Connect(ctx, c.URL)
		if err == nil {
			conn.Close(ctx)
			cancel()
			return c, nil
		}
		cancel()
		select {
		case exitErr := <-c.done:
			return nil, fmt.Errorf("postgres exited (%v) before accepting connections: %s", exitErr, tail(filepath.Join(dir, "postgres.log")))
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			c.Stop()
			return nil, fmt.Errorf("postgres did not accept connections within a minute: %v: %s", err, tail(filepath.Join(dir, "postgres.log")))
		}
	}
}

// Stop shuts the server down (fast shutdown: open sessions are ended) and removes its
// directory.
func (c *Cluster) Stop() error {
	var err error
	if c.proc.Process != nil {
		c.proc.Process.Signal(syscall.SIGINT)
		select {
		case <-c.done:
		case <-time.After(30 * time.Second):
			c.proc.Process.Kill()
			<-c.done
			err = errors.New("postgres did not stop within 30 s of SIGINT; killed")
		}
	}
	return errors.Join(err, os.RemoveAll(c.dir))
}

// runLogged runs name with args as cred (nil: as this process) in dir, its output in logPath,
// and includes the log's end in the error if it fails.
func runLogged(cred *syscall.Credential, dir, logPath, name string, args ...string) error {
	f, err := os.Create(logPath)
	if err != nil {
		return err
	}
	defer f.Close()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = f, f
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%v: %s", err, tail(logPath))
	}
	return nil
}

// tail returns the last lines of the file at path, for error messages.
func tail(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return "(no log: " + err.Error() + ")"
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	return strings.Join(lines[max(0, len(lines)-15):], "\n")
}

// Require skips t when Main found no PostgreSQL (or was told to skip), saying why.
func Require(t testing.TB) {
	t.Helper()
	if skipReason != "" {
		t.Skip(skipReason)
	}
}

// Database creates a new empty database for t and returns its URL; the database is dropped
// when t ends (after the cleanups t registers later, such as closing a store on it, have run).
// It skips t when Main found no PostgreSQL, and fails t if Main was not used.
func Database(t testing.TB) string {
	t.Helper()
	Require(t)
	if serverURL == "" {
		t.Fatal("pgtest.Database: the package's TestMain must call pgtest.Main")
	}
	u, err := url.Parse(serverURL)
	if err != nil || u.Scheme != "postgres" && u.Scheme != "postgresql" {
		t.Fatalf("%s: want a postgres:// URL", EnvURL)
	}
	var b [8]byte
	rand.Read(b[:])
	name := "carecast_test_" + hex.EncodeToString(b[:])
	admin := func(sql string) error {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		conn, err := pgx.Connect(ctx, serverURL)
		if err != nil {
			return err
		}
		defer conn.Close(ctx)
		_, err = conn.Exec(ctx, sql)
		return err
	}
	if err := admin(`CREATE DATABASE ` + name); err != nil {
		t.Fatalf("create test database: %v", err)
	}
	t.Cleanup(func() {
		if err := admin(`DROP DATABASE ` + name + ` WITH (FORCE)`); err != nil {
			t.Errorf("drop test database %s: %v", name, err)
		}
	})
	u.Path = "/" + name
	return u.String()
}
