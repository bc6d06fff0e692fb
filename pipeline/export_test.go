package pipeline

import (
	"context"

	"github.com/animetl/animetl"
)

// SetBeforeChecks sets the hook that runs on the stage before its checks
// (nil clears it).
func SetBeforeChecks(f func(context.Context, animetl.Stage) error) { beforeChecks = f }
