package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/animetl/animetl"
	"github.com/animetl/animetl/schema"
)

// ErrNothingPublished is returned (wrapped) by GrantReader when the target
// schema holds no published tables yet: run animetl first, then grant.
var ErrNothingPublished = errors.New("nothing is published yet")

// ReaderRole is the role GrantReader creates or updates.
type ReaderRole struct {
	// Name is the role's name.
	Name string
	// Login lets the role log in. Without it a new role is NOLOGIN (a group
	// role to GRANT to people's own roles) and an existing role keeps
	// whether it can log in, unless NoLogin.
	Login bool
	// NoLogin makes an existing role NOLOGIN.
	NoLogin bool
	// Password, when set, becomes the role's password (implies Login). It
	// is sent as a SCRAM-SHA-256 verifier, never in clear.
	Password string
}

// ReaderGrants reports what GrantReader granted.
type ReaderGrants struct {
	Role    string `json:"role"`
	Created bool   `json:"created"`
	Login   bool   `json:"login"`
	// Removed names the attributes an existing role had and lost
	// (LOGIN only with NoLogin; CREATEDB, CREATEROLE, REPLICATION,
	// BYPASSRLS always).
	Removed   []string `json:"removed"`
	Database  string   `json:"database"`
	Schema    string   `json:"schema"`
	Relations []string `json:"relations"`
}

// grantAttempts bounds GrantReader's retries when a publish replaces the
// tables between its grants and its check.
const grantAttempts = 3

// GrantReader creates or updates a role that can read the published tables
// and views and the run ledger (etl_*) and nothing else: CONNECT on the
// database, USAGE on the target schema, SELECT on those relations (any
// other privilege the role held on them revoked), nothing on the stage
// schema, no role attributes (superuser, createdb, createrole,
// replication, bypassrls), and default_transaction_read_only in this
// database. Publishes carry the grants over to the tables they swap in.
// It refuses the current user and superusers, and it rolls everything back
// (returning an error naming the privilege) when the role could still
// write, for example CREATE on the schema through PUBLIC.
func (w *Warehouse) GrantReader(ctx context.Context, role ReaderRole) (ReaderGrants, error) {
	if role.Name == "" {
		return ReaderGrants{}, fmt.Errorf("postgres: grant-reader: empty role name: %w", animetl.ErrConfig)
	}
	if role.Password != "" {
		role.Login = true
	}
	var out ReaderGrants
	var err error
	for range grantAttempts {
		if out, err = w.grantReader(ctx, role); err != nil {
			return ReaderGrants{}, err
		}
		// A publish that committed between the grants and now read the
		// published tables' grants before ours: check on the tables of now.
		var missing []string
		if missing, err = w.unreadable(ctx, role.Name, out.Relations); err != nil {
			return ReaderGrants{}, err
		}
		if len(missing) == 0 {
			return out, nil
		}
		w.log.Info("a publish replaced tables while granting; granting again", "tables", strings.Join(missing, ","))
	}
	return ReaderGrants{}, fmt.Errorf("postgres: grant-reader: publishes kept replacing the tables; try again")
}

// grantReader makes the grants in one transaction.
func (w *Warehouse) grantReader(ctx context.Context, role ReaderRole) (ReaderGrants, error) {
	out := ReaderGrants{Role: role.Name, Login: role.Login, Schema: w.target}
	err := pgx.BeginFunc(ctx, w.pool, func(tx pgx.Tx) error {
		var isSelf bool
		var isSuper, login, createdb, createrole, replication, bypassrls *bool
		if err := tx.QueryRow(ctx, `SELECT current_database(), $1 = current_user, r.rolsuper, r.rolcanlogin,
			r.rolcreatedb, r.rolcreaterole, r.rolreplication, r.rolbypassrls
			FROM (SELECT 1) one LEFT JOIN pg_roles r ON r.rolname = $1`, role.Name).Scan(&out.Database, &isSelf, &isSuper,
			&login, &createdb, &createrole, &replication, &bypassrls); err != nil {
			return fmt.Errorf("postgres: grant-reader: %w", err)
		}
		switch {
		case isSelf:
			return fmt.Errorf("postgres: grant-reader: role %q is the user animetl connects as; name another role: %w", role.Name, animetl.ErrConfig)
		case isSuper != nil && *isSuper:
			return fmt.Errorf("postgres: grant-reader: role %q is a superuser; grant-reader makes read-only roles, it does not demote administrators: %w", role.Name, animetl.ErrConfig)
		}
		out.Created = isSuper == nil
		if !out.Created {
			if *login && !role.NoLogin {
				role.Login, out.Login = true, true // an existing login role keeps logging in
			}
			for _, a := range []struct {
				had  bool
				name string
			}{{*login && !role.Login, "LOGIN"}, {*createdb, "CREATEDB"}, {*createrole, "CREATEROLE"},
				{*replication, "REPLICATION"}, {*bypassrls, "BYPASSRLS"}} {
				if a.had {
					out.Removed = append(out.Removed, a.name)
				}
			}
		}
		rels, err := publishedRelations(ctx, tx, w.target)
		if err != nil {
			return err
		}
		out.Relations = rels
		stmts, err := roleStatements(role, out.Created)
		if err != nil {
			return err
		}
		r := ident(role.Name)
		stmts = append(stmts,
			fmt.Sprintf("ALTER ROLE %s IN DATABASE %s SET default_transaction_read_only = on", r, ident(out.Database)),
			fmt.Sprintf("GRANT CONNECT ON DATABASE %s TO %s", ident(out.Database), r),
			fmt.Sprintf("GRANT USAGE ON SCHEMA %s TO %s", ident(w.target), r),
			fmt.Sprintf("REVOKE CREATE ON SCHEMA %s FROM %s", ident(w.target), r))
		for _, rel := range rels {
			stmts = append(stmts, fmt.Sprintf("REVOKE ALL ON %s FROM %s", ident(w.target, rel), r),
				fmt.Sprintf("GRANT SELECT ON %s TO %s", ident(w.target, rel), r))
		}
		for _, q := range stmts {
			if _, err := tx.Exec(ctx, q); err != nil {
				return fmt.Errorf("postgres: grant-reader: %s: %w", strings.SplitN(q, " PASSWORD ", 2)[0], err)
			}
		}
		return w.checkReadOnly(ctx, tx, role.Name, out.Database, rels)
	})
	return out, err
}

// roleStatements create or update the role itself.
func roleStatements(role ReaderRole, create bool) ([]string, error) {
	attrs := " NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS"
	if role.Login {
		attrs += " LOGIN"
	} else {
		attrs += " NOLOGIN"
	}
	if role.Password != "" {
		v, err := scramVerifier(role.Password)
		if err != nil {
			return nil, err
		}
		attrs += " PASSWORD '" + v + "'" // base64 and '$', ':': nothing to escape
	}
	verb := "ALTER ROLE "
	if create {
		verb = "CREATE ROLE "
	}
	return []string{verb + ident(role.Name) + attrs}, nil
}

// publishedRelations lists the published tables and views and the ledger
// tables in target, failing with ErrNothingPublished when anime is missing.
func publishedRelations(ctx context.Context, tx pgx.Tx, target string) ([]string, error) {
	want := append(append(append([]string{}, schema.ModelTables...), schema.ModelViews...), schema.OpsTables...)
	want = append(append(want, schema.RecTables...), schema.FactTables...)
	rows, err := tx.Query(ctx, `SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE n.nspname = $1 AND c.relname = ANY($2) AND c.relkind IN ('r', 'p', 'v', 'm')`, target, want)
	if err != nil {
		return nil, fmt.Errorf("postgres: grant-reader: %w", err)
	}
	found, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("postgres: grant-reader: %w", err)
	}
	has := map[string]bool{}
	for _, f := range found {
		has[f] = true
	}
	if !has["anime"] {
		return nil, fmt.Errorf("postgres: grant-reader: schema %q: %w; run animetl run first, then grant-reader (later publishes keep the grants)", target, ErrNothingPublished)
	}
	var rels []string
	for _, name := range want {
		if has[name] {
			rels = append(rels, name)
		}
	}
	return rels, nil
}

// checkReadOnly fails when role could still write: to a published
// relation, create objects in the database or the target schema, or use
// the stage schema (its own grants, PUBLIC's, or a role it belongs to).
func (w *Warehouse) checkReadOnly(ctx context.Context, tx pgx.Tx, role, db string, rels []string) error {
	var problems []string
	for _, rel := range rels {
		var write bool
		if err := tx.QueryRow(ctx, "SELECT has_table_privilege($1, $2, 'INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER')",
			role, ident(w.target, rel)).Scan(&write); err != nil {
			return fmt.Errorf("postgres: grant-reader: check %s: %w", rel, err)
		}
		if write {
			problems = append(problems, "writes to "+rel)
		}
	}
	var schemaCreate, dbCreate bool
	if err := tx.QueryRow(ctx, "SELECT has_schema_privilege($1, $2, 'CREATE'), has_database_privilege($1, $3, 'CREATE')",
		role, w.target, db).Scan(&schemaCreate, &dbCreate); err != nil {
		return fmt.Errorf("postgres: grant-reader: check: %w", err)
	}
	if schemaCreate {
		problems = append(problems, fmt.Sprintf("CREATE on schema %s (through PUBLIC or a role it belongs to; REVOKE CREATE ON SCHEMA %s FROM PUBLIC)", w.target, ident(w.target)))
	}
	if dbCreate {
		problems = append(problems, fmt.Sprintf("CREATE on database %s (through PUBLIC or a role it belongs to)", db))
	}
	var stage bool
	if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $2
		AND (has_schema_privilege($1, oid, 'USAGE') OR has_schema_privilege($1, oid, 'CREATE')))`,
		role, w.stage).Scan(&stage); err != nil {
		return fmt.Errorf("postgres: grant-reader: check: %w", err)
	}
	if stage {
		problems = append(problems, fmt.Sprintf("USAGE or CREATE on the stage schema %s", w.stage))
	}
	if len(problems) > 0 {
		return fmt.Errorf("postgres: grant-reader: role %q could still write: %s; nothing was changed", role, strings.Join(problems, "; "))
	}
	return nil
}

// unreadable lists the relations role cannot SELECT from now.
func (w *Warehouse) unreadable(ctx context.Context, role string, rels []string) ([]string, error) {
	var missing []string
	for _, rel := range rels {
		var ok bool
		err := w.pool.QueryRow(ctx, "SELECT coalesce(has_table_privilege($1, to_regclass($2), 'SELECT'), true)",
			role, ident(w.target, rel)).Scan(&ok)
		if err != nil {
			return nil, fmt.Errorf("postgres: grant-reader: check %s: %w", rel, err)
		}
		if !ok {
			missing = append(missing, rel)
		}
	}
	return missing, nil
}
