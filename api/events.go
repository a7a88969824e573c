package api

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/carecast/carecast/store"
)

// Event stream pacing.
const (
	eventMinGap    = 100 * time.Millisecond // at most ~10 progress events a second
	eventPoll      = time.Second            // re-read the store for runs not live in this process
	eventKeepAlive = 15 * time.Second
)

// RunProgress is the data of a "progress" event.
type RunProgress struct {
	ID       string          `json:"id" doc:"Run ID."`
	Status   store.RunStatus `json:"status" enum:"queued,running,succeeded,failed,cancelled"`
	Progress float64         `json:"progress" minimum:"0" maximum:"1" doc:"Share of the work done, 0..1."`
	Done     int             `json:"done,omitempty" doc:"Work units done, when the engine reports them."`
	Total    int             `json:"total,omitempty" doc:"Work units in all, when the engine reports them."`
}

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
		r, err := s.st.GetRun(ctx, caller(ctx).OrgID, in.ID)
		if err != nil {
			return nil, err
		}
		return &huma.StreamResponse{Body: func(hctx huma.Context) { s.streamRun(hctx, r) }}, nil
	})
}

// streamRun writes a run's events until it is final, the client leaves or the server shuts
// down. Each write gets its own deadline (the server's WriteTimeout would otherwise cut long
// streams).
func (s *Service) streamRun(hctx huma.Context, r store.Run) {
	ctx := hctx.Context()
	w := hctx.BodyWriter()
	var rc *http.ResponseController
	if rw, ok := w.(http.ResponseWriter); ok {
		rc = http.NewResponseController(rw)
	}
	hctx.SetHeader("Content-Type", "text/event-stream")
	hctx.SetHeader("Cache-Control", "no-cache")
	hctx.SetHeader("X-Accel-Buffering", "no")
	hctx.SetStatus(http.StatusOK)

	if rc != nil {
		// The request has no body: without this, the server's ReadTimeout would end the stream.
		rc.SetReadDeadline(time.Time{})
	}
	write := func(b []byte) bool {
		if rc != nil {
			rc.SetWriteDeadline(time.Now().Add(s.cfg.WriteTimeout))
		}
		if _, err := w.Write(b); err != nil {
			return false
		}
		if rc != nil {
			if err := rc.Flush(); err != nil {
				return false
			}
		}
		return true
	}
	event := func(name string, v any) bool {
		return write([]byte("event: " + name + "\ndata: " + string(mustJSON(v)) + "\n\n"))
	}

	id := r.ID
	var last RunProgress
	keepAlive := time.NewTicker(eventKeepAlive)
	defer keepAlive.Stop()
	first := true
	for {
		// Current state: live memory if the run is here, else the store.
		var changed <-chan struct{}
		cur := RunProgress{ID: id, Status: r.Status, Progress: r.Progress}
		if lr, done, total, ch, ok := s.svc.Watch(id); ok {
			r, changed = lr, ch
			cur = RunProgress{ID: id, Status: lr.Status, Progress: lr.Progress, Done: done, Total: total}
		}
		if first || cur != last {
			if !event("progress", cur) {
				return
			}
			last, first = cur, false
		}
		if cur.Status.Final() {
			if fr, err := s.st.RunByID(context.WithoutCancel(ctx), id); err == nil {
				r = fr
			}
			event("end", runBody(r))
			return
		}
		poll := time.After(eventPoll)
		if changed != nil {
			poll = nil
		}
		select {
		case <-ctx.Done():
			return
		case <-s.closing:
			write([]byte(": server shutting down\n\n"))
			return
		case <-keepAlive.C:
			if !write([]byte(": keep-alive\n\n")) {
				return
			}
		case <-changed:
			time.Sleep(eventMinGap)
		case <-poll:
		}
		if _, _, _, _, ok := s.svc.Watch(id); changed == nil || !ok {
			fr, err := s.st.RunByID(ctx, id)
			if err != nil {
				return
			}
			r = fr
		}
	}
}
