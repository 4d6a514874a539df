-- CREATE EXTENSION puts the functions in the schema it is given.
\set SHOW_CONTEXT never
CREATE SCHEMA seqsync_home;
CREATE EXTENSION pg_seqsync SCHEMA seqsync_home;
SELECT p.proname, p.pronamespace::regnamespace AS schema,
       pg_catalog.pg_get_function_arguments(p.oid) AS arguments
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

-- The rest of the suite uses the default schema.
CREATE EXTENSION pg_seqsync;
SELECT p.oid::regprocedure AS function, pg_catalog.obj_description(p.oid, 'pg_proc') AS comment
  FROM pg_catalog.pg_proc AS p
 WHERE p.proname IN ('resync_sequence', 'resync_all_sequences')
 ORDER BY 1::text;
