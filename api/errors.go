package api

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"syscall"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/carecast/carecast/service"
	"github.com/carecast/carecast/store"
)

// maxProblems caps how many validation problems one response lists.
const maxProblems = 100

// toHTTP is the one place where errors become HTTP responses. Errors that are already Huma
// status errors (built by handlers from their own words) pass through; store sentinels map to
// their statuses with fixed messages; anything else is logged with the request ID and answered
// with a generic 500 that quotes the ID, so internal error text never reaches the client.
// what names the thing the operation is about ("scenario", "run", …).
func (s *Service) toHTTP(ctx context.Context, what string, err error) error {
	var se huma.StatusError
	var inv *service.InvalidScenario
	var dmg *service.DamagedResult
	switch {
	case errors.As(err, &se):
		return err
	case errors.As(err, &inv):
		return invalid("the scenario is not valid", "body", inv.Err, locateJSON)
	case errors.As(err, &dmg):
		// 500, not 409: the request is right and the run did succeed; the server failed to
		// keep what it wrote, which is its fault and should count as a server error in its
		// metrics and alerts. Retrying does not help (not 503); running the scenario again does.
		return huma.NewError(http.StatusInternalServerError, dmg.Error())
	case errors.Is(err, syscall.ENOSPC):
		// Only operations that write files meet it (uploads); they remove what they wrote
		// before returning, so the previously stored data stays as it was.
		s.log.ErrorContext(ctx, "disk full", "request_id", info(ctx).id, "what", what, "err", err)
		return huma.NewError(http.StatusInsufficientStorage, "the server's disk is full, so nothing was stored; "+
			"try again once an administrator has freed space")
	case errors.Is(err, store.ErrDiskFull):
		// Any write to the database (SQLITE_FULL); the store wrote nothing. Runs that finish
		// meanwhile are still recorded: see runManager.finish and the disk reserve.
		s.log.ErrorContext(ctx, "database disk full", "request_id", info(ctx).id, "what", what, "err", err)
		return huma.NewError(http.StatusInsufficientStorage, "the server's disk is full; nothing was changed; "+
			"try again once an administrator has freed space")
	case errors.Is(err, service.ErrShutdown):
		return huma.Error503ServiceUnavailable("the server is shutting down; start the run again later")
	case errors.Is(err, store.ErrNotFound):
		return huma.Error404NotFound(what + " not found")
	case errors.Is(err, store.ErrVersionMismatch):
		return huma.Error412PreconditionFailed("the " + what + " has changed since the version named in If-Match; read it again")
	case errors.Is(err, store.ErrConflict):
		return huma.Error409Conflict("the " + what + " is in a state that does not allow this")
	case errors.Is(err, store.ErrTooManyRuns):
		return tooMany(30*time.Second, "your organisation has as many unfinished runs as it may; wait for one to finish or cancel one")
	case errors.Is(err, store.ErrTooManyKeys):
		return huma.Error409Conflict("your organisation has " + strconv.Itoa(s.cfg.MaxKeysPerOrg) +
			" API keys, the most it may have (max-keys-per-org); delete one before creating another")
	case errors.Is(err, store.ErrBadCursor):
		return huma.Error422UnprocessableEntity("invalid cursor", &huma.ErrorDetail{
			Location: "query.cursor", Message: "not a cursor this server issued; start from the first page"})
	case errors.Is(err, context.Canceled) && ctx.Err() != nil:
		// The client went away; nobody reads this answer.
		return huma.NewError(499, "client closed the request")
	}
	id := info(ctx).id
	s.log.ErrorContext(ctx, "internal error", "request_id", id, "what", what, "err", err)
	return internalError(id)
}

func internalError(requestID string) error {
	return &huma.ErrorModel{
		Status:   http.StatusInternalServerError,
		Title:    http.StatusText(http.StatusInternalServerError),
		Detail:   "internal error; quote request " + requestID + " when reporting it",
		Instance: "urn:carecast:request:" + requestID,
	}
}

// tooMany is a 429 with Retry-After (whole seconds, at least 1).
func tooMany(retry time.Duration, msg string) error {
	secs := max(1, int((retry+time.Second-1)/time.Second))
	return huma.ErrorWithHeaders(huma.NewError(http.StatusTooManyRequests, msg),
		http.Header{"Retry-After": {strconv.Itoa(secs)}})
}

// invalid is a 422 listing every problem of a validation error, each located under prefix
// (e.g. "body" for a scenario document).
func invalid(msg, prefix string, err error, locate func(prefix, loc string) string) error {
	ps := problems(err)
	details := make([]error, 0, min(len(ps), maxProblems+1))
	for i, p := range ps {
		if i == maxProblems {
			details = append(details, &huma.ErrorDetail{Location: prefix,
				Message: strconv.Itoa(len(ps)-maxProblems) + " more problems not listed"})
			break
		}
		details = append(details, &huma.ErrorDetail{Location: locate(prefix, p.Location), Message: p.Message})
	}
	return huma.Error422UnprocessableEntity(msg, details...)
}
