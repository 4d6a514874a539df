CREATE FUNCTION _before_drop_extension() RETURNS event_trigger
LANGUAGE c SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'before_drop_extension';
COMMENT ON FUNCTION _before_drop_extension() IS
'pg_seqsync: before DROP EXTENSION pg_seqsync, removes the triggers and event trigger automatic resync placed and this database''s pg_seqsync.* settings.';
CREATE EVENT TRIGGER pg_seqsync_before_drop ON ddl_command_start
    WHEN TAG IN ('DROP EXTENSION') EXECUTE FUNCTION _before_drop_extension();
