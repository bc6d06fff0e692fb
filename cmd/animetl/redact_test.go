package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/animetl/animetl"
	"github.com/animetl/animetl/duckdb"
	"github.com/animetl/animetl/internal/contract"
	"github.com/animetl/animetl/postgres"
)

// The secrets the redaction tests put in locations.
const (
	queryPassword = "qPassw0rdInQuery"
	userPassword  = "uPassw0rdInUserinfo"
	sourceToken   = "sT0kenInTheSourceQuery"
	sourcePass    = "sPassw0rdOfTheSource"
)

var secrets = []string{queryPassword, userPassword, sourceToken, sourcePass}

func assertNoSecret(t *testing.T, where, text string) {
	t.Helper()
	for _, s := range secrets {
		if strings.Contains(text, s) {
			t.Errorf("%s shows the secret %q:\n%s", where, s, text)
		}
	}
}

// withPassword returns the PostgreSQL URL u with a password in its query
// string and another in its userinfo (the test server trusts local
// connections, so both are accepted and ignored).
func withPasswords(t *testing.T, raw string, inQuery, inUser bool) string {
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	if inUser {
		u.User = url.UserPassword(u.User.Username(), userPassword)
	}
	if inQuery {
		q := u.Query()
		q.Set("password", queryPassword)
		q.Set("search_path", "public")
		u.RawQuery = q.Encode()
	}
	return u.String()
}

// TestSecretsOfLocationsAreNeverShown runs from an HTTP source whose URL
// carries a password and a signed query into PostgreSQL URLs carrying
// passwords, and looks for the secrets everywhere a location is shown or
// stored: the logs, stdout, --json, errors, etl_run and etl_file.
func TestSecretsOfLocationsAreNeverShown(t *testing.T) {
	dir, _ := contract.Gen(t, contract.Generated)
	srv := httptest.NewServer(http.StripPrefix("/exports/anime/", http.FileServer(http.Dir(dir))))
	defer srv.Close()
	su, _ := url.Parse(srv.URL + "/exports/anime/?X-Amz-Signature=" + sourceToken + "&v=1")
	su.User = url.UserPassword("reader", sourcePass)
	source := su.String()

	type target struct {
		name, spec string
		open       func(t *testing.T) animetl.Querier
	}
	var targets []target
	duck := duckWarehouse(t)
	targets = append(targets, target{"duckdb", duck, func(t *testing.T) animetl.Querier {
		w, err := duckdb.Open(duckdb.Options{Path: strings.TrimPrefix(duck, "duckdb:")})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { w.Close() })
		return w
	}})
	if base := pgWarehouseOrSkip(t); base != "" {
		for _, form := range []struct {
			name            string
			inQuery, inUser bool
		}{{"postgres password in query", true, false}, {"postgres password in userinfo", false, true}, {"postgres both", true, true}} {
			clean := pgWarehouse(t)
			targets = append(targets, target{form.name, withPasswords(t, clean, form.inQuery, form.inUser), func(t *testing.T) animetl.Querier {
				w, err := postgres.Open(context.Background(), postgres.Options{URL: clean})
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { w.Close() })
				return w
			}})
		}
	}
	for _, tg := range targets {
		t.Run(tg.name, func(t *testing.T) {
			for _, args := range [][]string{
				{"run", "--source", source, "--warehouse", tg.spec, "--log-level", "debug", "--progress", "never"},
				{"run", "--source", source, "--warehouse", tg.spec, "--log-format", "json", "--json"},
				{"check", "--warehouse", tg.spec, "--log-level", "debug"},
				{"check", "--warehouse", tg.spec, "--json"},
				{"query", "top-rated", "--warehouse", tg.spec, "--log-level", "debug"},
			} {
				code, out, stderr := cli(t, args...)
				if code != exitOK {
					t.Fatalf("%s: exit %d\n%s\n%s", args[0], code, out, stderr)
				}
				assertNoSecret(t, args[0]+" stdout", out)
				assertNoSecret(t, args[0]+" stderr", stderr)
				if args[0] == "run" && !strings.Contains(stderr, "run started") {
					t.Errorf("no run started line in the logs:\n%s", stderr)
				}
			}
			q := tg.open(t)
			for _, table := range []string{"etl_run", "etl_file", "etl_check"} {
				for _, row := range contract.QueryAll(t, q, "SELECT * FROM "+table) {
					assertNoSecret(t, table, strings.Join(row, " | "))
				}
			}
		})
	}
}

// TestSecretsOfUnusableLocationsAreNeverShown: a warehouse that cannot be
// reached, a source that cannot be opened and malformed locations fail
// without echoing their secrets, in the text and the --json output.
func TestSecretsOfUnusableLocationsAreNeverShown(t *testing.T) {
	dir, _ := contract.Gen(t, contract.Generated)
	closed := closedPort(t)
	specs := []struct {
		name, warehouse, source string
	}{
		{"unreachable, password in query", "postgres://etl@" + closed + "/wh?password=" + queryPassword + "&sslmode=disable", dir},
		{"unreachable, password in userinfo", "postgres://etl:" + userPassword + "@" + closed + "/wh?sslmode=disable", dir},
		{"unknown warehouse scheme", "mysql://etl:" + userPassword + "@h/db?password=" + queryPassword, dir},
		{"libpq keywords", "host=127.0.0.1 port=" + strings.Split(closed, ":")[1] + " user=etl password=" + queryPassword + " dbname=wh", dir},
		{"unparseable warehouse URL", "postgres://etl:" + userPassword + "%zz@h/db?password=" + queryPassword, dir},
		{"unknown source scheme", duckWarehouse(t), "ftp://reader:" + sourcePass + "@h/x?token=" + sourceToken},
		{"bad https source", duckWarehouse(t), "https://reader:" + sourcePass + "@/x?token=" + sourceToken},
		{"bad s3 source", duckWarehouse(t), "s3://AKIA:" + sourcePass + "@/?token=" + sourceToken},
	}
	if base := pgWarehouseOrSkip(t); base != "" {
		// The right server, a database that does not exist.
		u, _ := url.Parse(base)
		u.Path = "/animetl_no_such_database"
		specs = append(specs, struct{ name, warehouse, source string }{"missing database", withPasswords(t, u.String(), true, true), dir})
	}
	for _, sp := range specs {
		t.Run(sp.name, func(t *testing.T) {
			for _, args := range [][]string{
				{"run", "--source", sp.source, "--warehouse", sp.warehouse},
				{"run", "--source", sp.source, "--warehouse", sp.warehouse, "--json", "--log-format", "json"},
				{"check", "--warehouse", sp.warehouse, "--json"},
				{"query", "most-watched", "--warehouse", sp.warehouse},
			} {
				code, out, stderr := cli(t, args...)
				if code == exitOK {
					t.Fatalf("%v: exit 0", args)
				}
				assertNoSecret(t, args[0]+" stdout", out)
				assertNoSecret(t, args[0]+" stderr", stderr)
			}
		})
	}
}

// pgWarehouseOrSkip returns ANIMETL_TEST_POSTGRES, or "" after logging how
// to run the PostgreSQL cases.
func pgWarehouseOrSkip(t *testing.T) string {
	base := os.Getenv("ANIMETL_TEST_POSTGRES")
	if base == "" {
		t.Log("PostgreSQL cases skipped: set ANIMETL_TEST_POSTGRES (make test does)")
	}
	return base
}
