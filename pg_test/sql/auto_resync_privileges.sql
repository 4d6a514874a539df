-- The trigger acts with the table owner's rights (a security-restricted operation, like
-- REFRESH MATERIALIZED VIEW), not the writer's and not a superuser's: a loader that may INSERT
-- and use the sequence but not UPDATE it still gets the sequence advanced past its rows, and
-- gains nothing else.
\set SHOW_CONTEXT never
CREATE ROLE regress_seqsync_owner;
CREATE ROLE regress_seqsync_loader;
CREATE ROLE regress_seqsync_intruder;
GRANT CREATE ON SCHEMA public TO regress_seqsync_owner;
SET ROLE regress_seqsync_owner;
CREATE TABLE public.ledger (id serial PRIMARY KEY, amount int);
CREATE TABLE public.other (id serial PRIMARY KEY);
INSERT INTO public.other VALUES (10);
SELECT enable_auto_resync('public.ledger');
GRANT INSERT ON public.ledger TO regress_seqsync_loader;
GRANT USAGE ON SEQUENCE public.ledger_id_seq, public.other_id_seq TO regress_seqsync_loader;
GRANT USAGE ON SEQUENCE public.other_id_seq TO regress_seqsync_intruder;
RESET ROLE;

SET ROLE regress_seqsync_loader;
COPY public.ledger (id, amount) FROM stdin;
500	1
\.
-- The sequence moved, though the loader cannot move it itself ...
SELECT nextval('public.ledger_id_seq');
SELECT setval('public.ledger_id_seq', 1);
\echo :LAST_ERROR_SQLSTATE
-- ... nor any other sequence, nor this one backward.
SELECT setval('public.other_id_seq', 1000);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM resync_sequence('public.ledger', allow_backward => true);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM resync_sequence('public.other');
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;
SELECT last_value, is_called FROM public.other_id_seq;

-- A role that owns nothing of ours tries to use the trigger path on someone else's sequence.
SET ROLE regress_seqsync_intruder;
-- Not on the owner's table: placing a trigger there needs ownership.
SELECT enable_auto_resync('public.other');
\echo :LAST_ERROR_SQLSTATE
CREATE TRIGGER sneaky AFTER INSERT ON public.other FOR EACH STATEMENT EXECUTE FUNCTION public._auto_resync_trigger();
\echo :LAST_ERROR_SQLSTATE
-- Not by calling the trigger function.
SELECT public._auto_resync_trigger();
\echo :LAST_ERROR_SQLSTATE
-- Not through a table of its own whose default draws from the victim's sequence: the trigger
-- then acts as the intruder, who may not move that sequence.
CREATE TABLE pg_temp.decoy (id bigint DEFAULT nextval('public.other_id_seq'));
SELECT enable_auto_resync('pg_temp.decoy');
INSERT INTO pg_temp.decoy VALUES (1000000);
DROP TABLE pg_temp.decoy;
RESET ROLE;
SELECT last_value, is_called FROM public.other_id_seq;

SET ROLE regress_seqsync_owner;
DROP TABLE public.ledger, public.other;
RESET ROLE;
REVOKE CREATE ON SCHEMA public FROM regress_seqsync_owner;
DROP ROLE regress_seqsync_owner, regress_seqsync_loader, regress_seqsync_intruder;
