CREATE FUNCTION _auto_resync_trigger() RETURNS trigger
LANGUAGE c SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'auto_resync_trigger';
COMMENT ON FUNCTION _auto_resync_trigger() IS
'pg_seqsync: statement trigger placed by enable_auto_resync(); advances the sequences behind the table after INSERT or COPY.';
