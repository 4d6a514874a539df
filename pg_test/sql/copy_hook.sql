-- The preloaded COPY hook: with the library in session_preload_libraries (or
-- shared_preload_libraries) and pg_seqsync.resync_after_copy = on, COPY FROM resyncs its
-- table's sequences with no trigger at all. Plain INSERTs are not affected.
\set SHOW_CONTEXT never
ALTER DATABASE regression SET session_preload_libraries = 'pg_seqsync';
\c
SHOW session_preload_libraries;
CREATE TABLE loaded (id serial PRIMARY KEY, v text);
SELECT count(*) AS triggers FROM pg_trigger WHERE tgrelid = 'loaded'::regclass;

-- Off (the default): COPY leaves the sequence behind, as PostgreSQL does.
SHOW pg_seqsync.resync_after_copy;
COPY loaded (id, v) FROM stdin;
10	a
\.
SELECT last_value, is_called FROM loaded_id_seq;

-- On: COPY FROM resyncs.
SET pg_seqsync.resync_after_copy = on;
COPY loaded (id, v) FROM stdin;
20	b
\.
SELECT last_value, is_called FROM loaded_id_seq;
-- ... but an INSERT does not go through the hook.
INSERT INTO loaded VALUES (30, 'c');
SELECT last_value, is_called FROM loaded_id_seq;
-- COPY TO is not a load.
COPY loaded TO stdout;
SELECT last_value, is_called FROM loaded_id_seq;

RESET pg_seqsync.resync_after_copy;
DROP TABLE loaded;
ALTER DATABASE regression RESET session_preload_libraries;
