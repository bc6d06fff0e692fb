package pipeline_test

import (
	"os"
	"testing"

	"github.com/animetl/animetl/internal/contract"
)

// TestMain removes the data sets contract.Gen generated once the tests ran.
func TestMain(m *testing.M) { os.Exit(contract.Main(m)) }
