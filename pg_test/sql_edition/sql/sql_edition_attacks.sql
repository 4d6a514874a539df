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
-- A view of its own over nothing, with the victim's sequence as a default.
CREATE VIEW evil.v AS SELECT 1::bigint AS id;
ALTER VIEW evil.v ALTER COLUMN id SET DEFAULT nextval('public.victim_id_seq');

\c - regress_app
SET client_min_messages = notice;
-- The victim's own resync: its rows only, evil's squatters ignored and named, no evil code run.
SELECT sequence, consumers, data_bound, new_next, action, detail
  FROM tools.resync_sequence('public.victim'::regclass);
-- A sweep that reaches evil's trapped table: a skip naming the trap, which never runs.
SELECT sequence, action, detail FROM tools.resync_all_sequences(schemas => '{evil}');
SELECT sequence, behind, detail FROM tools.sequence_health('{evil}');
SELECT nextval('public.victim_id_seq') AS victim_next;

-- A superuser's sweep: evil's trap is not the superuser's own code either, and never runs.
\c - postgres
SET client_min_messages = notice;
SELECT sequence, action, detail FROM tools.resync_all_sequences(schemas => '{evil}');
SELECT sequence, action, detail FROM tools.resync_sequence('public.victim'::regclass);
