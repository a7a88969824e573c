package api

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/carecast/carecast/service"
	"github.com/carecast/carecast/store"
)

// TestOrgRateLimit is finding #11 of issue 9: many keys of one organisation together get no
// more than the organisation's limit. Measured with 50 keys at 5 requests a second each (bursts
// of 5), as fast as they could for 2 s on loopback under -race: 345 answered requests a second
// before the organisation limit; 29 after (a burst of 20, then its 20 a second).
func TestOrgRateLimit(t *testing.T) {
	const orgRate, orgBurst, window = 20, 20, 2 * time.Second
	ts := newTestServer(t, true, func(c *Config, _ *Deps) {
		c.RateLimit, c.RateBurst = 5, 5
		c.OrgRateLimit, c.OrgRateBurst = orgRate, orgBurst
	})
	var keys []string
	for i := range 50 {
		_, secret, err := service.CreateKey(t.Context(), ts.st, "alpha", store.RoleViewer, "k"+itoa(i))
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, secret)
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	defer client.CloseIdleConnections()
	var ok, limited atomic.Int64
	var mu sync.Mutex
	details := map[string]bool{}
	start := time.Now()
	var wg sync.WaitGroup
	for _, k := range keys {
		wg.Go(func() {
			for time.Since(start) < window {
				req, _ := http.NewRequest("GET", ts.srv.URL+"/v1/whoami", nil)
				req.Header.Set("Authorization", "Bearer "+k)
				res, err := client.Do(req)
				if err != nil {
					t.Error(err)
					return
				}
				if res.StatusCode == http.StatusTooManyRequests {
					var p problemDoc
					if err := json.NewDecoder(res.Body).Decode(&p); err == nil {
						mu.Lock()
						details[p.Detail] = true
						mu.Unlock()
					}
					if res.Header.Get("Retry-After") == "" {
						t.Error("429 without Retry-After")
					}
				}
				io.Copy(io.Discard, res.Body)
				res.Body.Close()
				switch res.StatusCode {
				case http.StatusOK:
					ok.Add(1)
				case http.StatusTooManyRequests:
					limited.Add(1)
				default:
					t.Errorf("status %d", res.StatusCode)
				}
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	t.Logf("50 keys of one organisation: %d answered, %d refused in %v: %.0f requests a second",
		ok.Load(), limited.Load(), elapsed.Round(time.Millisecond), float64(ok.Load())/elapsed.Seconds())
	if max := orgBurst + orgRate*elapsed.Seconds() + 1; float64(ok.Load()) > max {
		t.Errorf("%d requests answered, more than the organisation's limit allows (%.0f)", ok.Load(), max)
	}
	var sawOrg bool
	for d := range details {
		sawOrg = sawOrg || strings.Contains(d, "organisation")
	}
	if !sawOrg {
		t.Errorf("no 429 named the organisation limit: %v", details)
	}
	// Another organisation is not affected.
	want(t, ts.do("GET", "/v1/whoami", ts.key("beta", store.RoleViewer), nil), http.StatusOK)
}

func TestKeyCap(t *testing.T) {
	ts := newTestServer(t, true, func(c *Config, _ *Deps) { c.MaxKeysPerOrg = 5 })
	admin := ts.key("alpha", store.RoleAdmin) // alpha and beta have 3 keys each
	var made []NewKey
	for range 2 {
		var k NewKey
		want(t, ts.do("POST", "/v1/keys", admin, map[string]any{"name": "ci", "role": "viewer"}), http.StatusCreated).json(t, &k)
		made = append(made, k)
	}
	r := want(t, ts.do("POST", "/v1/keys", admin, map[string]any{"name": "one too many", "role": "viewer"}), http.StatusConflict)
	if p := r.problem(t); !strings.Contains(p.Detail, "5 API keys") || !strings.Contains(p.Detail, "max-keys-per-org") {
		t.Errorf("key N+1 refused with %q, want the cap named", p.Detail)
	}
	var list Page[Key]
	want(t, ts.do("GET", "/v1/keys", admin, nil), http.StatusOK).json(t, &list)
	if len(list.Items) != 5 {
		t.Errorf("%d keys after the refusal, want 5", len(list.Items))
	}
	// The other organisation has its own count; a deleted key makes room.
	want(t, ts.do("POST", "/v1/keys", ts.key("beta", store.RoleAdmin), map[string]any{"name": "ci", "role": "viewer"}), http.StatusCreated)
	want(t, ts.do("DELETE", "/v1/keys/"+made[0].ID, admin, nil), http.StatusNoContent)
	want(t, ts.do("POST", "/v1/keys", admin, map[string]any{"name": "again", "role": "viewer"}), http.StatusCreated)
}

func TestAnonRateLimit(t *testing.T) {
	ts := newTestServer(t, true, func(c *Config, _ *Deps) { c.AnonRateLimit, c.AnonRateBurst = 0.5, 5 })
	for i := range 5 {
		key := []string{"", "cck_nope"}[i%2]
		want(t, ts.do("GET", "/v1/whoami", key, nil), http.StatusUnauthorized)
	}
	for _, key := range []string{"", "cck_nope"} {
		r := want(t, ts.do("GET", "/v1/whoami", key, nil), http.StatusTooManyRequests)
		if ra := r.header.Get("Retry-After"); ra != "2" {
			t.Errorf("Retry-After = %q, want 2", ra)
		}
		if p := r.problem(t); !strings.Contains(p.Detail, "address") {
			t.Errorf("429 detail %q does not name the address limit", p.Detail)
		}
	}
	// Keys from the same address, of either organisation, are not affected; nor are public
	// operations.
	want(t, ts.do("GET", "/v1/whoami", ts.key("alpha", store.RoleViewer), nil), http.StatusOK)
	want(t, ts.do("GET", "/v1/whoami", ts.key("beta", store.RoleViewer), nil), http.StatusOK)
	want(t, ts.do("GET", "/healthz", "", nil), http.StatusOK)
	// X-Forwarded-For is not trusted by default: a made-up address shares the bucket.
	want(t, ts.do("GET", "/v1/whoami", "", nil, "X-Forwarded-For", "203.0.113.9"), http.StatusTooManyRequests)
}

func TestAnonRateLimitBehindProxy(t *testing.T) {
	ts := newTestServer(t, true, func(c *Config, _ *Deps) {
		c.AnonRateLimit, c.AnonRateBurst, c.TrustForwardedFor = 0.5, 2, true
	})
	client := "198.51.100.1, 203.0.113.7" // the proxy appends the address it saw last
	for range 2 {
		want(t, ts.do("GET", "/v1/whoami", "", nil, "X-Forwarded-For", client), http.StatusUnauthorized)
	}
	want(t, ts.do("GET", "/v1/whoami", "", nil, "X-Forwarded-For", client), http.StatusTooManyRequests)
	want(t, ts.do("GET", "/v1/whoami", "", nil, "X-Forwarded-For", "198.51.100.1, 203.0.113.8"), http.StatusUnauthorized)
}
