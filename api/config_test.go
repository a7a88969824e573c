package api

import (
	"bytes"
	"errors"
	"flag"
	"strings"
	"testing"
	"time"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestParseConfigDefaults(t *testing.T) {
	cfg, err := ParseConfig(nil, env(nil), nil)
	if err != nil {
		t.Fatal(err)
	}
	if cfg != DefaultConfig() {
		t.Errorf("defaults:\n%+v\nwant\n%+v", cfg, DefaultConfig())
	}
	if cfg.Addr != "127.0.0.1:8080" || !cfg.Loopback() {
		t.Errorf("default address %q", cfg.Addr)
	}
}

func TestParseConfigEnvAndFlags(t *testing.T) {
	cfg, err := ParseConfig(
		[]string{"--addr", "127.0.0.1:9000", "-workers=3", "--max-upload-bytes", "2MiB", "--trust-forwarded-for",
			"--org-rate-limit", "30", "--workers-per-org", "2"},
		env(map[string]string{
			"CARECAST_ADDR":             "127.0.0.1:7000", // the flag wins
			"CARECAST_DATA_DIR":         "/var/lib/carecast",
			"CARECAST_RATE_LIMIT":       "2.5",
			"CARECAST_WRITE_TIMEOUT":    "90s",
			"CARECAST_LOG_FORMAT":       "json",
			"CARECAST_MAX_BODY_BYTES":   "64KB",
			"CARECAST_ANON_RATE_BURST":  "7",
			"CARECAST_MAX_KEYS_PER_ORG": "3",
			"CARECAST_MIN_FREE_BYTES":   "1GiB",
		}), nil)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Addr != "127.0.0.1:9000" || cfg.DataDir != "/var/lib/carecast" || cfg.Workers != 3 || cfg.RateLimit != 2.5 ||
		cfg.WriteTimeout != 90*time.Second || cfg.LogFormat != "json" || cfg.MaxUploadBytes != 2<<20 || cfg.MaxBodyBytes != 64000 ||
		!cfg.TrustForwardedFor || cfg.OrgRateLimit != 30 || cfg.WorkersPerOrg != 2 || cfg.AnonRateBurst != 7 || cfg.MaxKeysPerOrg != 3 ||
		cfg.MinFreeBytes != 1<<30 {
		t.Errorf("parsed %+v", cfg)
	}
}

func TestParseConfigErrors(t *testing.T) {
	for _, tt := range []struct {
		args []string
		env  map[string]string
		want []string // every one must appear in the error
	}{
		{[]string{"--workers", "many"}, nil, []string{"workers", "not a whole number"}},
		{nil, map[string]string{"CARECAST_WORKERS": "x", "CARECAST_RUN_TIMEOUT": "soon"}, []string{"CARECAST_WORKERS", "CARECAST_RUN_TIMEOUT", "duration"}},
		{[]string{"--max-upload-bytes", "lots"}, nil, []string{"not a size"}},
		{[]string{"--min-free-bytes", "-1"}, nil, []string{"min-free-bytes", "not a size"}},
		{[]string{"--no-such-flag"}, nil, []string{"no-such-flag"}},
		{[]string{"extra"}, nil, []string{"unexpected arguments: extra"}},
		{[]string{"--addr", "8080"}, nil, []string{"addr", "host:port"}},
		{[]string{"--addr", "127.0.0.1:99999"}, nil, []string{"port"}},
		{[]string{"--workers", "0", "--rate-limit", "-1", "--log-level", "loud", "--log-format", "xml", "--data-dir", " "},
			nil, []string{"workers must be positive", "rate-limit must be positive", "log-level", "log-format", "data-dir is empty"}},
		{[]string{"--org-rate-limit", "0", "--anon-rate-limit", "NaN", "--max-keys-per-org", "0", "--workers", "2", "--workers-per-org", "3"},
			map[string]string{"CARECAST_TRUST_FORWARDED_FOR": "maybe"}, []string{"CARECAST_TRUST_FORWARDED_FOR", "not true or false"}},
		{[]string{"--org-rate-limit", "0", "--anon-rate-limit", "NaN", "--max-keys-per-org", "0", "--workers", "2", "--workers-per-org", "3"},
			nil, []string{"org-rate-limit must be positive", "anon-rate-limit must be positive", "max-keys-per-org must be positive", "workers-per-org"}},
		{[]string{"--read-timeout", "0s", "--shutdown-timeout", "-1s"}, nil, []string{"read-timeout must be positive", "shutdown-timeout must be positive"}},
		{[]string{"--read-header-timeout", "1m", "--read-timeout", "10s"}, nil, []string{"read-header-timeout (1m0s) is longer than read-timeout"}},
	} {
		_, err := ParseConfig(tt.args, env(tt.env), nil)
		if err == nil {
			t.Errorf("%v %v: no error", tt.args, tt.env)
			continue
		}
		for _, w := range tt.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%v %v: error %q lacks %q", tt.args, tt.env, err, w)
			}
		}
	}
}

func TestParseConfigHelp(t *testing.T) {
	var usage bytes.Buffer
	_, err := ParseConfig([]string{"-h"}, env(nil), &usage)
	if !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("err = %v", err)
	}
	for _, s := range []string{"usage: carecast serve", "-data-dir", "CARECAST_DATA_DIR", "-max-runs-per-org"} {
		if !strings.Contains(usage.String(), s) {
			t.Errorf("usage lacks %q:\n%s", s, usage.String())
		}
	}
}

func TestLoopback(t *testing.T) {
	for addr, want := range map[string]bool{
		"127.0.0.1:8080": true, "127.1.2.3:1": true, "[::1]:8080": true, "localhost:8080": true,
		":8080": false, "0.0.0.0:8080": false, "[::]:8080": false, "192.168.1.2:80": false, "example.org:80": false, "junk": false,
	} {
		if got := (Config{Addr: addr}).Loopback(); got != want {
			t.Errorf("Loopback(%q) = %v", addr, got)
		}
	}
}

func TestBytesValue(t *testing.T) {
	for in, want := range map[string]int64{"0": 0, "1024": 1024, "1KiB": 1024, "2 MiB": 2 << 20, "1GiB": 1 << 30, "5kb": 5000, "3MB": 3e6, "7B": 7} {
		var v bytesValue
		if err := v.Set(in); err != nil || int64(v) != want {
			t.Errorf("Set(%q) = %d, %v; want %d", in, v, err, want)
		}
	}
	for _, in := range []string{"", "-1", "1.5MiB", "MiB", "1TB", "99999999999GiB"} {
		var v bytesValue
		if err := v.Set(in); err == nil {
			t.Errorf("Set(%q) accepted: %d", in, v)
		}
	}
}

func TestNewLogger(t *testing.T) {
	var b bytes.Buffer
	cfg := DefaultConfig()
	cfg.LogFormat, cfg.LogLevel = "json", "warn"
	log, err := cfg.NewLogger(&b)
	if err != nil {
		t.Fatal(err)
	}
	log.Info("hidden")
	log.Warn("shown")
	if strings.Contains(b.String(), "hidden") || !strings.Contains(b.String(), `"msg":"shown"`) {
		t.Errorf("log output %q", b.String())
	}
}
