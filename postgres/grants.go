package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// grantsOf returns the GRANT statements that give the published relations
// named rels, in schema target, the privileges their current versions grant
// to roles other than their owner: grants made by grant-reader and by hand.
// A publish replaces those relations with the stage's, which have none, so
// it reads them before dropping the old ones and applies them to the new
// ones in the same transaction (the owner's own privileges come with
// ownership; column privileges are not carried over).
func grantsOf(ctx context.Context, tx pgx.Tx, target string, rels []string) ([]string, error) {
	rows, err := tx.Query(ctx, `SELECT format('GRANT %s ON %I.%I TO %s%s', a.privilege_type, n.nspname, c.relname,
			CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(r.rolname) END,
			CASE WHEN a.is_grantable THEN ' WITH GRANT OPTION' ELSE '' END)
		FROM pg_class c
		JOIN pg_namespace n ON n.oid = c.relnamespace
		CROSS JOIN LATERAL aclexplode(c.relacl) a
		LEFT JOIN pg_roles r ON r.oid = a.grantee
		WHERE n.nspname = $1 AND c.relname = ANY($2) AND c.relkind IN ('r', 'p', 'v', 'm')
		  AND a.grantee <> c.relowner AND (a.grantee = 0 OR r.oid IS NOT NULL)
		ORDER BY c.relname, a.privilege_type`, target, rels)
	if err != nil {
		return nil, fmt.Errorf("postgres: read the published tables' grants: %w", err)
	}
	grants, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("postgres: read the published tables' grants: %w", err)
	}
	return grants, nil
}
