-- Bad input: a clear error with the right SQLSTATE and a hint, and nothing changed.
\set SHOW_CONTEXT never
CREATE TABLE bi (id serial PRIMARY KEY, name text);
INSERT INTO bi VALUES (10, 'x');
SELECT * FROM resync_sequence(NULL);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM resync_sequence('no_such_table');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM resync_sequence(4000000000::oid::regclass);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM resync_sequence('bi', 'nope');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM resync_sequence('bi', 'ctid');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM resync_sequence('bi', 'name');
\echo :LAST_ERROR_SQLSTATE
CREATE TABLE no_seqs (a int);
SELECT * FROM resync_sequence('no_seqs');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM resync_sequence('bi_id_seq', 'id');
\echo :LAST_ERROR_SQLSTATE
CREATE VIEW bi_view AS SELECT * FROM bi;
SELECT * FROM resync_sequence('bi_view');
\echo :LAST_ERROR_SQLSTATE
CREATE MATERIALIZED VIEW bi_matview AS SELECT * FROM bi;
SELECT * FROM resync_sequence('bi_matview');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM resync_sequence('bi_pkey');
\echo :LAST_ERROR_SQLSTATE
CREATE FOREIGN DATA WRAPPER regress_seqsync_fdw;
CREATE SERVER regress_seqsync_server FOREIGN DATA WRAPPER regress_seqsync_fdw;
CREATE FOREIGN TABLE bi_foreign (id int) SERVER regress_seqsync_server;
SELECT * FROM resync_sequence('bi_foreign');
\echo :LAST_ERROR_SQLSTATE
SELECT reltoastrelid::regclass IS NOT NULL AS has_toast FROM pg_class WHERE oid = 'bi'::regclass;
-- (its name holds an OID, so only the SQLSTATE is shown)
\set VERBOSITY sqlstate
SELECT count(*) FROM resync_sequence((SELECT reltoastrelid FROM pg_class WHERE oid = 'bi'::regclass)::regclass);
\set VERBOSITY default
SELECT * FROM resync_sequence('bi', margin => -1);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM resync_sequence('bi', margin => NULL);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM resync_sequence('bi', dry_run => NULL);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM resync_all_sequences(margin => -5);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM resync_all_sequences(allow_backward => NULL);
\echo :LAST_ERROR_SQLSTATE
-- After all that, the sequence is where it was.
SELECT last_value, is_called FROM bi_id_seq;
DROP FOREIGN TABLE bi_foreign;
DROP SERVER regress_seqsync_server;
DROP FOREIGN DATA WRAPPER regress_seqsync_fdw;
DROP MATERIALIZED VIEW bi_matview;
DROP VIEW bi_view;
DROP TABLE bi, no_seqs;
