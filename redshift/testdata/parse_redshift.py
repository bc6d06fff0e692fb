"""Parse statements with sqlglot and print what they declare, as JSON.

Reads {"redshift": [sql, ...], "postgres": [sql, ...]} on stdin: the first
list is parsed with sqlglot's Redshift dialect, the second (the warehouse's
own DDL, schema/sql) with its PostgreSQL dialect. Prints one object per
statement: its kind, and for CREATE TABLE the table, columns (name, type,
not null), primary key, DISTSTYLE, DISTKEY and SORTKEY; for ALTER TABLE …
ADD PRIMARY KEY (add_primary_key) the table and key; for COPY the table,
source, IAM role and format. A statement sqlglot cannot parse, or parses
only as an opaque command, is reported with an error instead.
"""
import json
import sys

import sqlglot
from sqlglot import exp


def describe_create(node, dialect):
    schema = node.this
    table = schema.this
    out = {"kind": "create_table", "table": table.name, "schema": table.db, "columns": [], "primary_key": []}
    for e in schema.expressions:
        if isinstance(e, exp.ColumnDef):
            cons = [c.kind for c in e.constraints]
            out["columns"].append({
                "name": e.name,
                "type": e.kind.sql(dialect),
                "not_null": any(isinstance(c, exp.NotNullColumnConstraint) for c in cons),
            })
            if any(isinstance(c, exp.PrimaryKeyColumnConstraint) for c in cons):
                out["primary_key"] = [e.name]
        elif isinstance(e, exp.PrimaryKey):
            out["primary_key"] = [x.name for x in e.expressions]
    props = node.args.get("properties")
    for p in (props.expressions if props else []):
        if isinstance(p, exp.DistStyleProperty):
            out["diststyle"] = p.this.name
        elif isinstance(p, exp.DistKeyProperty):
            out["distkey"] = p.this.name
        elif isinstance(p, exp.SortKeyProperty):
            out["sortkey"] = [c.name for c in p.this]
            out["sortkey_compound"] = bool(p.args.get("compound"))
        else:
            out.setdefault("other_properties", []).append(p.sql("redshift"))
    return out


def describe(sql, dialect):
    try:
        nodes = sqlglot.parse(sql, read=dialect, error_level=sqlglot.ErrorLevel.RAISE)
    except sqlglot.errors.SqlglotError as e:
        return {"error": str(e)}
    nodes = [n for n in nodes if n is not None]
    if len(nodes) != 1:
        return {"error": "%d statements" % len(nodes)}
    node = nodes[0]
    if isinstance(node, exp.Command):
        return {"error": "parsed only as an opaque command: " + node.sql()}
    if isinstance(node, exp.Create) and node.kind == "TABLE":
        return describe_create(node, dialect)
    if isinstance(node, exp.Create) and node.kind == "SCHEMA":
        return {"kind": "create_schema", "schema": node.this.db, "if_not_exists": bool(node.args.get("exists"))}
    if isinstance(node, exp.Copy):
        creds = node.args.get("credentials")
        role = creds.args.get("iam_role") if creds else None
        params = {p.this.name.upper(): p.args["expression"].sql() if p.args.get("expression") else None
                  for p in node.args.get("params") or []}
        return {"kind": "copy", "table": node.this.name, "schema": node.this.db,
                "files": [f.name for f in node.args.get("files") or []],
                "iam_role": role.sql("redshift") if role is not None else None, "params": params}
    if isinstance(node, exp.Delete):
        return {"kind": "delete", "table": node.this.name, "schema": node.this.db,
                "where": node.args.get("where") is not None}
    if isinstance(node, exp.Alter) and node.args.get("kind") == "TABLE":
        actions = node.args.get("actions") or []
        keys = [k for a in actions if isinstance(a, exp.AddConstraint)
                for k in a.expressions if isinstance(k, exp.PrimaryKey)]
        if len(actions) == 1 and len(keys) == 1:
            return {"kind": "add_primary_key", "table": node.this.name, "schema": node.this.db,
                    "primary_key": [x.name for x in keys[0].expressions]}
    if isinstance(node, exp.Transaction):
        return {"kind": "begin"}
    if isinstance(node, exp.Commit):
        return {"kind": "commit"}
    return {"kind": type(node).__name__.lower()}


def main():
    req = json.load(sys.stdin)
    out = {"sqlglot": sqlglot.__version__,
           "redshift": [describe(s, "redshift") for s in req.get("redshift") or []],
           "postgres": [describe(s, "postgres") for s in req.get("postgres") or []]}
    json.dump(out, sys.stdout)


main()
