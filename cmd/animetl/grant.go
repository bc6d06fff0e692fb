package main

import (
	"errors"
	"fmt"
	"os"
	"regexp"
	"strings"

	"github.com/spf13/cobra"

	"github.com/animetl/animetl/postgres"
)

type grantFlags struct {
	role        string
	passwordEnv string
	login       bool
	nologin     bool
}

// roleName is what grant-reader accepts as a role name: an identifier it
// can also print and that needs no quoting surprises.
var roleName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_$]{0,62}$`)

func (a *app) grantCommand() *cobra.Command {
	var f grantFlags
	cmd := &cobra.Command{
		Use:   "grant-reader --warehouse postgres://ADMIN@HOST/DB --role NAME",
		Short: "PostgreSQL: create or update a role that can only read the published warehouse",
		Long: `grant-reader creates the PostgreSQL role --role, or updates it, so that it can
read the published tables and views and the run ledger (etl_*) and nothing
else: CONNECT on the database, USAGE on the warehouse's schema, SELECT on
those tables and views, nothing on the stage schema, no CREATE anywhere, and
default_transaction_read_only on in this database. Other privileges the role
held on those tables are revoked. Every later publish carries the grants of
the tables it replaces over to the new ones (grants made by hand too), so
run it once, after the first run.

Without --password-env or --login a new role is NOLOGIN: grant it to people's
own roles (GRANT NAME TO alice); an existing role keeps LOGIN unless
--nologin. Attributes an existing role loses (CREATEDB, CREATEROLE,
REPLICATION, BYPASSRLS, LOGIN with --nologin) are named in the output. --password-env VAR gives it LOGIN and the
password held in the environment variable VAR; the server receives a
SCRAM-SHA-256 verifier, never the password. --login gives LOGIN and keeps
the role's password (for certificate or peer authentication).

Connect as a role that may create roles (CREATEROLE) and owns the tables
(the one animetl runs as). It refuses the user it connects as and
superusers, and changes nothing when the role could still write, for example
CREATE on the schema through PUBLIC. DuckDB has no roles: a DuckDB file is
served read-only by query and serve; grant-reader exits with status 2.`,
		Example: `  animetl grant-reader --warehouse postgres://animetl@db/dw --role analyst
  ANALYST_PASSWORD=... animetl grant-reader --warehouse postgres://animetl@db/dw --role dashboard --password-env ANALYST_PASSWORD
  animetl serve --warehouse postgres://dashboard@db/dw`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.grantReader(cmd, f)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.role, "role", "", "name of the role to create or update (required)")
	fl.StringVar(&f.passwordEnv, "password-env", "", "give the role LOGIN and the password held in this environment variable")
	fl.BoolVar(&f.login, "login", false, "give the role LOGIN without setting a password")
	fl.BoolVar(&f.nologin, "nologin", false, "make an existing role NOLOGIN (an existing role otherwise keeps LOGIN)")
	a.warehouseFlags(cmd, false)
	for _, n := range []string{"duckdb-memory-limit", "duckdb-threads"} {
		if err := fl.MarkHidden(n); err != nil {
			panic(err) // a programming error: the flag does not exist
		}
	}
	return cmd
}

func (a *app) grantReader(cmd *cobra.Command, f grantFlags) error {
	if err := a.validateWarehouse(false); err != nil {
		return err
	}
	spec := a.wh.warehouse
	if !strings.HasPrefix(spec, "postgres://") && !strings.HasPrefix(spec, "postgresql://") {
		return usagef("grant-reader: roles are a PostgreSQL feature; a DuckDB warehouse is read-only through query and serve already")
	}
	if !roleName.MatchString(f.role) {
		return usagef("--role %q: want a role name of letters, digits, _ or $ (up to 63)", f.role)
	}
	if f.nologin && (f.login || f.passwordEnv != "") {
		return usagef("--nologin: not with --login or --password-env")
	}
	role := postgres.ReaderRole{Name: f.role, Login: f.login, NoLogin: f.nologin}
	if f.passwordEnv != "" {
		pw, ok := os.LookupEnv(f.passwordEnv)
		if !ok || pw == "" {
			return usagef("--password-env %s: the variable is not set or empty", f.passwordEnv)
		}
		role.Password = pw
	}
	ctx := cmd.Context()
	wh, _, err := a.openWarehouse(ctx)
	if err != nil {
		return err
	}
	defer wh.Close()
	pg, ok := wh.(*postgres.Warehouse)
	if !ok {
		return usagef("grant-reader: roles are a PostgreSQL feature")
	}
	g, err := pg.GrantReader(ctx, role)
	if err != nil {
		if errors.Is(err, postgres.ErrNothingPublished) {
			return exitError{code: exitFailed, err: err}
		}
		return err
	}
	verb := "updated"
	if g.Created {
		verb = "created"
	}
	login := "NOLOGIN"
	if g.Login {
		login = "LOGIN"
	}
	fmt.Fprintf(a.stdout, "role %s %s (%s, read-only): CONNECT on database %s, USAGE on schema %s, SELECT on %d tables and views: %s\n",
		g.Role, verb, login, g.Database, g.Schema, len(g.Relations), strings.Join(g.Relations, ", "))
	if len(g.Removed) > 0 {
		fmt.Fprintf(a.stdout, "removed from role %s: %s\n", g.Role, strings.Join(g.Removed, ", "))
	}
	return nil
}
