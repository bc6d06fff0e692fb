package postgres_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/animetl/animetl"
	"github.com/animetl/animetl/schema"
)

// newRole returns a fresh role name, dropped when the test ends (after the
// test's databases, which hold its privileges, are gone: call it before
// newDatabase).
func newRole(t *testing.T, prefix string) string {
	t.Helper()
	b := make([]byte, 4)
	rand.Read(b)
	name := prefix + "_" + hex.EncodeToString(b)
	base := serverURL(t)
	t.Cleanup(func() {
		ctx := context.Background()
		if c, err := pgx.Connect(ctx, base); err == nil {
			c.Exec(ctx, "DROP ROLE IF EXISTS "+name)
			c.Close(ctx)
		}
	})
	return name
}

// published lists the published tables and views.
func published() []string {
	return append(append([]string{}, schema.ModelTables...), schema.ModelViews...)
}

// readsAs reports the published relations role cannot read, reading each
// as role through SET ROLE on c.
func readsAs(t *testing.T, c *pgx.Conn, role string) []string {
	t.Helper()
	ctx := context.Background()
	var denied []string
	for _, rel := range published() {
		tx, err := c.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tx.Exec(ctx, "SET LOCAL ROLE "+role); err != nil {
			t.Fatal(err)
		}
		if _, err := tx.Exec(ctx, "SELECT * FROM "+rel+" LIMIT 1"); err != nil {
			denied = append(denied, rel+": "+err.Error())
		}
		tx.Rollback(ctx)
	}
	return denied
}

// TestPublishKeepsGrants: SELECT granted on the published tables and views
// (by hand, as a DBA would) survives a full publish, which replaces every
// one of them with the stage's, and an incremental one, which replaces all
// but user_anime; the owner's own privileges are not copied as grants.
func TestPublishKeepsGrants(t *testing.T) {
	reader := newRole(t, "animetl_reader")
	other := newRole(t, "animetl_other")
	dbURL := newDatabase(t)
	dir := smallDir(t)
	ctx := context.Background()
	wh := mustOpen(t, dbURL, postgresOptions())
	mustRunOn(t, wh, dir, animetl.ModeFull)

	admin := mustConnect(t, dbURL)
	stmts := []string{"CREATE ROLE " + reader + " NOLOGIN", "CREATE ROLE " + other + " NOLOGIN",
		"GRANT USAGE ON SCHEMA public TO " + reader + ", " + other,
		"GRANT SELECT ON anime TO " + other + " WITH GRANT OPTION"}
	for _, rel := range published() {
		stmts = append(stmts, "GRANT SELECT ON "+rel+" TO "+reader)
	}
	for _, q := range stmts {
		if _, err := admin.Exec(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	if denied := readsAs(t, admin, reader); len(denied) > 0 {
		t.Fatalf("before any publish, the reader cannot read: %v", denied)
	}
	oid := func() uint32 {
		var o uint32
		if err := admin.QueryRow(ctx, "SELECT 'anime'::regclass::oid").Scan(&o); err != nil {
			t.Fatal(err)
		}
		return o
	}
	for _, mode := range []animetl.Mode{animetl.ModeFull, animetl.ModeIncremental} {
		before := oid()
		mustRunOn(t, wh, dir, mode)
		if oid() == before {
			t.Fatalf("%s run: anime was not replaced; the test proves nothing", mode)
		}
		if denied := readsAs(t, admin, reader); len(denied) > 0 {
			t.Errorf("after a %s publish, the reader cannot read: %v", mode, denied)
		}
		var acl string
		if err := admin.QueryRow(ctx, "SELECT coalesce(relacl::text, '') FROM pg_class WHERE oid = 'anime'::regclass").Scan(&acl); err != nil {
			t.Fatal(err)
		}
		var grantable bool
		if err := admin.QueryRow(ctx, "SELECT has_table_privilege($1, 'anime', 'SELECT WITH GRANT OPTION')", other).Scan(&grantable); err != nil {
			t.Fatal(err)
		}
		if !grantable {
			t.Errorf("after a %s publish, the hand grant on anime (SELECT WITH GRANT OPTION to %s) is lost: acl %s", mode, other, acl)
		}
		var writes bool
		if err := admin.QueryRow(ctx, "SELECT has_table_privilege($1, 'anime', 'INSERT') OR has_table_privilege($1, 'user_anime', 'UPDATE')", reader).Scan(&writes); err != nil {
			t.Fatal(err)
		}
		if writes {
			t.Errorf("after a %s publish, the reader may write: acl %s", mode, acl)
		}
	}
}
