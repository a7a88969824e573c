package service

import (
	"context"
	"encoding/json"
	"io"
	"time"

	"github.com/carecast/carecast/store"
)

// Event stream pacing.
const (
	eventMinGap    = 100 * time.Millisecond // at most ~10 progress events a second
	eventPoll      = time.Second            // re-read the store for runs not live in this process
	eventKeepAlive = 15 * time.Second
)

// RunProgress is the data of a run event stream's "progress" events.
type RunProgress struct {
	ID       string          `json:"id" doc:"Run ID."`
	Status   store.RunStatus `json:"status" enum:"queued,running,succeeded,failed,cancelled"`
	Progress float64         `json:"progress" minimum:"0" maximum:"1" doc:"Share of the work done, 0..1."`
	Done     int             `json:"done,omitempty" doc:"Work units done, when the engine reports them."`
	Total    int             `json:"total,omitempty" doc:"Work units in all, when the engine reports them."`
}

// EventWriter receives a run's server-sent events: Write takes the bytes of an event (or a
// comment), Flush sends what was written to the client. An error from either ends the stream.
type EventWriter interface {
	io.Writer
	Flush() error
}

// RunEvents writes the server-sent events (text/event-stream) of run r, which the caller has
// read for its organisation, to w: a "progress" event with a RunProgress each time the run's
// status or progress changes (at most about ten a second), from the live state of a run in
// this process (Watch) or else the store, polled every second; a keep-alive comment every 15
// seconds; and, once the run is final, an "end" event whose data is end(the final run) as JSON,
// after which it returns. It also returns when ctx is done, when w fails, and when closing is
// closed (writing a "server shutting down" comment first). The API's run-events operation and
// the pages' progress stream both call it; they differ only in end.
func (s *Service) RunEvents(ctx context.Context, r store.Run, w EventWriter, closing <-chan struct{}, end func(store.Run) any) {
	write := func(b []byte) bool {
		if _, err := w.Write(b); err != nil {
			return false
		}
		return w.Flush() == nil
	}
	event := func(name string, v any) bool {
		data, err := json.Marshal(v)
		if err != nil {
			panic(err) // RunProgress and the faces' run bodies always marshal
		}
		return write([]byte("event: " + name + "\ndata: " + string(data) + "\n\n"))
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
		if lr, done, total, ch, ok := s.Watch(id); ok {
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
			event("end", end(r))
			return
		}
		poll := time.After(eventPoll)
		if changed != nil {
			poll = nil
		}
		select {
		case <-ctx.Done():
			return
		case <-closing:
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
		if _, _, _, _, ok := s.Watch(id); changed == nil || !ok {
			fr, err := s.st.RunByID(ctx, id)
			if err != nil {
				return
			}
			r = fr
		}
	}
}
