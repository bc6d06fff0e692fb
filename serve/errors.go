package serve

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"

	"github.com/animetl/animetl"
)

// apiError is an error response: {"error":{"code","message","param"}}.
type apiError struct {
	status     int
	Code       string `json:"code"`
	Message    string `json:"message"`
	Param      string `json:"param,omitempty"`
	retryAfter int    // seconds; 0 sends no Retry-After
}

func (e *apiError) Error() string { return e.Message }

func badParam(name, msg string) *apiError {
	return &apiError{status: http.StatusBadRequest, Code: "bad_parameter", Message: msg, Param: name}
}

func notFound(msg string) *apiError {
	return &apiError{status: http.StatusNotFound, Code: "not_found", Message: msg}
}

// Retry-After of the 503 answers, in seconds.
const (
	retryUnavailable  = 5
	retryNotPublished = 60
)

// asAPIError maps a read's error to the answer the client gets. The
// warehouse's own messages stay in the log: they can name hosts and paths.
func asAPIError(err error) *apiError {
	var ae *apiError
	switch {
	case errors.As(err, &ae):
		return ae
	case errors.Is(err, animetl.ErrNotFound):
		return &apiError{status: http.StatusServiceUnavailable, Code: "not_published",
			Message: "nothing is published yet; a run publishes the warehouse", retryAfter: retryNotPublished}
	case errors.Is(err, context.Canceled):
		return &apiError{status: 499, Code: "canceled", Message: "the request was canceled"}
	}
	return &apiError{status: http.StatusServiceUnavailable, Code: "warehouse_unavailable",
		Message: "the warehouse cannot be read right now; try again shortly", retryAfter: retryUnavailable}
}

func writeError(w http.ResponseWriter, e *apiError) {
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	if e.retryAfter > 0 {
		h.Set("Retry-After", strconv.Itoa(e.retryAfter))
	}
	status := e.status
	if status == 499 { // the client is gone; nothing reads this
		status = http.StatusServiceUnavailable
	}
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]*apiError{"error": e})
}
