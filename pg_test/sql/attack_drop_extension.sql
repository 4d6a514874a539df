-- Attacks by an unprivileged role, part 5 of 5 (see attack_planting): DROP EXTENSION, the
-- verdict, and cleaning up.
\set VERBOSITY terse
\set SHOW_CONTEXT never
SET client_min_messages = warning;
SELECT 'vic.t_id_seq'::regclass::oid AS vic_seq, 'vic.t'::regclass::oid AS vic_table \gset

-- DROP EXTENSION removes only what automatic resync placed: evil's own triggers on the
-- extension's function are not silently dropped, so a plain DROP EXTENSION is refused with
-- PostgreSQL's dependency error (never a crash on a partition's trigger clone), and CASCADE
-- removes them, even with the hostile search path (rolled back: the suite goes on with the
-- extension).
BEGIN;
SET LOCAL search_path = att, pg_catalog, public;
SAVEPOINT plain;
DROP EXTENSION pg_seqsync;
\echo :SQLSTATE
ROLLBACK TO plain;
DROP EXTENSION pg_seqsync CASCADE;
SELECT count(*) AS triggers_left FROM pg_catalog.pg_trigger
 WHERE tgname OPERATOR(pg_catalog.=) ANY ('{mine,before_row,constraint_row,instead_row}');
ROLLBACK;
SELECT extversion IS NOT NULL AS still_installed FROM pg_extension WHERE extname = 'pg_seqsync';

-- The verdict. No planted code ran, nobody became a superuser, the victim's sequence is where
-- its own rows put it (70 the largest, 71 the next value), and the server never restarted.
SELECT * FROM public.regress_att_log;
SELECT count(*) AS planted_runs FROM public.regress_att_log;
SELECT rolname, rolsuper FROM pg_roles WHERE rolname LIKE 'regress_att%' ORDER BY 1;
SELECT last_value, is_called FROM vic.t_id_seq;
SELECT max(id) AS victim_max_id FROM vic.t;
SELECT 1 AS alive;
SELECT pg_catalog.pg_postmaster_start_time() = start_time AS same_postmaster FROM public.regress_att_start;

DROP SCHEMA att, vic CASCADE;
DROP TABLE public.regress_att_log, public.regress_att_start;
ALTER ROLE regress_att_evil RESET ALL;
DROP ROLE regress_att_evil, regress_att_victim;
RESET client_min_messages;
