package api

import (
	"context"
	"io"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/carecast/carecast/service"
	"github.com/carecast/carecast/store"
)

// RunProgress is the data of a "progress" event (service.RunProgress).
type RunProgress = service.RunProgress

// runEventsDoc documents the stream in OpenAPI.
var runEventsDoc = &huma.Response{
	Description: "A text/event-stream. `progress` events carry a RunProgress object each time the run's status or " +
		"progress changes (at most about ten a second); the last event, `end`, carries the final Run, after which the " +
		"server closes the stream. Comment lines keep the connection alive.",
	Content: map[string]*huma.MediaType{"text/event-stream": {Schema: &huma.Schema{Type: huma.TypeString}}},
}

func (s *Service) registerRunEvents(api huma.API) {
	register(s, api, huma.Operation{
		OperationID: "run-events", Method: http.MethodGet, Path: "/runs/{id}/events", Tags: []string{"Runs"},
		Summary:     "Follow a run's progress",
		Description: "Server-sent events with the run's progress until it finishes.",
		Responses:   map[string]*huma.Response{"200": runEventsDoc},
		Errors:      []int{http.StatusNotFound, http.StatusUnprocessableEntity},
	}, "run", store.RoleViewer, func(ctx context.Context, in *RunPath) (*huma.StreamResponse, error) {
		r, err := s.svc.Run(ctx, caller(ctx), in.ID)
		if err != nil {
			return nil, err
		}
		return &huma.StreamResponse{Body: func(hctx huma.Context) { s.streamRun(hctx, r) }}, nil
	})
}

// streamRun writes a run's events (service.Service.RunEvents) until it is final, the client
// leaves or the server shuts down; the end event carries the API's Run. Each write gets its own
// deadline (the server's WriteTimeout would otherwise cut long streams).
func (s *Service) streamRun(hctx huma.Context, r store.Run) {
	w := &eventWriter{w: hctx.BodyWriter(), timeout: s.cfg.WriteTimeout}
	if rw, ok := w.w.(http.ResponseWriter); ok {
		w.rc = http.NewResponseController(rw)
	}
	hctx.SetHeader("Content-Type", "text/event-stream")
	hctx.SetHeader("Cache-Control", "no-cache")
	hctx.SetHeader("X-Accel-Buffering", "no")
	hctx.SetStatus(http.StatusOK)

	if w.rc != nil {
		// The request has no body: without this, the server's ReadTimeout would end the stream.
		w.rc.SetReadDeadline(time.Time{})
	}
	s.svc.RunEvents(hctx.Context(), r, w, s.closing, func(r store.Run) any { return runBody(r) })
}

// eventWriter is a service.EventWriter on a response: each write extends the connection's
// write deadline by timeout, and Flush flushes the response (when it is an http.ResponseWriter).
type eventWriter struct {
	w       io.Writer
	rc      *http.ResponseController
	timeout time.Duration
}

func (e *eventWriter) Write(b []byte) (int, error) {
	if e.rc != nil {
		e.rc.SetWriteDeadline(time.Now().Add(e.timeout))
	}
	return e.w.Write(b)
}

func (e *eventWriter) Flush() error {
	if e.rc != nil {
		return e.rc.Flush()
	}
	return nil
}
