package animetl

import (
	"errors"
	"strings"
	"testing"
)

func TestRedactLocation(t *testing.T) {
	tests := []struct {
		name, raw, want string
	}{
		{"password in the query", "postgres://u@db.example:5432/wh?password=hunter22&sslmode=disable",
			"postgres://u@db.example:5432/wh?password=REDACTED&sslmode=disable"},
		{"password in the userinfo", "postgres://u:hunter22@db.example/wh?search_path=mart",
			"postgres://u@db.example/wh?search_path=mart"},
		{"both", "postgresql://u:p%40ss@h/db?sslpassword=xyzzy&application_name=etl",
			"postgresql://u@h/db?application_name=etl&sslpassword=REDACTED"},
		{"signed https", "https://cdn.example/anime/?X-Amz-Signature=abcdef&X-Amz-Credential=AKIA",
			"https://cdn.example/anime/?X-Amz-Credential=REDACTED&X-Amz-Signature=REDACTED"},
		{"s3 with keys", "s3://AKIA:secretkey@bucket/prefix/", "s3://AKIA@bucket/prefix/"},
		{"fragment", "https://h/p/#token=abc", "https://h/p/"},
		{"keywords", "host=127.0.0.1 port=5432 user=etl password=hunter22 dbname=wh",
			"host=127.0.0.1 port=5432 user=etl password=REDACTED dbname=wh"},
		{"quoted keyword", "host=h password='a b c' dbname=wh", "host=h password=REDACTED dbname=wh"},
		{"unparseable URL", "postgres://u:hun%zz@h/db?password=x", "postgres://h/db"},
		{"folder", "/data/anime", "/data/anime"},
		{"folder with =", "./animelist/date=2024-01-01", "./animelist/date=2024-01-01"},
		{"duckdb", "duckdb:/tmp/w.duckdb", "duckdb:/tmp/w.duckdb"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := RedactLocation(tc.raw); got != tc.want {
				t.Errorf("RedactLocation(%q) = %q, want %q", tc.raw, got, tc.want)
			}
		})
	}
}

func TestRedactErrorHuntsSecrets(t *testing.T) {
	raw := "postgres://etl:hunter22@h/db?password=s3cr3tQ&sslmode=disable"
	cause := errors.New("cannot connect to " + raw + " (password s3cr3tQ, user etl:hunter22)")
	err := RedactError(cause, raw)
	for _, secret := range []string{"hunter22", "s3cr3tQ"} {
		if strings.Contains(err.Error(), secret) {
			t.Errorf("message keeps %q: %s", secret, err)
		}
	}
	if !errors.Is(err, cause) {
		t.Error("redacted error does not unwrap to its cause")
	}
	if plain := errors.New("no secret here"); RedactError(plain, raw) != plain {
		t.Error("an error without secrets should come back unchanged")
	}
}
