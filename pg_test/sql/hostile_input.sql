-- Hostile and bad input, as a table: each case with the SQLSTATE (or report action, or row
-- count) it must give; `a|b` accepts either where PostgreSQL versions differ. Row-returning cases are dry runs or end in skip/error rows; the last
-- query checks that no sequence moved.
\set SHOW_CONTEXT never
SET client_min_messages = warning;
CREATE SCHEMA hostile;
CREATE TABLE hostile.t (id serial PRIMARY KEY, name text);
INSERT INTO hostile.t VALUES (10, 'x');
CREATE SEQUENCE hostile.lonely;
CREATE SEQUENCE hostile.ring CYCLE;
CREATE TABLE hostile.ring_t (id bigint DEFAULT nextval('hostile.ring'));
CREATE TABLE hostile.wrapped (id bigint DEFAULT nextval('hostile.lonely') + 1);
CREATE TABLE hostile.huge_num (id numeric DEFAULT nextval('hostile.ring'));
CREATE VIEW hostile.v AS SELECT * FROM hostile.t;
CREATE MATERIALIZED VIEW hostile.mv AS SELECT * FROM hostile.t;
CREATE TYPE hostile.composite AS (a int);
CREATE FOREIGN DATA WRAPPER hostile_fdw;
CREATE SERVER hostile_server FOREIGN DATA WRAPPER hostile_fdw;
CREATE FOREIGN TABLE hostile.ft (id int) SERVER hostile_server;
CREATE TABLE hostile."x'); DROP TABLE hostile.t; --" ("; DELETE FROM hostile.t; --" serial, v int);
INSERT INTO hostile."x'); DROP TABLE hostile.t; --" VALUES (5, 0);
CREATE TABLE hostile.ttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttt
    (ccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc serial);
CREATE TABLE hostile."Ünïcödé ""quoted"" table" ("ID with spaces" bigserial);
CREATE TABLE hostile.dropped (a int, b int, id serial);
ALTER TABLE hostile.dropped DROP COLUMN b;
CREATE TABLE hostile.gone (id serial);
SELECT 'hostile.gone'::regclass::oid AS gone_oid \gset
DROP TABLE hostile.gone;
CREATE TABLE hostile.secret (id serial PRIMARY KEY, tenant text);
INSERT INTO hostile.secret VALUES (1, 'a'), (99, 'b');
ALTER TABLE hostile.secret ENABLE ROW LEVEL SECURITY;
CREATE POLICY only_a ON hostile.secret USING (tenant = 'a');
CREATE ROLE regress_hostile_reader;
CREATE ROLE regress_hostile_nobody;
GRANT USAGE ON SCHEMA hostile TO regress_hostile_reader, regress_hostile_nobody;
GRANT SELECT ON hostile.t, hostile.secret TO regress_hostile_reader;
GRANT SELECT ON SEQUENCE hostile.t_id_seq TO regress_hostile_reader;
GRANT SELECT, UPDATE ON SEQUENCE hostile.secret_id_seq TO regress_hostile_reader;
GRANT SELECT, UPDATE ON SEQUENCE hostile.t_id_seq TO regress_hostile_nobody;

-- What every sequence looks like before the cases run.
CREATE TEMP TABLE before AS
SELECT s.seqrelid::regclass AS seq, s.seqrelid FROM pg_sequence s
 WHERE s.seqrelid::regclass::text LIKE 'hostile.%';
CREATE FUNCTION pg_temp.state(seq regclass) RETURNS text LANGUAGE plpgsql AS $$
DECLARE r text; BEGIN EXECUTE format('SELECT last_value || ''/'' || is_called FROM %s', seq) INTO r; RETURN r; END $$;
ALTER TABLE before ADD COLUMN state text;
UPDATE before SET state = pg_temp.state(seq);

-- Runs one case (as `role` when given) and returns its first value, or the SQLSTATE it raised.
CREATE FUNCTION pg_temp.outcome(sql text, role name) RETURNS text LANGUAGE plpgsql AS $$
DECLARE result text;
BEGIN
    IF role IS NOT NULL THEN EXECUTE format('SET LOCAL ROLE %I', role); END IF;
    EXECUTE sql INTO result;
    IF role IS NOT NULL THEN RESET ROLE; END IF;
    RETURN coalesce(result, 'NULL');
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE;
END $$;

CREATE TEMP TABLE cases (n serial, description text, role name, sql text, expected text);
INSERT INTO cases (description, role, sql, expected) VALUES
('NULL target', NULL, 'SELECT action FROM resync_sequence(NULL)', '22004'),
('NULL target with a column', NULL, 'SELECT action FROM resync_sequence(NULL, ''id'')', '22004'),
('unknown relation', NULL, 'SELECT action FROM resync_sequence(''hostile.nope'')', '42P01'),
('unknown schema (42P01 from PostgreSQL 18)', NULL, 'SELECT action FROM resync_sequence(''nope.t'')', '3F000|42P01'),
('dropped relation, by OID', NULL, format('SELECT action FROM resync_sequence(%s::oid::regclass)', :gone_oid), '42P01'),
('OID 0', NULL, 'SELECT action FROM resync_sequence(0::oid::regclass)', '42P01'),
('view', NULL, 'SELECT action FROM resync_sequence(''hostile.v'')', '42809'),
('materialized view', NULL, 'SELECT action FROM resync_sequence(''hostile.mv'')', '42809'),
('foreign table', NULL, 'SELECT action FROM resync_sequence(''hostile.ft'')', '42809'),
('index', NULL, 'SELECT action FROM resync_sequence(''hostile.t_pkey'')', '42809'),
('TOAST table', NULL, 'SELECT action FROM resync_sequence((SELECT reltoastrelid FROM pg_class WHERE oid = ''hostile.t''::regclass)::regclass)', '42809'),
('composite type', NULL, 'SELECT action FROM resync_sequence(''hostile.composite'')', '42809'),
('system catalog', NULL, 'SELECT action FROM resync_sequence(''pg_catalog.pg_class'')', '55000'),
('sequence with no consumers', NULL, 'SELECT action FROM resync_sequence(''hostile.lonely'')', 'skip'),
('column without a sequence', NULL, 'SELECT action FROM resync_sequence(''hostile.t'', ''name'')', '55000'),
('unknown column', NULL, 'SELECT action FROM resync_sequence(''hostile.t'', ''nope'')', '42703'),
('system column', NULL, 'SELECT action FROM resync_sequence(''hostile.t'', ''xmin'')', '42703'),
('dropped column', NULL, 'SELECT action FROM resync_sequence(''hostile.dropped'', ''b'')', '42703'),
('empty column name', NULL, 'SELECT action FROM resync_sequence(''hostile.t'', '''')', '42703'),
('column name with a sequence target', NULL, 'SELECT action FROM resync_sequence(''hostile.t_id_seq'', ''id'')', '22023'),
('negative margin', NULL, 'SELECT action FROM resync_sequence(''hostile.t'', margin => -1)', '22023'),
('most negative margin', NULL, 'SELECT action FROM resync_sequence(''hostile.t'', margin => -9223372036854775808)', '22023'),
('NULL margin', NULL, 'SELECT action FROM resync_sequence(''hostile.t'', margin => NULL)', '22004'),
('overflowing margin', NULL, 'SELECT action FROM resync_sequence(''hostile.t'', margin => 9223372036854775807)', 'error'),
('NULL dry_run', NULL, 'SELECT action FROM resync_sequence(''hostile.t'', dry_run => NULL)', '22004'),
('NULL allow_backward', NULL, 'SELECT action FROM resync_sequence(''hostile.t'', allow_backward => NULL)', '22004'),
('CYCLE sequence', NULL, 'SELECT action FROM resync_sequence(''hostile.ring_t'', dry_run => true)', 'skip'),
('nextval() inside an expression', NULL, 'SELECT action FROM resync_sequence(''hostile.wrapped'', dry_run => true)', 'skip'),
('sweep: negative margin', NULL, 'SELECT count(*) FROM resync_all_sequences(margin => -1)', '22023'),
('sweep: empty schema list', NULL, 'SELECT count(*) FROM resync_all_sequences(schemas => ''{}'', dry_run => true)', '0'),
('sweep: NULL schema name', NULL, 'SELECT count(*) FROM resync_all_sequences(schemas => ''{NULL}'', dry_run => true)', '0'),
('sweep: schema name built to break SQL', NULL, 'SELECT count(*) FROM resync_all_sequences(schemas => ARRAY[''hostile''''); DROP TABLE hostile.t; --''], dry_run => true)', '0'),
('sweep: system schemas', NULL, 'SELECT count(*) FROM resync_all_sequences(schemas => ''{pg_catalog,information_schema,pg_toast}'', dry_run => true)', '0'),
('identifiers built to break SQL', NULL, 'SELECT action || '' '' || data_bound FROM resync_sequence(''hostile."x''''); DROP TABLE hostile.t; --"'', dry_run => true)', 'advance 5'),
('63-character identifiers', NULL, 'SELECT action FROM resync_sequence(''hostile.ttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttt'', ''ccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc'', dry_run => true)', 'none'),
('identifier longer than 63 characters', NULL, 'SELECT action FROM resync_sequence(''hostile.tttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttXXXXX'', dry_run => true)', 'none'),
('Unicode, quotes and spaces', NULL, 'SELECT consumers[1] FROM resync_sequence(''hostile."Ünïcödé ""quoted"" table"'', dry_run => true)', 'hostile."Ünïcödé ""quoted"" table"."ID with spaces"'),
('health: schema name built to break SQL', NULL, 'SELECT count(*) FROM sequence_health(schemas => ARRAY[''x''''; DROP TABLE hostile.t; --''])', '0'),
('batches: batch_size 0', NULL, 'CALL resync_all_sequences_in_batches(batch_size => 0)', '22023'),
('no UPDATE on the sequence', 'regress_hostile_reader', 'SELECT action FROM resync_sequence(''hostile.t'')', '42501'),
('no UPDATE on the sequence, dry run', 'regress_hostile_reader', 'SELECT action FROM resync_sequence(''hostile.t'', dry_run => true)', 'advance'),
('no UPDATE on the sequence, sweep', 'regress_hostile_reader', 'SELECT string_agg(action, '','') FROM resync_all_sequences(schemas => ''{hostile}'') WHERE sequence = ''hostile.t_id_seq''::regclass', 'skip'),
('no SELECT on the table', 'regress_hostile_nobody', 'SELECT action FROM resync_sequence(''hostile.t'')', '42501'),
('no SELECT on the table, sweep', 'regress_hostile_nobody', 'SELECT string_agg(action, '','') FROM resync_all_sequences(schemas => ''{hostile}'') WHERE sequence = ''hostile.t_id_seq''::regclass', 'skip'),
('no privilege on the sequence at all', 'regress_hostile_nobody', 'SELECT action FROM resync_sequence(''hostile.lonely'')', '42501'),
('row-level security hiding rows', 'regress_hostile_reader', 'SELECT action FROM resync_sequence(''hostile.secret'')', '42501'),
('row-level security hiding rows, sweep', 'regress_hostile_reader', 'SELECT string_agg(action, '','') FROM resync_all_sequences(schemas => ''{hostile}'') WHERE sequence = ''hostile.secret_id_seq''::regclass', 'skip'),
('owns nothing: auto-resync on another''s table', 'regress_hostile_nobody', 'SELECT enable_auto_resync(''hostile.t'')', '42501'),
('owns nothing: database-wide auto-resync', 'regress_hostile_nobody', 'SELECT enable_auto_resync()', '42501'),
('owns nothing: disable database-wide mode', 'regress_hostile_nobody', 'SELECT disable_auto_resync()', '42501'),
('owns nothing: call the trigger function', 'regress_hostile_nobody', 'SELECT _auto_resync_trigger()', '39P01'),
('owns nothing: trigger on another''s table', 'regress_hostile_nobody', 'CREATE TRIGGER x AFTER INSERT ON hostile.t FOR EACH STATEMENT EXECUTE FUNCTION _auto_resync_trigger()', '42501'),
('owns nothing: the DDL hook on another''s table', 'regress_hostile_nobody', 'SELECT seqsync_internal._auto_resync_after_ddl(''hostile.t''::regclass)', '42501');

ALTER TABLE cases ADD COLUMN got text;
UPDATE cases SET got = pg_temp.outcome(sql, role);
SELECT n, description, role, expected, got ~ ('^(' || expected || ')$') AS as_expected
  FROM cases ORDER BY n;
SELECT count(*) AS cases, count(*) FILTER (WHERE NOT got ~ ('^(' || expected || ')$')) AS mismatches
  FROM cases;
-- Any mismatch, with what it gave instead (no rows when all are as expected).
SELECT n, description, expected, got FROM cases WHERE NOT got ~ ('^(' || expected || ')$');

-- Nothing changed: every sequence is where it was, and the victims of the injections exist.
SELECT count(*) AS sequences_moved FROM before WHERE pg_temp.state(seq) <> state;
SELECT count(*) AS rows_in_t FROM hostile.t;

DROP SCHEMA hostile CASCADE;
DROP SERVER hostile_server;
DROP FOREIGN DATA WRAPPER hostile_fdw;
DROP ROLE regress_hostile_reader, regress_hostile_nobody;
RESET client_min_messages;
