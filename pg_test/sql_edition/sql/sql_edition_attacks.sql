-- The SQL edition against a role that owns nothing of the victim's: regress_evil (created by
-- the test's setup, not superuser) may create objects in schema tools, where the edition is
-- installed, and in schema evil, its own (made by the setup). regress_app, the victim, owns the database and the
-- edition's functions. Nothing evil plants runs when the victim calls the edition, and none
-- of evil's objects moves, skips or blocks the victim's sequence.
SET client_min_messages = notice;
CREATE TABLE victim (id serial PRIMARY KEY);
INSERT INTO victim VALUES (1), (2), (30);
GRANT CREATE ON SCHEMA tools TO regress_evil;
GRANT USAGE ON SCHEMA tools TO regress_evil;

\c - regress_evil
SET client_min_messages = notice;
-- Look-alikes of the edition's internal functions in its own schema, with argument types an
-- untyped call would prefer: the edition's calls are qualified and typed, so none is chosen.
CREATE FUNCTION tools._references(text) RETURNS SETOF record LANGUAGE plpgsql AS
  $$ BEGIN RAISE WARNING 'evil _references ran as %', current_user; END $$;
CREATE FUNCTION tools._resync(text, text, text, text, text, text) RETURNS SETOF record LANGUAGE plpgsql AS
  $$ BEGIN RAISE WARNING 'evil _resync ran as %', current_user; END $$;
CREATE FUNCTION tools._wait_limit_ms(text) RETURNS int LANGUAGE plpgsql AS
  $$ BEGIN RAISE WARNING 'evil _wait_limit_ms ran as %', current_user; RETURN 0; END $$;
CREATE FUNCTION tools._query_hazard(regclass) RETURNS text LANGUAGE plpgsql AS
  $$ BEGIN RAISE WARNING 'evil _query_hazard ran as %', current_user; RETURN NULL; END $$;
CREATE FUNCTION tools._resync(oid[], boolean, boolean, integer, boolean, boolean) RETURNS SETOF record
  LANGUAGE plpgsql AS $$ BEGIN RAISE WARNING 'evil _resync(integer) ran as %', current_user; END $$;
CREATE FUNCTION tools._sequences_in_scope(text, text) RETURNS oid[] LANGUAGE plpgsql AS
  $$ BEGIN RAISE WARNING 'evil _sequences_in_scope ran as %', current_user; RETURN '{}'; END $$;
CREATE FUNCTION tools._auto_resync_trigger(int) RETURNS int LANGUAGE plpgsql AS
  $$ BEGIN RAISE WARNING 'evil _auto_resync_trigger ran as %', current_user; RETURN 0; END $$;
-- A table of its own drawing from the victim's sequence, holding a huge value.
CREATE TABLE evil.squat (id bigint DEFAULT nextval('public.victim_id_seq'));
INSERT INTO evil.squat VALUES (2000000000);
-- A table of its own with a trap in an index predicate, drawing from its own sequence.
CREATE FUNCTION evil.trap(int) RETURNS boolean LANGUAGE plpgsql IMMUTABLE AS
  $$ BEGIN RAISE WARNING 'evil trap ran as %', current_user; RETURN true; END $$;
SET client_min_messages = error;
CREATE TABLE evil.trapped (id serial, v int);
INSERT INTO evil.trapped VALUES (55, 1);
CREATE INDEX ON evil.trapped (id) WHERE evil.trap(1);
SET client_min_messages = notice;
GRANT USAGE ON SCHEMA evil TO PUBLIC;
GRANT SELECT ON evil.trapped TO PUBLIC;
GRANT SELECT, UPDATE ON SEQUENCE evil.trapped_id_seq TO PUBLIC;
-- Code the planner folds while planning a query over a table: a CHECK constraint on an
-- inheritance child (constraint exclusion), and an extended statistics expression (14+).
CREATE TABLE evil.par (id serial PRIMARY KEY);
SET client_min_messages = error;
CREATE TABLE evil.kid (CHECK (id > evil.trap(1)::int - 100)) INHERITS (evil.par);
INSERT INTO evil.kid VALUES (5);
CREATE TABLE evil.stats (id serial PRIMARY KEY, v int);
INSERT INTO evil.stats VALUES (7, 1);
DO $$ BEGIN
    IF current_setting('server_version_num')::int >= 140000 THEN
        EXECUTE 'CREATE STATISTICS evil.stats_x ON (v + evil.trap(1)::int) FROM evil.stats';
    END IF;
END $$;
-- A numeric(19,0) column: the narrowest-column arithmetic must not overflow.
CREATE SEQUENCE evil.wide_seq;
CREATE TABLE evil.wide (id numeric(19,0) DEFAULT nextval('evil.wide_seq'));
SET client_min_messages = notice;
GRANT SELECT ON ALL TABLES IN SCHEMA evil TO PUBLIC;
GRANT SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA evil TO PUBLIC;
-- A view of its own over nothing, with the victim's sequence as a default.
CREATE VIEW evil.v AS SELECT 1::bigint AS id;
ALTER VIEW evil.v ALTER COLUMN id SET DEFAULT nextval('public.victim_id_seq');
-- Reading a table needs a lock that keeps DDL out (UPDATE, DELETE or TRUNCATE on it): evil
-- hands that out gladly, so that the victim's sweep below reads its tables.
GRANT UPDATE ON ALL TABLES IN SCHEMA evil TO regress_app;

\c - regress_app
SET client_min_messages = notice;
-- The victim's own resync: its rows only, evil's squatters ignored and named, no evil code run.
SELECT sequence, consumers, data_bound, new_next, action, detail
  FROM tools.resync_sequence('public.victim'::regclass);
-- A sweep that reaches evil's tables: a skip naming each trap, which never runs (the sweep's
-- NOTICE is left out: evil.stats has its trap only from 14, so the counts differ by major).
SET client_min_messages = warning;
SELECT sequence, action, detail FROM tools.resync_all_sequences(schemas => '{evil}')
 WHERE sequence::text <> 'evil.stats_id_seq' ORDER BY 1::text;
SELECT sequence, data_bound, behind, limited_by, detail FROM tools.sequence_health('{evil}')
 WHERE sequence::text <> 'evil.stats_id_seq' ORDER BY 1::text;
SELECT action = 'skip' OR current_setting('server_version_num')::int < 140000 AS stats_expression_refused
  FROM tools.resync_sequence('evil.stats'::regclass, dry_run => true);
SELECT nextval('public.victim_id_seq') AS victim_next;

-- A superuser's sweep: evil's traps are not the superuser's own code either, and never run.
\c - postgres
SET client_min_messages = warning;
SELECT sequence, action, detail FROM tools.resync_all_sequences(schemas => '{evil}')
 WHERE sequence::text <> 'evil.stats_id_seq' ORDER BY 1::text;
SELECT action = 'skip' OR current_setting('server_version_num')::int < 140000 AS stats_expression_refused
  FROM tools.resync_sequence('evil.stats'::regclass);
SELECT sequence, behind, limited_by FROM tools.sequence_health('{evil}')
 WHERE sequence::text <> 'evil.stats_id_seq' ORDER BY 1::text;
SELECT tools.enable_auto_resync(NULL) > 0 AS database_wide_on;
SELECT count(*) > 0 AS status_rows FROM tools.auto_resync_status();
SELECT tools.disable_auto_resync(NULL) > 0 AS database_wide_off;
SET client_min_messages = notice;
SELECT sequence, action, detail FROM tools.resync_sequence('public.victim'::regclass);
