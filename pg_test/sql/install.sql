-- CREATE EXTENSION puts the functions in the schema it is given.
\set SHOW_CONTEXT never
CREATE SCHEMA seqsync_home;
CREATE EXTENSION pg_seqsync SCHEMA seqsync_home;
-- (PostgreSQL 14 and later write IN before a procedure's arguments: dropped here, so that one
-- expected file fits every major.)
SELECT p.proname, p.pronamespace::regnamespace AS schema,
       pg_catalog.regexp_replace(pg_catalog.pg_get_function_arguments(p.oid), '(^|, )IN ', '\1', 'g')
         AS arguments
  FROM pg_catalog.pg_proc AS p
  JOIN pg_catalog.pg_depend AS d ON d.objid = p.oid AND d.deptype = 'e'
  JOIN pg_catalog.pg_extension AS e ON e.oid = d.refobjid AND e.extname = 'pg_seqsync'
 ORDER BY p.proname;
CREATE TABLE t (id serial PRIMARY KEY);
INSERT INTO t VALUES (5);
SELECT sequence, action, new_next FROM seqsync_home.resync_sequence('t');
DROP TABLE t;
DROP EXTENSION pg_seqsync;
DROP SCHEMA seqsync_home;

-- Not marked trusted: only a superuser may install it.
CREATE ROLE regress_seqsync_plain;
GRANT CREATE ON DATABASE regression TO regress_seqsync_plain;
SET ROLE regress_seqsync_plain;
CREATE EXTENSION pg_seqsync;
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;
REVOKE CREATE ON DATABASE regression FROM regress_seqsync_plain;
DROP ROLE regress_seqsync_plain;

-- The rest of the suite uses the default schema.
CREATE EXTENSION pg_seqsync;
-- No function is SECURITY DEFINER. The resync functions pin search_path and turn row_security
-- off, so a query row-level security would filter fails instead of shrinking. Every function
-- pins search_path; the batched procedure cannot (it commits) and qualifies every name and
-- types every argument instead (hostile_schema).
SELECT p.proname, p.prosecdef AS security_definer, p.proconfig
  FROM pg_catalog.pg_proc AS p
  JOIN pg_catalog.pg_depend AS d ON d.objid = p.oid AND d.deptype = 'e'
  JOIN pg_catalog.pg_extension AS e ON e.oid = d.refobjid AND e.extname = 'pg_seqsync'
 ORDER BY p.proname;
SELECT p.oid::regprocedure AS function, pg_catalog.obj_description(p.oid, 'pg_proc') AS comment
  FROM pg_catalog.pg_proc AS p
 WHERE p.proname IN ('resync_sequence', 'resync_all_sequences')
 ORDER BY 1::text;
