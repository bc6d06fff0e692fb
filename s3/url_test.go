package s3

import (
	"errors"
	"testing"

	"github.com/animetl/animetl"
	"github.com/animetl/animetl/internal/ranged"
)

func TestParseURL(t *testing.T) {
	tests := []struct {
		in, bucket, prefix string
		bad                bool
	}{
		{in: "s3://team-data/anime", bucket: "team-data", prefix: "anime/"},
		{in: "s3://team-data/anime/", bucket: "team-data", prefix: "anime/"},
		{in: "s3://team-data", bucket: "team-data", prefix: ""},
		{in: "s3://team-data/a/b/c", bucket: "team-data", prefix: "a/b/c/"},
		{in: "https://team-data/anime", bad: true},
		{in: "s3:///anime", bad: true},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			b, p, err := ParseURL(tc.in)
			if tc.bad {
				if !errors.Is(err, animetl.ErrConfig) {
					t.Fatalf("err = %v, want ErrConfig", err)
				}
				return
			}
			if err != nil || b != tc.bucket || p != tc.prefix {
				t.Errorf("ParseURL = %q, %q, %v; want %q, %q", b, p, err, tc.bucket, tc.prefix)
			}
		})
	}
}

func TestLocalEndpointUsesPathStyle(t *testing.T) {
	tests := map[string]bool{
		"http://127.0.0.1:9000":                true,
		"http://localhost:4566":                true,
		"http://[::1]:9000":                    true,
		"http://minio.localhost:9000":          true,
		"https://s3.eu-west-1.amazonaws.com":   false,
		"https://abc.r2.cloudflarestorage.com": false,
	}
	for endpoint, want := range tests {
		if got := localEndpoint(endpoint); got != want {
			t.Errorf("localEndpoint(%q) = %v, want %v", endpoint, got, want)
		}
	}
}

func TestPermanentClassification(t *testing.T) {
	if ranged.IsPermanent(classify(errors.New("connection reset by peer"))) {
		t.Error("a network error was called permanent")
	}
}
