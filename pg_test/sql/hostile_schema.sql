-- Installed into a schema where another role may create objects, with look-alikes of every
-- internal name planted there first: a superuser calls every entry point with that schema first
-- in search_path, and nothing the planter wrote runs (each look-alike would log its name and
-- make its owner superuser). The functions behind the SQL surface are in the extension's own
-- schema seqsync_internal; a squatted schema of that name, or a look-alike with the very
-- signature of an extension function, makes CREATE EXTENSION fail rather than adopt it.
\set SHOW_CONTEXT never
CREATE DATABASE seqsync_hostile_schema;
\c seqsync_hostile_schema
SET client_min_messages = warning;
CREATE ROLE regress_planter;
CREATE SCHEMA app;
GRANT USAGE, CREATE ON SCHEMA app TO regress_planter;
GRANT CREATE ON DATABASE seqsync_hostile_schema TO regress_planter;
CREATE TABLE public.hijacked (name text);
GRANT INSERT ON public.hijacked TO PUBLIC;

SET ROLE regress_planter;
-- Every internal and public name, with parameter types an untyped or differently typed call
-- would prefer. Each logs, then tries to make its owner superuser (which works only when a
-- superuser runs it).
CREATE FUNCTION app.plant(name text, args text, result text) RETURNS void LANGUAGE plpgsql AS $plant$
BEGIN
    EXECUTE format($f$CREATE FUNCTION app.%I(%s) RETURNS %s LANGUAGE plpgsql AS $body$
        BEGIN
            INSERT INTO public.hijacked VALUES (%L);
            BEGIN ALTER ROLE regress_planter SUPERUSER; EXCEPTION WHEN OTHERS THEN NULL; END;
            RETURN %s;
        END $body$$f$, name, args, result, name,
        CASE WHEN result IN ('void', 'SETOF record') THEN '' ELSE 'NULL' END);
END
$plant$;
SELECT app.plant('_resync_batch', 'text, jsonb, boolean, boolean, bigint', 'jsonb');
SELECT app.plant('_resync_batch', 'text, text, boolean, boolean, bigint', 'jsonb');
SELECT app.plant('_resync_batch', 'text[], jsonb, boolean, boolean, numeric', 'jsonb');
SELECT app.plant('_sequences_in_scope', 'name[], name[]', 'oid[]');
SELECT app.plant('_sequences_in_scope', 'text, text', 'oid[]');
SELECT app.plant('_resync_sequence', 'regclass, name, boolean, boolean, bigint', 'SETOF record');
SELECT app.plant('_resync_sequence', 'oid, text, boolean, boolean, numeric', 'SETOF record');
SELECT app.plant('_resync_all_sequences', 'name[], name[], boolean, boolean, bigint', 'SETOF record');
SELECT app.plant('_sequence_health', 'name[]', 'SETOF record');
SELECT app.plant('_sequence_health', 'text', 'SETOF record');
SELECT app.plant('_enable_auto_resync', 'regclass', 'integer');
SELECT app.plant('_enable_auto_resync', 'bigint', 'integer');
SELECT app.plant('_disable_auto_resync', 'regclass', 'integer');
SELECT app.plant('_auto_resync_after_ddl', 'regclass', 'void');
SELECT app.plant('_auto_resync_status', 'integer DEFAULT 0', 'SETOF record');
SELECT app.plant('resync_sequence', 'text', 'SETOF record');
SELECT app.plant('resync_all_sequences', 'text', 'SETOF record');
SELECT app.plant('sequence_health', 'text', 'SETOF record');
SELECT app.plant('enable_auto_resync', 'text', 'integer');
SELECT app.plant('disable_auto_resync', 'text', 'integer');
SELECT app.plant('jsonb_set', 'jsonb, text, jsonb', 'jsonb');
SELECT app.plant('array_length', 'oid[], bigint', 'integer');
SELECT app.plant('clock_timestamp', 'integer DEFAULT 0', 'timestamptz');
-- Operators and types of the same names as pg_catalog's.
CREATE FUNCTION app.lt(integer, bigint) RETURNS boolean LANGUAGE sql AS 'SELECT true';
CREATE OPERATOR app.< (LEFTARG = integer, RIGHTARG = bigint, FUNCTION = app.lt);
CREATE TYPE app.jsonb AS (squatted text);
CREATE TYPE app.oid AS (squatted text);
-- The extension's private schema, squatted: CREATE EXTENSION must fail, not adopt it (the
-- server refuses since 13.8/14.5, the script itself on older minors: the message is the same).
CREATE SCHEMA seqsync_internal;
RESET ROLE;
\set VERBOSITY terse
CREATE EXTENSION pg_seqsync SCHEMA app;
\set VERBOSITY default
SET ROLE regress_planter;
DROP SCHEMA seqsync_internal;
-- The very signature of a public function: the same.
CREATE FUNCTION app.enable_auto_resync(target regclass) RETURNS integer LANGUAGE sql AS 'SELECT 0';
RESET ROLE;
CREATE EXTENSION pg_seqsync SCHEMA app;
SET ROLE regress_planter;
DROP FUNCTION app.enable_auto_resync(regclass);
RESET ROLE;
CREATE EXTENSION pg_seqsync SCHEMA app;

-- A superuser's routine use, with the schema first in search_path. The caller's own calls pass
-- typed arguments: PostgreSQL resolves those with the caller's search_path, and an untyped
-- literal would prefer a planted text overload (SECURITY.md).
SET search_path = app, public;
CREATE TABLE public.orders (id serial PRIMARY KEY, v int);
INSERT INTO public.orders VALUES (500, 0);
SELECT sequence, new_next, action FROM resync_sequence('public.orders'::regclass);
SELECT sequence, action FROM resync_all_sequences(dry_run => true);
SELECT sequence, behind FROM sequence_health();
SELECT enable_auto_resync('public.orders'::regclass);
INSERT INTO public.orders VALUES (900, 0);
SELECT last_value FROM public.orders_id_seq;
SELECT relation, mode FROM auto_resync_status();
SELECT disable_auto_resync('public.orders'::regclass);
SELECT enable_auto_resync();
CREATE TABLE public.later (id bigserial, v int);
SELECT disable_auto_resync();
CALL resync_all_sequences_in_batches(batch_size => 1) \gset
SELECT :'summary'::pg_catalog.jsonb - 'elapsed_seconds' AS summary;
-- No sequence in scope: the summary of an empty run (where 0.3.0 called a look-alike).
CALL resync_all_sequences_in_batches(schemas => '{nowhere}') \gset
SELECT :'summary'::pg_catalog.jsonb - 'elapsed_seconds' AS summary;
DROP EXTENSION pg_seqsync;

-- Nothing planted ran; the planter is still an ordinary role.
RESET search_path;
SELECT count(*) AS look_alikes_run, pg_catalog.string_agg(name, ', ') AS which FROM public.hijacked;
SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = 'regress_planter';

\c regression
DROP DATABASE seqsync_hostile_schema;
DROP ROLE regress_planter;
