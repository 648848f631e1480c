"""The PostgreSQL catalog queries: a constant number, whatever the number of tables.

Per-row functions (``pg_get_expr``, ``pg_get_indexdef``) run only on the rows that
need them (defaults, partial and expression indexes): on a thousand tables they
cost ten times more than the catalog columns.
"""

VISIBLE = """
    c.relnamespace NOT IN (
        SELECT oid FROM pg_namespace
        WHERE nspname IN ('pg_catalog', 'information_schema') OR left(nspname, 8) = 'pg_toast'
    )
    AND pg_table_is_visible(c.oid)
    AND NOT c.relispartition
"""

TABLES = f"""
SELECT c.relname, c.relkind IN ('r', 'p', 'f') FROM pg_class c
WHERE c.relkind IN ('r', 'p', 'f', 'v', 'm') AND {VISIBLE}
"""

COLUMNS = f"""
SELECT c.oid, a.attnum, c.relname, a.attname, format_type(a.atttypid, a.atttypmod),
       NOT a.attnotnull, a.atthasdef OR a.attidentity <> '' OR a.attgenerated <> ''
FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
WHERE c.relkind IN ('r', 'p', 'f') AND a.attnum > 0 AND NOT a.attisdropped AND {VISIBLE}
ORDER BY c.relname, a.attnum
"""

# Only the columns with an identity, a default, a generation expression or a collation other
# than their type's: a few rows instead of four more values on every column.
COLUMN_DETAILS = f"""
SELECT a.attrelid, a.attnum, a.attidentity <> '', a.attgenerated <> '',
       CASE WHEN a.atthasdef THEN pg_get_expr(d.adbin, d.adrelid) END,
       CASE WHEN a.attcollation <> t.typcollation THEN co.collname END
FROM pg_attribute a
JOIN pg_class c ON c.oid = a.attrelid
JOIN pg_type t ON t.oid = a.atttypid
LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
LEFT JOIN pg_collation co ON co.oid = a.attcollation
WHERE c.relkind IN ('r', 'p', 'f') AND a.attnum > 0 AND NOT a.attisdropped
  AND (a.atthasdef OR a.attidentity <> '' OR a.attgenerated <> ''
       OR a.attcollation NOT IN (0, 100))  -- 100: "default", the collatable types' own
  AND {VISIBLE}
"""

# Column numbers come back as arrays and are named from COLUMNS in Python: per-row
# subqueries and pg_get_indexdef() cost ten times more on a thousand tables.
CONSTRAINTS = f"""
SELECT con.conrelid, con.conname, con.contype, con.convalidated, con.conkey,
       con.confrelid, f.relname, con.confkey,
       CASE WHEN con.contype = 'c' THEN pg_get_constraintdef(con.oid) END,
       con.confdeltype, con.confupdtype, con.condeferrable, con.condeferred
FROM pg_constraint con
JOIN pg_class c ON c.oid = con.conrelid
LEFT JOIN pg_class f ON f.oid = con.confrelid
WHERE con.contype IN ('f', 'c') AND {VISIBLE}
"""

# 403: btree, the access method of nearly every index; others are named (a subquery each).
INDEXES = f"""
SELECT x.indrelid, i.relname, x.indisunique, x.indisprimary, x.indisvalid AND x.indisready,
       x.indpred IS NOT NULL, x.indkey::int2[], x.indnkeyatts, x.indoption::int2[],
       x.indclass::oid[],
       CASE WHEN i.relam <> 403 THEN (SELECT amname FROM pg_am WHERE oid = i.relam) END,
       CASE WHEN NOT x.indimmediate THEN coalesce((
           SELECT condeferred FROM pg_constraint
           WHERE conindid = x.indexrelid AND conrelid = x.indrelid AND contype IN ('u', 'p', 'x')
       ), false) END,
       CASE WHEN x.indpred IS NOT NULL OR x.indexprs IS NOT NULL
            THEN pg_get_indexdef(x.indexrelid) END
FROM pg_index x
JOIN pg_class c ON c.oid = x.indrelid
JOIN pg_class i ON i.oid = x.indexrelid
WHERE {VISIBLE}
"""

OPCLASSES = "SELECT oid, opcname FROM pg_opclass WHERE NOT opcdefault"

# Foreign keys to tables outside the search_path: their column names, read only when needed.
OTHER_COLUMNS = "SELECT attrelid, attnum, attname FROM pg_attribute WHERE attrelid = ANY(%s)"

# The sequence behind each identity or serial column, the value it hands out next, and the
# column's highest value, read in this one statement through its index (query_to_xml runs
# one max() per table on the server). Empty tables (no page on disk) are not read at all:
# on a thousand tables, reading each one costs ten times the rest of the query. NULL where
# the role may not read the sequence or the table.
SEQUENCES = f"""
WITH filled AS (
    SELECT c.oid, c.relname, c.relnamespace FROM pg_class c
    WHERE c.relkind IN ('r', 'p') AND {VISIBLE} AND pg_relation_size(c.oid) > 0
)
SELECT c.oid, a.attname, s.relname,
       CASE WHEN has_sequence_privilege(s.oid, 'SELECT,USAGE') THEN
            coalesce(pg_sequence_last_value(s.oid) + q.seqincrement, q.seqstart) END,
       CASE WHEN has_table_privilege(c.oid, 'SELECT') THEN
            (xpath('/row/m/text()', query_to_xml(
                format('SELECT max(%I) AS m FROM %I.%I', a.attname, n.nspname, c.relname),
                false, true, '')))[1]::text::numeric END
FROM filled c
JOIN pg_depend d ON d.refobjid = c.oid AND d.classid = 'pg_class'::regclass
     AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')
JOIN pg_class s ON s.oid = d.objid AND s.relkind = 'S'
JOIN pg_sequence q ON q.seqrelid = s.oid AND q.seqincrement > 0
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = d.refobjsubid
"""
