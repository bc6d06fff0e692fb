package redshift_test

import (
	"os"
	"testing"

	"github.com/animetl/animetl/internal/contract"
)

// root holds the warehouse and the lake the tests share.
var root string

func TestMain(m *testing.M) {
	d, err := os.MkdirTemp("", "animetl-redshift-")
	if err != nil {
		panic(err)
	}
	root = d
	code := contract.Main(m)
	os.RemoveAll(d)
	os.Exit(code)
}
