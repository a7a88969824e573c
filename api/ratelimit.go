package api

import (
	"context"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// rateLimits are the token buckets of the three request rate limits (finding #11 of issue 9):
// per API key and per organisation (over all its keys) for authenticated callers, and per
// client address for requests that need a key and come without a valid one.
type rateLimits struct {
	key, org, anon *rateLimiter
}

func newRateLimits(cfg Config, now func() time.Time) rateLimits {
	return rateLimits{
		key:  newRateLimiter(cfg.RateLimit, cfg.RateBurst, now),
		org:  newRateLimiter(cfg.OrgRateLimit, cfg.OrgRateBurst, now),
		anon: newRateLimiter(cfg.AnonRateLimit, cfg.AnonRateBurst, now),
	}
}

// rateRefusal says which limit refused a request, how long until it would pass and, in
// words for the problem document, what the limit is.
type rateRefusal struct {
	limit  string // key, organisation or address (the metric's label)
	wait   time.Duration
	detail string
}

// allowCaller takes a token from the caller's key bucket, then from its organisation's. It
// returns nil or the limit that refused.
func (s *Service) allowCaller(p principal) *rateRefusal {
	key := p.KeyID
	if key == "" {
		key = "local"
	}
	if ok, wait := s.limits.key.allow(key); !ok {
		return s.refused("key", wait, "rate limit of your API key exceeded: at most "+ftoa(s.cfg.RateLimit)+
			" requests a second per key (bursts of "+itoa(s.cfg.RateBurst)+")")
	}
	if ok, wait := s.limits.org.allow(p.OrgID); !ok {
		return s.refused("organisation", wait, "rate limit of your organisation exceeded: at most "+ftoa(s.cfg.OrgRateLimit)+
			" requests a second over all its API keys together (bursts of "+itoa(s.cfg.OrgRateBurst)+")")
	}
	return nil
}

// allowAnon takes a token from the bucket of the client address of a request that needs a
// key and has no valid one. It returns nil or the refusal.
func (s *Service) allowAnon(ctx context.Context) *rateRefusal {
	if ok, wait := s.limits.anon.allow(info(ctx).addr); !ok {
		return s.refused("address", wait, "rate limit of your address exceeded: at most "+ftoa(s.cfg.AnonRateLimit)+
			" requests a second without a valid API key (bursts of "+itoa(s.cfg.AnonRateBurst)+")")
	}
	return nil
}

func (s *Service) refused(limit string, wait time.Duration, detail string) *rateRefusal {
	s.metrics.rateLimited.WithLabelValues(limit).Inc()
	return &rateRefusal{limit: limit, wait: wait, detail: detail}
}

// retryAfter is the refusal's wait in whole seconds, at least 1, for Retry-After.
func (r *rateRefusal) retryAfter() string {
	return itoa(max(1, int((r.wait+time.Second-1)/time.Second)))
}

// clientAddr is the address a request comes from, without the port: the connection's remote
// address, or with Config.TrustForwardedFor the last X-Forwarded-For entry (the one the
// trusted proxy added) when there is one.
func (s *Service) clientAddr(r *http.Request) string {
	if s.cfg.TrustForwardedFor {
		if vs := r.Header.Values("X-Forwarded-For"); len(vs) > 0 {
			parts := strings.Split(vs[len(vs)-1], ",")
			if a := strings.TrimSpace(parts[len(parts)-1]); a != "" {
				return a
			}
		}
	}
	if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		return host
	}
	return r.RemoteAddr
}

// rateLimiter is a token bucket per name (an API key, organisation or client address): each
// may make burst requests at once and rate requests a second sustained.
type rateLimiter struct {
	rate, burst float64
	now         func() time.Time

	mu      sync.Mutex
	buckets map[string]*bucket
}

type bucket struct {
	tokens float64
	last   time.Time
}

// maxBuckets bounds the limiter's memory; past it, buckets that have refilled are dropped
// (they behave exactly like new ones).
const maxBuckets = 10000

func newRateLimiter(rate float64, burst int, now func() time.Time) *rateLimiter {
	return &rateLimiter{rate: rate, burst: float64(burst), now: now, buckets: map[string]*bucket{}}
}

// allow takes a token for key. If none is left it returns false and how long until one is.
func (l *rateLimiter) allow(key string) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	b, ok := l.buckets[key]
	if !ok {
		if len(l.buckets) >= maxBuckets {
			l.evict(now)
		}
		b = &bucket{tokens: l.burst, last: now}
		l.buckets[key] = b
	}
	b.tokens = min(l.burst, b.tokens+now.Sub(b.last).Seconds()*l.rate)
	b.last = now
	if b.tokens >= 1 {
		b.tokens--
		return true, 0
	}
	return false, time.Duration((1 - b.tokens) / l.rate * float64(time.Second))
}

func (l *rateLimiter) evict(now time.Time) {
	for k, b := range l.buckets {
		if b.tokens+now.Sub(b.last).Seconds()*l.rate >= l.burst {
			delete(l.buckets, k)
		}
	}
}

func itoa(n int) string     { return strconv.Itoa(n) }
func ftoa(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }
