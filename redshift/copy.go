package redshift

import (
	"context"
	"fmt"
	"regexp"
	"strings"

	"github.com/animetl/animetl"
	"github.com/animetl/animetl/lake"
	"github.com/animetl/animetl/schema"
)

// CopyOptions say where the lake is for Redshift and how it may read it.
type CopyOptions struct {
	// Lake is the lake's root as COPY reads it: s3://bucket/prefix.
	Lake string
	// IAMRole is the role Redshift assumes to read the bucket: an ARN,
	// roles chained with commas, or "default" (the cluster's default role).
	IAMRole string
	// Schema is the Redshift schema of the tables; "" means DefaultSchema.
	Schema string
}

var (
	bucketRE  = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$`)
	iamRoleRE = regexp.MustCompile(`^arn:aws(-[a-z]+)*:iam::\d{12}:role/[A-Za-z0-9+=.@_/-]{1,512}$`)
	runIDRE   = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9._-]*$`)
)

// CheckLakeURL accepts s3://bucket or s3://bucket/prefix with a valid
// bucket name and a prefix that a SQL string holds as is (no quote,
// backslash or control character). It wraps animetl.ErrConfig otherwise.
func CheckLakeURL(u string) error {
	rest, ok := strings.CutPrefix(u, "s3://")
	if !ok {
		return fmt.Errorf("redshift: lake %q: want s3://bucket/prefix (Redshift's COPY reads Parquet from S3 only): %w", animetl.RedactLocation(u), animetl.ErrConfig)
	}
	bucket, prefix, _ := strings.Cut(rest, "/")
	if !bucketRE.MatchString(bucket) {
		return fmt.Errorf("redshift: lake %q: bucket %q is not an S3 bucket name: %w", u, bucket, animetl.ErrConfig)
	}
	if strings.ContainsAny(prefix, `'\`) || strings.ContainsFunc(prefix, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		return fmt.Errorf("redshift: lake %q: the prefix holds a quote, a backslash or a control character: %w", u, animetl.ErrConfig)
	}
	return nil
}

// CheckIAMRole accepts "default" or one or more IAM role ARNs separated by
// commas (a role chain). It wraps animetl.ErrConfig otherwise.
func CheckIAMRole(role string) error {
	if role == "default" {
		return nil
	}
	for _, r := range strings.Split(role, ",") {
		if !iamRoleRE.MatchString(r) {
			return fmt.Errorf("redshift: IAM role %q: want arn:aws:iam::<12-digit account>:role/<name>, roles chained with commas, or default: %w", role, animetl.ErrConfig)
		}
	}
	return nil
}

// iamRoleClause is the IAM_ROLE parameter of COPY.
func iamRoleClause(role string) string {
	if role == "default" {
		return "IAM_ROLE default"
	}
	return "IAM_ROLE '" + role + "'"
}

// loadHeader explains the load script's shape.
var loadHeader = []string{
	"One transaction: readers see the old tables until COMMIT, and a COPY that fails",
	"(a file missing, a value too long for its column) rolls every table back.",
	"DELETE, not TRUNCATE: Redshift's TRUNCATE commits the transaction it runs in, so",
	"a failed COPY would leave empty tables. Not a staging swap either: tables made",
	"anew and renamed lose their grants (and their primary keys when made LIKE), and",
	"views bound to the old tables follow them. The cost of DELETE is dead rows:",
	"Redshift's automatic VACUUM DELETE reclaims them, or run VACUUM after COMMIT.",
	"COPY maps Parquet columns by position: animetl checked that the manifest's",
	"columns are the tables' columns, in order, with matching types.",
}

// Copy reads the lake's published run through read and returns the
// statements that replace the tables' rows with it, in one transaction.
// Every model table must be in the run; the recommendation tables are
// loaded when the run has them and left as they are otherwise. It fails on
// a run whose tables or columns differ from the DDL's (COPY would load the
// wrong columns), wrapping animetl.ErrConfig for bad options and
// animetl.ErrNotFound when nothing is published.
func Copy(ctx context.Context, read ReadFunc, opts CopyOptions) ([]string, lake.Manifest, error) {
	if opts.Schema == "" {
		opts.Schema = DefaultSchema
	}
	if err := firstErr(CheckLakeURL(opts.Lake), CheckIAMRole(opts.IAMRole), CheckSchemaName(opts.Schema)); err != nil {
		return nil, lake.Manifest{}, err
	}
	m, err := Published(ctx, read)
	if err != nil {
		return nil, lake.Manifest{}, err
	}
	tables, err := Tables()
	if err != nil {
		return nil, m, err
	}
	inRun := map[string]lake.TableManifest{}
	for _, tm := range m.Tables {
		inRun[tm.Name] = tm
	}
	known := map[string]bool{}
	for _, t := range tables {
		known[t.Name] = true
	}
	for _, tm := range m.Tables {
		if !known[tm.Name] {
			return nil, m, fmt.Errorf("redshift: run %s: table %s has no Redshift table", m.RunID, tm.Name)
		}
	}
	model := map[string]bool{}
	for _, name := range schema.ModelTables {
		model[name] = true
	}
	root := strings.TrimSuffix(opts.Lake, "/") + "/"
	head := append([]string{fmt.Sprintf("Load lake run %s (published %s, engine %s) from %s into schema %s.",
		m.RunID, m.PublishedAt.UTC().Format("2006-01-02T15:04:05Z"), m.Engine, root+lake.RunDir(m.RunID)+"/", opts.Schema)}, loadHeader...)
	out := []string{comment(head) + "BEGIN"}
	for _, t := range tables {
		tm, ok := inRun[t.Name]
		if !ok {
			if model[t.Name] {
				return nil, m, fmt.Errorf("redshift: run %s: the lake has no table %s", m.RunID, t.Name)
			}
			continue // a recommendation table the run did not export: left as it is
		}
		if err := sameColumns(t, tm); err != nil {
			return nil, m, fmt.Errorf("redshift: run %s: %w", m.RunID, err)
		}
		dir := lake.RunDir(m.RunID) + "/" + t.Name + "/"
		for _, f := range tm.Files {
			if !strings.HasPrefix(f.Path, dir) {
				return nil, m, fmt.Errorf("redshift: run %s: file %s of %s is not under %s", m.RunID, f.Path, t.Name, dir)
			}
		}
		target := opts.Schema + "." + t.Name
		out = append(out, "DELETE FROM "+target)
		note := fmt.Sprintf("%s: %d rows in %d Parquet files under %s (the final slash keeps other tables' folders out of the prefix).",
			t.Name, tm.Rows, len(tm.Files), dir)
		if t.Name == lake.FactTable {
			note += fmt.Sprintf(" They sit in %d user_bucket=NN folders; COPY reads every object under the prefix, and user_bucket is a folder name, not a column.", m.Buckets)
		}
		if len(tm.Files) == 0 { // COPY fails on a prefix that matches nothing
			out[len(out)-1] = comment([]string{t.Name + ": no files in the run, so no COPY; the table is left empty."}) + out[len(out)-1]
			continue
		}
		out = append(out, comment([]string{note})+fmt.Sprintf("COPY %s FROM '%s' %s FORMAT AS PARQUET", target, root+dir, iamRoleClause(opts.IAMRole)))
	}
	return append(out, "COMMIT"), m, nil
}

// sameColumns checks that a run's table has the DDL's columns, in order,
// with the lake types of the DDL's types.
func sameColumns(t Table, tm lake.TableManifest) error {
	if len(tm.Columns) != len(t.Columns) {
		return fmt.Errorf("table %s has %d columns in the lake, %d in the DDL: COPY maps Parquet columns by position", t.Name, len(tm.Columns), len(t.Columns))
	}
	for i, c := range t.Columns {
		lc := tm.Columns[i]
		if lc.Name != c.Name || !strings.EqualFold(lc.Type, lakeType(c.Type)) {
			return fmt.Errorf("table %s: column %d is %s %s in the lake, %s %s in the DDL: COPY maps Parquet columns by position",
				t.Name, i+1, lc.Name, lc.Type, c.Name, lakeType(c.Type))
		}
	}
	return nil
}

func firstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
