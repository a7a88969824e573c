package api

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/carecast/carecast/store"
)

// reqInfo is filled in as a request passes through the layers and read by the access log and
// the metrics when it is done.
type reqInfo struct {
	id   string // request ID, also sent as X-Request-ID
	op   string // Huma operation ID, "" outside Huma
	org  string // organisation name once authenticated
	addr string // client address (see Service.clientAddr)
}

type reqInfoKey struct{}

// info returns the request's reqInfo, or a fresh one (with a new ID) for requests that did not
// come through middleware (humatest).
func info(ctx context.Context) *reqInfo {
	if ri, ok := ctx.Value(reqInfoKey{}).(*reqInfo); ok {
		return ri
	}
	return &reqInfo{id: newRequestID()}
}

func newRequestID() string { return strings.TrimPrefix(store.NewID("r"), "r_") }

// statusWriter records the status code. It unwraps for http.ResponseController (flushes and
// deadlines of event streams).
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// middleware wraps the router: request ID, panic recovery, access log and request metrics.
func (s *Service) middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		ri := &reqInfo{id: newRequestID(), addr: s.clientAddr(r)}
		w.Header().Set("X-Request-ID", ri.id)
		sw := &statusWriter{ResponseWriter: w}
		r = r.WithContext(context.WithValue(r.Context(), reqInfoKey{}, ri))
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				s.log.Error("panic serving request", "request_id", ri.id, "panic", p, "stack", string(debug.Stack()))
				if sw.status == 0 {
					writeProblem(sw, r, http.StatusInternalServerError, "internal error")
				}
			}
			status := sw.status
			if status == 0 {
				status = http.StatusOK
			}
			elapsed := time.Since(start)
			op := ri.op
			if op == "" {
				op = "none"
				if r.URL.Path == "/metrics" {
					op = "metrics"
				}
			}
			s.metrics.observeRequest(op, r.Method, status, elapsed)
			level := slog.LevelInfo
			if op == "healthz" || op == "readyz" || op == "metrics" {
				level = slog.LevelDebug
			}
			s.log.Log(r.Context(), level, "request", "request_id", ri.id, "method", r.Method, "path", r.URL.Path,
				"operation", op, "status", status, "duration_ms", float64(elapsed.Microseconds())/1000, "org", ri.org)
		}()
		next.ServeHTTP(sw, r)
	})
}

// tagOperation is the first Huma middleware: it records the operation ID for the log and the
// metrics.
func tagOperation(ctx huma.Context, next func(huma.Context)) {
	ri, ok := ctx.Context().Value(reqInfoKey{}).(*reqInfo)
	if !ok { // not through Service.middleware (humatest): give the request an ID here
		ri = &reqInfo{id: newRequestID()}
		ctx = huma.WithValue(ctx, reqInfoKey{}, ri)
		ctx.SetHeader("X-Request-ID", ri.id)
	}
	ri.op = ctx.Operation().OperationID
	next(ctx)
}

// writeProblem writes an RFC 9457 problem document outside Huma (unknown routes, panics).
func writeProblem(w http.ResponseWriter, r *http.Request, status int, detail string) {
	p := huma.ErrorModel{Title: http.StatusText(status), Status: status, Detail: detail}
	if status >= 500 {
		p.Instance = "urn:carecast:request:" + info(r.Context()).id
	}
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Content-Length", strconv.Itoa(len(mustJSON(p))))
	w.WriteHeader(status)
	w.Write(mustJSON(p))
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}
