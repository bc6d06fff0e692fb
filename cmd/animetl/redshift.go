package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/spf13/cobra"

	"github.com/animetl/animetl"
	"github.com/animetl/animetl/redshift"
)

// maxLakeFile bounds a pointer or manifest read from the lake.
const maxLakeFile = 64 << 20

func (a *app) redshiftCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "redshift",
		Short: "Print the star schema's DDL and a lake run's COPY statements for Amazon Redshift",
		Long: `redshift prints SQL for Amazon Redshift: the published star schema's DDL
(ddl) and the statements that load the lake's published run into it (copy).

The SQL is generated from the warehouse's own DDL (schema/sql) and checked by
parsing it with sqlglot's Redshift dialect in animetl's tests. animetl never
connects to a Redshift and its tests do not run these statements on one: run
them with your client (psql, the query editor) and read what they say.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	cmd.AddCommand(a.redshiftDDLCommand(), a.redshiftCopyCommand())
	return cmd
}

func (a *app) redshiftDDLCommand() *cobra.Command {
	var schemaName string
	cmd := &cobra.Command{
		Use:   "ddl",
		Short: "Print CREATE SCHEMA and CREATE TABLE for the star schema in Redshift's dialect",
		Long: `ddl prints the published tables (the model, user_anime and the recommendation
tables) as Redshift DDL: types mapped (TEXT to VARCHAR(n) in bytes, synopsis
VARCHAR(MAX)), primary keys declared (Redshift does not enforce them), and
DISTSTYLE, DISTKEY and SORTKEY chosen for "which anime do users rate highest?",
"which anime are most people watching right now?" and the joins; a comment
above each table says why. Nothing is run: pipe it to your Redshift client.`,
		Example: `  animetl redshift ddl > star.sql
  animetl redshift ddl --schema analytics | psql "host=cluster.example.redshift.amazonaws.com port=5439 dbname=dev"`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := redshift.CheckSchemaName(schemaName); err != nil {
				return usagef("--schema %q: want lower case letters, digits and _, not starting with a digit", schemaName)
			}
			stmts, err := redshift.DDL(schemaName)
			if err != nil {
				return exitError{code: exitFailed, err: err}
			}
			_, err = io.WriteString(a.stdout, redshift.Script(stmts))
			return err
		},
	}
	cmd.Flags().StringVar(&schemaName, "schema", redshift.DefaultSchema, "Redshift schema of the tables")
	return cmd
}

func (a *app) redshiftCopyCommand() *cobra.Command {
	var o redshift.CopyOptions
	cmd := &cobra.Command{
		Use:   "copy",
		Short: "Print the COPY statements that load the lake's published run into Redshift",
		Long: `copy reads the lake's pointer (_published.json) and the published run's
manifest from --lake, checks that the run's tables and columns are the DDL's
(Redshift's COPY maps Parquet columns by position), and prints one transaction:

  BEGIN;
  DELETE FROM <schema>.<table>;
  COPY <schema>.<table> FROM 's3://bucket/prefix/runs/<run_id>/<table>/'
      IAM_ROLE '<arn>' FORMAT AS PARQUET;
  ...
  COMMIT;

Readers see the old rows until COMMIT, and a failed COPY rolls every table
back. DELETE, not TRUNCATE: Redshift's TRUNCATE commits the transaction it
runs in. user_anime is read from its user_bucket=NN folders under its prefix;
user_bucket is a folder name, not a column. The S3 settings (--s3-endpoint,
--s3-region, ...) are how animetl reads the pointer and the manifest; Redshift
reads the Parquet files itself, with --iam-role. Nothing is run: pipe the
output to your Redshift client.`,
		Example: `  animetl export --out lake && aws s3 sync lake s3://my-bucket/animetl-lake
  animetl redshift copy --lake s3://my-bucket/animetl-lake --iam-role arn:aws:iam::123456789012:role/redshift-copy`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return a.redshiftCopy(cmd.Context(), o) },
	}
	fl := cmd.Flags()
	fl.StringVar(&o.Lake, "lake", "", "the lake's root, s3://bucket/prefix (required: COPY reads Parquet from S3 only)")
	fl.StringVar(&o.IAMRole, "iam-role", "", "IAM role Redshift assumes to read the lake: an ARN, a chain of ARNs joined by commas, or default (required)")
	fl.StringVar(&o.Schema, "schema", redshift.DefaultSchema, "Redshift schema of the tables")
	bindEnv(fl, "lake", "iam-role")
	a.sourceFlags(cmd)
	return cmd
}

func (a *app) redshiftCopy(ctx context.Context, o redshift.CopyOptions) error {
	switch {
	case o.Lake == "":
		return usagef("--lake: required: the lake's s3://bucket/prefix")
	case redshift.CheckLakeURL(o.Lake) != nil:
		return usagef("--lake %q: want s3://bucket/prefix: Redshift's COPY reads Parquet from S3 only (a local lake: upload it, e.g. aws s3 sync)", animetl.RedactLocation(o.Lake))
	case o.IAMRole == "":
		return usagef("--iam-role: required: the ARN of the role Redshift assumes to read the lake, or default")
	case redshift.CheckIAMRole(o.IAMRole) != nil:
		return usagef("--iam-role %q: want arn:aws:iam::<12-digit account>:role/<name>, ARNs joined by commas, or default", o.IAMRole)
	case redshift.CheckSchemaName(o.Schema) != nil:
		return usagef("--schema %q: want lower case letters, digits and _, not starting with a digit", o.Schema)
	}
	if err := a.validateSource(); err != nil {
		return err
	}
	src, err := a.s3Source(ctx, o.Lake)
	if err != nil {
		return err
	}
	read := func(ctx context.Context, path string) ([]byte, error) {
		r, err := src.Open(ctx, animetl.FileInfo{Name: path, Size: -1})
		var re *awshttp.ResponseError
		if errors.As(err, &re) && re.HTTPStatusCode() == http.StatusNotFound {
			return nil, fmt.Errorf("%s is not in the lake %s: %w", path, src, animetl.ErrNotFound)
		}
		if err != nil {
			return nil, err
		}
		defer r.Close()
		b, err := io.ReadAll(io.LimitReader(r, maxLakeFile+1))
		if err == nil && len(b) > maxLakeFile {
			err = fmt.Errorf("%s is over %d bytes: not a lake pointer or manifest", path, maxLakeFile)
		}
		return b, err
	}
	stmts, m, err := redshift.Copy(ctx, read, o)
	if err != nil {
		return exitError{code: exitFailed, err: err}
	}
	a.log.Info("redshift copy", "lake", o.Lake, "run_id", m.RunID, "tables", len(m.Tables))
	_, err = io.WriteString(a.stdout, redshift.Script(stmts))
	return err
}
