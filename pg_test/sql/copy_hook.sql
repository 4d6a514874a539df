-- The COPY hook exists only where the library is in shared_preload_libraries (tests/copy_hook.sh
-- runs it there). Here it is not: loading the library per session, or with LOAD, installs no
-- hook, so COPY leaves the sequence where PostgreSQL leaves it. And the setting is a
-- superuser's: a loader cannot switch it on for tables whose owners never did.
\set SHOW_CONTEXT never
ALTER DATABASE regression SET session_preload_libraries = 'pg_seqsync';
\c
SHOW session_preload_libraries;
CREATE TABLE loaded (id serial PRIMARY KEY, v text);
SET pg_seqsync.resync_after_copy = on;
COPY loaded (id, v) FROM stdin;
20	b
\.
SELECT last_value, is_called FROM loaded_id_seq;
RESET pg_seqsync.resync_after_copy;
ALTER DATABASE regression RESET session_preload_libraries;
\c
LOAD 'pg_seqsync';
-- Only a superuser can change it.
CREATE ROLE regress_copy_loader;
GRANT INSERT ON loaded TO regress_copy_loader;
SET ROLE regress_copy_loader;
SET pg_seqsync.resync_after_copy = on;
\echo :LAST_ERROR_SQLSTATE
SHOW pg_seqsync.resync_after_copy;
RESET ROLE;
SELECT setting, context FROM pg_settings WHERE name = 'pg_seqsync.resync_after_copy';
DROP TABLE loaded;
DROP ROLE regress_copy_loader;
