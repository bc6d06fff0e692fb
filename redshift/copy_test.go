package redshift_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/animetl/animetl"
	"github.com/animetl/animetl/lake"
	"github.com/animetl/animetl/redshift"
	"github.com/animetl/animetl/schema"
)

const role = "arn:aws:iam::123456789012:role/animetl-copy"

// TestCopyLoadsThePublishedRun reads a lake that export wrote: one
// transaction, a DELETE and a COPY per model table from the run's folder
// of that table, and user_anime from its folder of bucket partitions.
func TestCopyLoadsThePublishedRun(t *testing.T) {
	dir, m := exportedLake(t)
	stmts, got, err := redshift.Copy(context.Background(), redshift.ReadDir(dir),
		redshift.CopyOptions{Lake: "s3://animetl-lake/prod/", IAMRole: role, Schema: "dw"})
	if err != nil {
		t.Fatal(err)
	}
	if got.RunID != m.RunID {
		t.Fatalf("copy read run %s, export wrote %s", got.RunID, m.RunID)
	}
	if !strings.HasSuffix(stmts[0], "BEGIN") || stmts[len(stmts)-1] != "COMMIT" {
		t.Fatalf("not one transaction: first %q, last %q", stmts[0], stmts[len(stmts)-1])
	}
	copies := map[string]string{}
	deletes := map[string]bool{}
	for _, s := range stmts {
		body := s[strings.LastIndex(s, "\n")+1:]
		if strings.HasPrefix(body, "TRUNCATE") {
			t.Errorf("TRUNCATE commits Redshift's transaction: %s", body)
		}
		if table, ok := strings.CutPrefix(body, "DELETE FROM dw."); ok {
			deletes[table] = true
		}
		if rest, ok := strings.CutPrefix(body, "COPY dw."); ok {
			table, _, _ := strings.Cut(rest, " ")
			if !deletes[table] {
				t.Errorf("%s is copied before it is emptied", table)
			}
			copies[table] = body
		}
	}
	tables := append(slices.Clip(schema.ModelTables), schema.RecTables...)
	for _, table := range tables {
		want := "COPY dw." + table + " FROM 's3://animetl-lake/prod/runs/" + m.RunID + "/" + table + "/' IAM_ROLE '" + role + "' FORMAT AS PARQUET"
		if copies[table] != want {
			t.Errorf("%s:\n got %q\nwant %q", table, copies[table], want)
		}
	}
	if len(copies) != len(tables) {
		t.Errorf("%d COPY statements, want %d (the run's tables)", len(copies), len(tables))
	}
	for _, tm := range m.Tables {
		for _, f := range tm.Files {
			if !strings.HasPrefix(f.Path, lake.RunDir(m.RunID)+"/"+tm.Name+"/") {
				t.Errorf("%s: file %s is outside the prefix COPY reads", tm.Name, f.Path)
			}
		}
		if tm.Name == lake.FactTable && !strings.Contains(tm.Files[0].Path, "/user_bucket=") {
			t.Errorf("user_anime's files are not in bucket folders: %s", tm.Files[0].Path)
		}
	}
	stmts, _, err = redshift.Copy(context.Background(), redshift.ReadDir(dir), redshift.CopyOptions{Lake: "s3://animetl-lake", IAMRole: "default"})
	if err != nil || !strings.Contains(strings.Join(stmts, "\n"), "COPY animetl.anime FROM 's3://animetl-lake/runs/"+m.RunID+"/anime/' IAM_ROLE default FORMAT AS PARQUET") {
		t.Errorf("default schema and role: %v\n%s", err, strings.Join(stmts, "\n"))
	}
}

// TestCopyRefusesALakeThatDiffersFromTheDDL: COPY maps Parquet columns by
// position, so a run whose tables or columns are not the DDL's fails here,
// naming the table, instead of loading the wrong columns.
func TestCopyRefusesALakeThatDiffersFromTheDDL(t *testing.T) {
	dir, m := exportedLake(t)
	edit := func(t *testing.T, change func(m *lake.Manifest)) string {
		t.Helper()
		c := m
		c.Tables = append([]lake.TableManifest{}, m.Tables...)
		for i := range c.Tables {
			c.Tables[i].Columns = append([]lake.Column{}, c.Tables[i].Columns...)
		}
		change(&c)
		d := t.TempDir()
		b, _ := os.ReadFile(filepath.Join(dir, lake.PointerName))
		os.WriteFile(filepath.Join(d, lake.PointerName), b, 0o644)
		os.MkdirAll(filepath.Join(d, "runs", m.RunID), 0o755)
		b, _ = json.Marshal(c)
		os.WriteFile(filepath.Join(d, filepath.FromSlash(lake.ManifestPath(m.RunID))), b, 0o644)
		return d
	}
	idx := func(m *lake.Manifest, name string) int {
		for i, tm := range m.Tables {
			if tm.Name == name {
				return i
			}
		}
		t.Fatalf("no %s", name)
		return -1
	}
	tests := []struct {
		name   string
		change func(m *lake.Manifest)
		want   string
	}{
		{"extra column", func(m *lake.Manifest) {
			i := idx(m, "anime")
			m.Tables[i].Columns = append(m.Tables[i].Columns, lake.Column{Name: "studio_rank", Type: "INTEGER"})
		}, "anime"},
		{"columns swapped", func(m *lake.Manifest) {
			c := m.Tables[idx(m, "user_anime")].Columns
			c[0], c[1] = c[1], c[0]
		}, "user_anime"},
		{"type changed", func(m *lake.Manifest) { m.Tables[idx(m, "anime")].Columns[14].Type = "DOUBLE" }, "anime"},
		{"partition column in the files", func(m *lake.Manifest) {
			i := idx(m, "user_anime")
			m.Tables[i].Columns = append(m.Tables[i].Columns, lake.Column{Name: "user_bucket", Type: "INTEGER"})
		}, "user_anime"},
		{"table missing", func(m *lake.Manifest) { m.Tables = m.Tables[1:] }, m.Tables[0].Name},
		{"unknown table", func(m *lake.Manifest) { m.Tables = append(m.Tables, lake.TableManifest{Name: "anime_theme"}) }, "anime_theme"},
		{"file outside the table's folder", func(m *lake.Manifest) {
			m.Tables[idx(m, "anime")].Files = []lake.File{{Path: "runs/" + m.RunID + "/anime_stats/part-00000.parquet"}}
		}, "anime"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := redshift.Copy(context.Background(), redshift.ReadDir(edit(t, tc.change)), redshift.CopyOptions{Lake: "s3://lake-bucket/l", IAMRole: role})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err %v, want one naming %s", err, tc.want)
			}
		})
	}
	_, _, err := redshift.Copy(context.Background(), redshift.ReadDir(t.TempDir()), redshift.CopyOptions{Lake: "s3://lake-bucket/l", IAMRole: role})
	if !errors.Is(err, animetl.ErrNotFound) {
		t.Errorf("empty lake: %v, want ErrNotFound", err)
	}
}

// TestCopyOptionsAreChecked: bad options wrap ErrConfig before the lake is read.
func TestCopyOptionsAreChecked(t *testing.T) {
	read := func(context.Context, string) ([]byte, error) {
		t.Fatal("the lake was read despite bad options")
		return nil, nil
	}
	for _, o := range []redshift.CopyOptions{
		{Lake: "/data/lake", IAMRole: role},
		{Lake: "s3://", IAMRole: role},
		{Lake: "s3://Bad_Bucket/x", IAMRole: role},
		{Lake: "s3://b/it's", IAMRole: role},
		{Lake: "s3://b/x", IAMRole: ""},
		{Lake: "s3://b/x", IAMRole: "my-role"},
		{Lake: "s3://b/x", IAMRole: role + "' CREDENTIALS 'x"},
		{Lake: "s3://b/x", IAMRole: role, Schema: "Dw"},
		{Lake: "s3://b/x", IAMRole: role, Schema: "dw; DROP TABLE x"},
	} {
		if _, _, err := redshift.Copy(context.Background(), read, o); !errors.Is(err, animetl.ErrConfig) {
			t.Errorf("%+v: %v, want ErrConfig", o, err)
		}
	}
	if err := redshift.CheckIAMRole(role + "," + role); err != nil {
		t.Errorf("a role chain: %v", err)
	}
}
