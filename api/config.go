package api

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/carecast/carecast/datasets"
	"github.com/carecast/carecast/service"
)

// Config is everything `carecast serve` can be told. Build it with ParseConfig (flags and
// CARECAST_* environment variables) or DefaultConfig, and check it with Validate; Serve
// validates it again.
type Config struct {
	// Addr is the host:port to listen on. Default 127.0.0.1:8080. Any address that is not
	// loopback requires API keys to exist.
	Addr string
	// DataDir holds the database (carecast.db), uploads/, runs/, tmp/ and the disk reserve
	// (reserve, 1 MiB: see the package doc on a full disk). Default .carecast.
	DataDir string
	// MinFreeBytes is the free space the file system of DataDir must have (for unprivileged
	// users) for /readyz to answer 200; below it /readyz answers 503 saying so, so that a load
	// balancer or orchestrator stops sending work before uploads and runs fail on a full disk
	// (they then answer 507). Default 512 MiB: twice the default upload limit, room for an
	// upload, its validation and a run's results. 0 turns the check off.
	MinFreeBytes int64

	// Database is the URL of a PostgreSQL database shared by several servers and workers
	// (postgres://user:password@host:port/database?…, or key=value settings); empty (the
	// default) keeps the records in the data directory's SQLite file and executes runs in
	// this process. With a database the server executes no runs: `carecast worker` processes
	// over the same database take them from its job queue (package cluster), and result files
	// and uploads are kept in the database too, so the data directory is only a local cache.
	// Pass the password through CARECAST_DATABASE or a PGPASSFILE rather than a flag, which
	// other users of the machine can see.
	Database string
	// SplitParts is the most parts a server splits a run of several councils with draws
	// into, with a Database: each part is a job that any worker takes, and the parts merge
	// into the numbers of the whole run, bit for bit. Below 2: runs execute whole. Default 8.
	SplitParts int
	// JobTimeout is the longest one run's job may take on a worker (worker only). Default 5m.
	JobTimeout time.Duration
	// RescueAfter is how long a job may stay running before the queue considers its worker
	// dead and retries it elsewhere (worker only); it must exceed JobTimeout. Default
	// JobTimeout + 1m.
	RescueAfter time.Duration

	// LogLevel is debug, info, warn or error. Default info.
	LogLevel string
	// LogFormat is text or json. Default text.
	LogFormat string

	// Workers is how many runs execute at once in this process. Default: the number of CPUs.
	Workers int
	// WorkersPerOrg is how many of the workers one organisation's runs may hold at once; the
	// organisations' queues are served round-robin. 0 (the default) means Workers−1 when there
	// are two or more workers, so one is always left for the others, and 1 with one worker.
	// With a Database it is the limit over every worker together (counted in the database),
	// each worker applying its own setting: give them all the same.
	WorkersPerOrg int
	// MaxRunsPerOrg is how many unfinished (queued or running) runs one organisation may have.
	// Default 4.
	MaxRunsPerOrg int
	// RunTimeout stops a run that takes longer. Default 1h.
	RunTimeout time.Duration

	// MaxUploadBytes caps one dataset upload. Default 256 MiB.
	MaxUploadBytes int64
	// MaxUploadRows caps the rows of one dataset upload, read from the file's footer before any
	// row is decoded, so that validation's memory is bounded whatever the bytes (about 190
	// bytes a row). Default datasets.DefaultMaxRows (1,048,576).
	MaxUploadRows int64
	// MaxBodyBytes caps every other request body. Default 1 MiB.
	MaxBodyBytes int64
	// MaxPageSize caps the limit of every list. Default 1000.
	MaxPageSize int
	// RateLimit is the sustained number of requests per second one API key may make, and
	// RateBurst how many it may make at once. Defaults 20 and 40.
	RateLimit float64
	RateBurst int
	// OrgRateLimit and OrgRateBurst are the same for one organisation, over all its keys
	// together (and the local user of an open server). Defaults 50 and 100.
	OrgRateLimit float64
	OrgRateBurst int
	// AnonRateLimit and AnonRateBurst limit, per client address, requests to operations that
	// need a key but come without a valid one (no key, a malformed header, an unknown key),
	// including the web pages' sign-in. Defaults 2 and 20. Public operations (health, schema,
	// metrics) are not limited.
	AnonRateLimit float64
	AnonRateBurst int
	// TrustForwardedFor takes the client address from the last X-Forwarded-For entry instead
	// of the connection's remote address. Set it only behind a reverse proxy you run that sets
	// the header; otherwise a client could pick its own address. Default false.
	TrustForwardedFor bool
	// MaxKeysPerOrg is how many API keys one organisation may have; creating one more through
	// the API answers 409. The operator's CLI (carecast keys create) is not limited. Default 20.
	MaxKeysPerOrg int

	// HTTP server timeouts. ReadTimeout and WriteTimeout bound ordinary requests; uploads get
	// UploadTimeout to send their body and event streams extend their own write deadline per
	// event. Defaults 10s, 30s, 60s, 120s, 10m.
	ReadHeaderTimeout time.Duration
	ReadTimeout       time.Duration
	WriteTimeout      time.Duration
	IdleTimeout       time.Duration
	UploadTimeout     time.Duration
	// ShutdownTimeout is how long a graceful shutdown waits for requests and runs. Default 30s.
	ShutdownTimeout time.Duration
}

// DefaultConfig returns the configuration used when nothing is set.
func DefaultConfig() Config {
	return Config{
		Addr:              "127.0.0.1:8080",
		DataDir:           ".carecast",
		MinFreeBytes:      512 << 20,
		LogLevel:          "info",
		LogFormat:         "text",
		Workers:           runtime.NumCPU(),
		MaxRunsPerOrg:     4,
		RunTimeout:        time.Hour,
		MaxUploadBytes:    256 << 20,
		MaxUploadRows:     datasets.DefaultMaxRows,
		MaxBodyBytes:      1 << 20,
		MaxPageSize:       1000,
		RateLimit:         20,
		RateBurst:         40,
		OrgRateLimit:      50,
		OrgRateBurst:      100,
		AnonRateLimit:     2,
		AnonRateBurst:     20,
		MaxKeysPerOrg:     20,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		UploadTimeout:     10 * time.Minute,
		ShutdownTimeout:   30 * time.Second,
		JobTimeout:        5 * time.Minute,
		SplitParts:        8,
	}
}

// setting is one configuration value: its flag name (and so its environment variable
// CARECAST_<NAME with - as _>), help text and where it lives in a Config.
type setting struct {
	name, usage string
	value       func(*Config) flag.Value
}

var settings = []setting{
	{"addr", "host:port to listen on; any non-loopback address needs API keys", func(c *Config) flag.Value { return (*stringValue)(&c.Addr) }},
	{"data-dir", "directory for the database, uploads and run results", func(c *Config) flag.Value { return (*stringValue)(&c.DataDir) }},
	{"min-free-bytes", "free space the data directory needs for /readyz to answer 200 (e.g. 512MiB; 0: no check)", func(c *Config) flag.Value { return (*bytesValue)(&c.MinFreeBytes) }},
	{"database", "PostgreSQL URL shared by servers and workers (empty: SQLite in the data directory; prefer the variable, flags are visible to other users)", func(c *Config) flag.Value { return (*stringValue)(&c.Database) }},
	{"split-parts", "with a database: most parts (jobs for any worker) a run of several councils with draws is split into (below 2: never split)", func(c *Config) flag.Value { return (*intValue)(&c.SplitParts) }},
	{"job-timeout", "worker: longest one run's job may take", func(c *Config) flag.Value { return (*durationValue)(&c.JobTimeout) }},
	{"rescue-after", "worker: time after which a running job's worker is taken for dead (0: job-timeout + 1m)", func(c *Config) flag.Value { return (*durationValue)(&c.RescueAfter) }},
	{"log-level", "debug, info, warn or error", func(c *Config) flag.Value { return (*stringValue)(&c.LogLevel) }},
	{"log-format", "text or json", func(c *Config) flag.Value { return (*stringValue)(&c.LogFormat) }},
	{"workers", "runs executed at once", func(c *Config) flag.Value { return (*intValue)(&c.Workers) }},
	{"workers-per-org", "workers one organisation's runs may hold at once (0: workers-1, at least 1)", func(c *Config) flag.Value { return (*intValue)(&c.WorkersPerOrg) }},
	{"max-runs-per-org", "unfinished runs one organisation may have", func(c *Config) flag.Value { return (*intValue)(&c.MaxRunsPerOrg) }},
	{"run-timeout", "longest a run may take", func(c *Config) flag.Value { return (*durationValue)(&c.RunTimeout) }},
	{"max-upload-bytes", "largest dataset upload (e.g. 256MiB)", func(c *Config) flag.Value { return (*bytesValue)(&c.MaxUploadBytes) }},
	{"max-upload-rows", "most rows in one dataset upload", func(c *Config) flag.Value { return (*int64Value)(&c.MaxUploadRows) }},
	{"max-body-bytes", "largest request body other than uploads (e.g. 1MiB)", func(c *Config) flag.Value { return (*bytesValue)(&c.MaxBodyBytes) }},
	{"max-page-size", "largest page of any list", func(c *Config) flag.Value { return (*intValue)(&c.MaxPageSize) }},
	{"rate-limit", "sustained requests per second per API key", func(c *Config) flag.Value { return (*floatValue)(&c.RateLimit) }},
	{"rate-burst", "requests per API key allowed in a burst", func(c *Config) flag.Value { return (*intValue)(&c.RateBurst) }},
	{"org-rate-limit", "sustained requests per second per organisation, over all its keys", func(c *Config) flag.Value { return (*floatValue)(&c.OrgRateLimit) }},
	{"org-rate-burst", "requests per organisation allowed in a burst", func(c *Config) flag.Value { return (*intValue)(&c.OrgRateBurst) }},
	{"anon-rate-limit", "sustained requests per second per client address without a valid key", func(c *Config) flag.Value { return (*floatValue)(&c.AnonRateLimit) }},
	{"anon-rate-burst", "requests per client address without a valid key allowed in a burst", func(c *Config) flag.Value { return (*intValue)(&c.AnonRateBurst) }},
	{"trust-forwarded-for", "take the client address from X-Forwarded-For (only behind your own proxy)", func(c *Config) flag.Value { return (*boolValue)(&c.TrustForwardedFor) }},
	{"max-keys-per-org", "API keys one organisation may have (the CLI is not limited)", func(c *Config) flag.Value { return (*intValue)(&c.MaxKeysPerOrg) }},
	{"read-header-timeout", "time to read request headers", func(c *Config) flag.Value { return (*durationValue)(&c.ReadHeaderTimeout) }},
	{"read-timeout", "time to read a request (uploads get upload-timeout)", func(c *Config) flag.Value { return (*durationValue)(&c.ReadTimeout) }},
	{"write-timeout", "time to write a response (event streams extend it per event)", func(c *Config) flag.Value { return (*durationValue)(&c.WriteTimeout) }},
	{"idle-timeout", "time an idle keep-alive connection is kept", func(c *Config) flag.Value { return (*durationValue)(&c.IdleTimeout) }},
	{"upload-timeout", "time to receive one upload", func(c *Config) flag.Value { return (*durationValue)(&c.UploadTimeout) }},
	{"shutdown-timeout", "time a graceful shutdown waits for requests and runs", func(c *Config) flag.Value { return (*durationValue)(&c.ShutdownTimeout) }},
}

// EnvName returns the environment variable that sets the flag called name, e.g.
// CARECAST_DATA_DIR for data-dir.
func EnvName(name string) string {
	return "CARECAST_" + strings.ToUpper(strings.ReplaceAll(name, "-", "_"))
}

// ParseConfig builds a Config from DefaultConfig, then CARECAST_* environment variables read
// with getenv, then the command-line flags in args (flags win), and validates it. The error
// names every bad flag, variable or value. With -h or -help it writes the usage to usage and
// returns flag.ErrHelp.
func ParseConfig(args []string, getenv func(string) string, usage io.Writer) (Config, error) {
	return ParseConfigFor("serve", args, getenv, usage)
}

// ParseConfigFor is ParseConfig for the carecast command called cmd (serve or worker), whose
// name the usage shows.
func ParseConfigFor(cmd string, args []string, getenv func(string) string, usage io.Writer) (Config, error) {
	cfg := DefaultConfig()
	var errs []error
	for _, s := range settings {
		if v := getenv(EnvName(s.name)); v != "" {
			if err := s.value(&cfg).Set(v); err != nil {
				errs = append(errs, fmt.Errorf("%s=%q: %w", EnvName(s.name), v, err))
			}
		}
	}
	fs := flag.NewFlagSet("carecast "+cmd, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	for _, s := range settings {
		fs.Var(s.value(&cfg), s.name, s.usage+" (env "+EnvName(s.name)+")")
	}
	fs.Usage = func() {} // flag calls it on every error; usage is printed for -h only
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			if usage != nil {
				fmt.Fprintf(usage, "usage: carecast %s [flags]\n", cmd)
				fs.SetOutput(usage)
				fs.PrintDefaults()
			}
			return cfg, err
		}
		errs = append(errs, err)
	} else if fs.NArg() > 0 {
		errs = append(errs, fmt.Errorf("unexpected arguments: %s", strings.Join(fs.Args(), " ")))
	}
	if err := errors.Join(errs...); err != nil {
		return cfg, err
	}
	return cfg, cfg.Validate()
}

// Validate checks every field and returns one error listing each problem, or nil.
func (c Config) Validate() error {
	var errs []error
	bad := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }
	if _, port, err := net.SplitHostPort(c.Addr); err != nil {
		bad("addr %q: want host:port, e.g. 127.0.0.1:8080", c.Addr)
	} else if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		bad("addr %q: port must be a number 0..65535", c.Addr)
	}
	if strings.TrimSpace(c.DataDir) == "" {
		bad("data-dir is empty")
	}
	if _, err := parseLevel(c.LogLevel); err != nil {
		bad("log-level: %v", err)
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		bad("log-format %q: want text or json", c.LogFormat)
	}
	positive := func(name string, v int64) {
		if v <= 0 {
			bad("%s must be positive, got %d", name, v)
		}
	}
	positive("workers", int64(c.Workers))
	switch {
	case c.WorkersPerOrg < 0:
		bad("workers-per-org must be 0 (workers-1) or positive, got %d", c.WorkersPerOrg)
	case c.Database == "" && c.WorkersPerOrg > c.Workers && c.Workers > 0:
		// With a database the limit counts every worker's runs, so it may exceed one
		// process's workers.
		bad("workers-per-org must be 0 (workers-1) or 1..workers (%d), got %d", c.Workers, c.WorkersPerOrg)
	}
	positive("max-runs-per-org", int64(c.MaxRunsPerOrg))
	positive("max-upload-bytes", c.MaxUploadBytes)
	positive("max-upload-rows", c.MaxUploadRows)
	positive("max-body-bytes", c.MaxBodyBytes)
	positive("max-page-size", int64(c.MaxPageSize))
	positive("rate-burst", int64(c.RateBurst))
	if c.MinFreeBytes < 0 {
		bad("min-free-bytes must not be negative, got %d", c.MinFreeBytes)
	}
	positive("org-rate-burst", int64(c.OrgRateBurst))
	positive("anon-rate-burst", int64(c.AnonRateBurst))
	positive("max-keys-per-org", int64(c.MaxKeysPerOrg))
	for _, r := range []struct {
		name string
		v    float64
	}{{"rate-limit", c.RateLimit}, {"org-rate-limit", c.OrgRateLimit}, {"anon-rate-limit", c.AnonRateLimit}} {
		if !(r.v > 0) {
			bad("%s must be positive, got %g", r.name, r.v)
		}
	}
	for _, d := range []struct {
		name string
		v    time.Duration
	}{
		{"run-timeout", c.RunTimeout}, {"read-header-timeout", c.ReadHeaderTimeout}, {"read-timeout", c.ReadTimeout},
		{"write-timeout", c.WriteTimeout}, {"idle-timeout", c.IdleTimeout}, {"upload-timeout", c.UploadTimeout},
		{"shutdown-timeout", c.ShutdownTimeout}, {"job-timeout", c.JobTimeout},
	} {
		if d.v <= 0 {
			bad("%s must be positive, got %v", d.name, d.v)
		}
	}
	if c.RescueAfter < 0 || c.RescueAfter > 0 && c.RescueAfter <= c.JobTimeout {
		bad("rescue-after (%v) must exceed job-timeout (%v), or be 0 for job-timeout + 1m", c.RescueAfter, c.JobTimeout)
	}
	if c.Database != "" && !strings.HasPrefix(c.Database, "postgres://") && !strings.HasPrefix(c.Database, "postgresql://") && !strings.Contains(c.Database, "=") {
		bad("database: want a PostgreSQL URL (postgres://…) or key=value settings")
	}
	if c.ReadHeaderTimeout > c.ReadTimeout && c.ReadTimeout > 0 {
		bad("read-header-timeout (%v) is longer than read-timeout (%v)", c.ReadHeaderTimeout, c.ReadTimeout)
	}
	return errors.Join(errs...)
}

// OrgWorkers returns how many workers one organisation may hold at once: WorkersPerOrg if set,
// otherwise Workers−1 (at least 1).
func (c Config) OrgWorkers() int {
	if c.WorkersPerOrg > 0 {
		return c.WorkersPerOrg
	}
	return max(1, c.Workers-1)
}

// Loopback reports whether Addr listens only on the loopback interface (127.0.0.0/8, ::1 or
// localhost). An empty host (all interfaces) is not loopback.
func (c Config) Loopback() bool {
	host, _, err := net.SplitHostPort(c.Addr)
	if err != nil {
		return false
	}
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// NewLogger builds the server's logger from LogLevel and LogFormat, writing to w. Call it once
// and pass the logger down.
func (c Config) NewLogger(w io.Writer) (*slog.Logger, error) {
	level, err := parseLevel(c.LogLevel)
	if err != nil {
		return nil, err
	}
	opts := &slog.HandlerOptions{Level: level}
	if c.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return slog.New(slog.NewTextHandler(w, opts)), nil
}

func parseLevel(s string) (slog.Level, error) {
	switch strings.ToLower(s) {
	case "debug":
		return slog.LevelDebug, nil
	case "info":
		return slog.LevelInfo, nil
	case "warn":
		return slog.LevelWarn, nil
	case "error":
		return slog.LevelError, nil
	}
	return 0, fmt.Errorf("%q: want debug, info, warn or error", s)
}

type stringValue string

func (v *stringValue) Set(s string) error { *v = stringValue(s); return nil }
func (v *stringValue) String() string     { return string(*v) }

type intValue int

func (v *intValue) Set(s string) error {
	n, err := strconv.Atoi(s)
	if err != nil {
		return errors.New("not a whole number")
	}
	*v = intValue(n)
	return nil
}
func (v *intValue) String() string { return strconv.Itoa(int(*v)) }

type int64Value int64

func (v *int64Value) Set(s string) error {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return errors.New("not a whole number")
	}
	*v = int64Value(n)
	return nil
}
func (v *int64Value) String() string { return strconv.FormatInt(int64(*v), 10) }

type floatValue float64

func (v *floatValue) Set(s string) error {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return errors.New("not a number")
	}
	*v = floatValue(f)
	return nil
}
func (v *floatValue) String() string { return strconv.FormatFloat(float64(*v), 'g', -1, 64) }

type boolValue bool

func (v *boolValue) Set(s string) error {
	b, err := strconv.ParseBool(s)
	if err != nil {
		return errors.New("not true or false")
	}
	*v = boolValue(b)
	return nil
}
func (v *boolValue) String() string   { return strconv.FormatBool(bool(*v)) }
func (v *boolValue) IsBoolFlag() bool { return true }

type durationValue time.Duration

func (v *durationValue) Set(s string) error {
	d, err := time.ParseDuration(s)
	if err != nil {
		return errors.New("not a duration (e.g. 30s, 5m, 1h)")
	}
	*v = durationValue(d)
	return nil
}
func (v *durationValue) String() string { return time.Duration(*v).String() }

// bytesValue is a size in bytes, written as a whole number with an optional unit: B, KB, MB,
// GB (powers of 1000) or KiB, MiB, GiB (powers of 1024).
type bytesValue int64

var byteUnits = []struct {
	suffix string
	mult   int64
}{
	{"KIB", 1 << 10}, {"MIB", 1 << 20}, {"GIB", 1 << 30},
	{"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"B", 1},
}

func (v *bytesValue) Set(s string) error {
	t := strings.ToUpper(strings.TrimSpace(s))
	mult := int64(1)
	for _, u := range byteUnits {
		if num, ok := strings.CutSuffix(t, u.suffix); ok {
			t, mult = strings.TrimSpace(num), u.mult
			break
		}
	}
	n, err := strconv.ParseInt(t, 10, 64)
	if err != nil || n < 0 || n > (1<<62)/mult {
		return errors.New("not a size (e.g. 1048576, 512KiB, 256MiB, 1GB)")
	}
	*v = bytesValue(n * mult)
	return nil
}
func (v *bytesValue) String() string { return strconv.FormatInt(int64(*v), 10) }

// ServiceConfig is what the service.Service needs of c; version is the software version
// recorded with every run.
func (c Config) ServiceConfig(version string) service.Config {
	return service.Config{DataDir: c.DataDir, Workers: c.Workers, OrgWorkers: c.OrgWorkers(),
		MaxRunsPerOrg: c.MaxRunsPerOrg, RunTimeout: c.RunTimeout, SplitParts: c.SplitParts, Version: version,
		MaxScenarioBytes: c.MaxBodyBytes, MaxPageSize: c.MaxPageSize, MaxKeysPerOrg: c.MaxKeysPerOrg}
}
