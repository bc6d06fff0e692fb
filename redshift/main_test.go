package redshift_test

import (
	"os"
	"testing"
)

// root holds the warehouse and the lake the tests share.
var root string

func TestMain(m *testing.M) {
	d, err := os.MkdirTemp("", "animetl-redshift-")
	if err != nil {
		panic(err)
	}
	root = d
	code := m.Run()
	os.RemoveAll(d)
	os.Exit(code)
}
