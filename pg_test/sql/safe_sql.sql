-- Generated SQL quotes every identifier and schema-qualifies every function and operator, and
-- the functions run with a pinned search_path: a caller's schema full of look-alikes changes
-- nothing, and names made to break string-built SQL are just names.
\set SHOW_CONTEXT never
CREATE SCHEMA evil;
CREATE AGGREGATE evil.max(integer) (sfunc = int4smaller, stype = int4);
CREATE AGGREGATE evil.max(bigint) (sfunc = int8smaller, stype = int8);
CREATE AGGREGATE evil.max(numeric) (sfunc = numeric_smaller, stype = numeric);
CREATE FUNCTION evil.setval(regclass, bigint, boolean) RETURNS bigint LANGUAGE sql AS 'SELECT 0::bigint';
CREATE FUNCTION evil.setval(regclass, bigint) RETURNS bigint LANGUAGE sql AS 'SELECT 0::bigint';
CREATE FUNCTION evil.nextval(regclass) RETURNS bigint LANGUAGE sql AS 'SELECT -1::bigint';
CREATE FUNCTION evil.ceil(numeric) RETURNS numeric LANGUAGE sql AS 'SELECT 0::numeric';
CREATE FUNCTION evil.quote_ident(text) RETURNS text LANGUAGE sql AS 'SELECT ''oops''::text';
CREATE OPERATOR evil.= (leftarg = oid, rightarg = oid, function = oidne);
CREATE OPERATOR evil.> (leftarg = integer, rightarg = integer, function = int4lt);
CREATE OPERATOR evil.= (leftarg = "char", rightarg = "char", function = charne);

CREATE TABLE public.guarded (id serial, v int);
INSERT INTO public.guarded VALUES (1, 0), (64, 0);
SET search_path = evil, pg_catalog, public;
-- The trap works on plain SQL in this session ...
SELECT max(id) FROM public.guarded;
-- ... but not on the resync.
SELECT * FROM public.resync_sequence('public.guarded');
SELECT * FROM public.resync_all_sequences(schemas => '{public}', dry_run => true);
RESET search_path;
SELECT last_value, is_called FROM guarded_id_seq;

-- Identifiers built to break string-built SQL.
CREATE SCHEMA "My Schema";
CREATE TABLE victim (x int);
CREATE TABLE "My Schema"."Order ""Items""" ("Id); DROP TABLE victim; --" serial, v int);
INSERT INTO "My Schema"."Order ""Items""" VALUES (77, 0);
SELECT * FROM resync_sequence('"My Schema"."Order ""Items"""');
SELECT * FROM resync_sequence('"My Schema"."Order ""Items"""', 'Id); DROP TABLE victim; --');
SELECT count(*) AS victim_still_there FROM victim;

SET client_min_messages = warning;
DROP SCHEMA evil, "My Schema" CASCADE;
RESET client_min_messages;
DROP TABLE guarded, victim;
