package schedule

import (
	"context"
	"errors"
	"net"
	"syscall"

	"github.com/animetl/animetl"
	"github.com/animetl/animetl/internal/ranged"
)

// Retryable reports whether a run that failed with err may pass when
// tried again later: the warehouse lock was held, a required file was not
// delivered yet, the source or the warehouse could not be reached, or a
// remote read gave up after its own retries. Failures that waiting cannot
// fix are not retried: invalid settings, a bad header, a base file without
// rows, a bad source layout, a quality check of error severity, a
// permanent remote error (missing object, denied access). An error of a
// kind not named here is not retried either: retrying what is not known
// to pass only delays the alert.
func Retryable(err error) bool {
	switch {
	case err == nil:
		return false
	case errors.Is(err, animetl.ErrConfig), errors.Is(err, animetl.ErrHeader), errors.Is(err, animetl.ErrNoRows),
		errors.Is(err, animetl.ErrSourceLayout), errors.Is(err, animetl.ErrChecks), ranged.IsPermanent(err):
		return false
	case errors.Is(err, animetl.ErrLocked), errors.Is(err, animetl.ErrMissingFile):
		return true
	}
	var exhausted *ranged.ExhaustedError
	if errors.As(err, &exhausted) {
		return true
	}
	var ne net.Error
	if errors.As(err, &ne) {
		return true
	}
	var dns *net.DNSError
	var op *net.OpError
	if errors.As(err, &dns) || errors.As(err, &op) {
		return true
	}
	return errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, syscall.EHOSTUNREACH) || errors.Is(err, syscall.ENETUNREACH) ||
		errors.Is(err, context.DeadlineExceeded)
}
