-- pg_seqsync 0.1.0 -> 0.2.0. Frozen once released: later changes get a script of their own.
\echo Use "ALTER EXTENSION pg_seqsync UPDATE TO '0.2.0'" to load this file. \quit

-- DROP EXTENSION pg_seqsync removes the triggers and event trigger automatic resync placed
-- (and this database's pg_seqsync.* settings) instead of failing on them.
CREATE FUNCTION _before_drop_extension() RETURNS event_trigger
LANGUAGE c AS 'MODULE_PATHNAME', 'before_drop_extension';
COMMENT ON FUNCTION _before_drop_extension() IS
'pg_seqsync: before DROP EXTENSION pg_seqsync, removes the triggers and event trigger automatic resync placed and this database''s pg_seqsync.* settings.';
CREATE EVENT TRIGGER pg_seqsync_before_drop ON ddl_command_start
    WHEN TAG IN ('DROP EXTENSION') EXECUTE FUNCTION _before_drop_extension();
