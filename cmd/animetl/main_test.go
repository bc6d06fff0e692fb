package main

import (
	"context"
	"os"
	"testing"

	"github.com/animetl/animetl/internal/contract"
)

// TestMain lets the test binary act as the animetl command when
// ANIMETL_TEST_AS_CLI is set, so crash tests can start real animetl
// processes (and kill them) without building a separate binary.
func TestMain(m *testing.M) {
	if os.Getenv("ANIMETL_TEST_AS_CLI") == "1" {
		os.Exit(execute(context.Background(), os.Args[1:], os.Stdout, os.Stderr))
	}
	os.Exit(contract.Main(m))
}
