CREATE FUNCTION resync_sequence(
    target         pg_catalog.regclass,
    column_name    pg_catalog.name    DEFAULT NULL,
    dry_run        pg_catalog.bool    DEFAULT false,
    allow_backward pg_catalog.bool    DEFAULT false,
    margin         pg_catalog.int8    DEFAULT 0)
RETURNS TABLE (sequence pg_catalog.regclass, consumers pg_catalog.text[],
               data_bound pg_catalog.int8, old_next pg_catalog.int8, new_next pg_catalog.int8,
               action pg_catalog.text, detail pg_catalog.text)
LANGUAGE sql VOLATILE
SET search_path = pg_catalog, pg_temp
SET row_security = off
AS $$
    SELECT r.sequence::pg_catalog.regclass, r.consumers, r.data_bound, r.old_next, r.new_next,
           r.action, r.detail
      FROM seqsync_internal._resync_sequence(target::pg_catalog.oid, column_name::pg_catalog.text,
                                        dry_run, allow_backward, margin) AS r
$$;

COMMENT ON FUNCTION resync_sequence(pg_catalog.regclass, pg_catalog.name, pg_catalog.bool, pg_catalog.bool, pg_catalog.int8) IS
'Move the sequence(s) behind a table, a column or a named sequence just past the data that uses them; forward only unless allow_backward.';

CREATE FUNCTION resync_all_sequences(
    schemas         pg_catalog.name[] DEFAULT NULL,
    exclude_schemas pg_catalog.name[] DEFAULT NULL,
    dry_run         pg_catalog.bool   DEFAULT false,
    allow_backward  pg_catalog.bool   DEFAULT false,
    margin          pg_catalog.int8   DEFAULT 0)
RETURNS TABLE (sequence pg_catalog.regclass, consumers pg_catalog.text[],
               data_bound pg_catalog.int8, old_next pg_catalog.int8, new_next pg_catalog.int8,
               action pg_catalog.text, detail pg_catalog.text)
LANGUAGE sql VOLATILE
SET search_path = pg_catalog, pg_temp
SET row_security = off
AS $$
    SELECT r.sequence::pg_catalog.regclass, r.consumers, r.data_bound, r.old_next, r.new_next,
           r.action, r.detail
      FROM seqsync_internal._resync_all_sequences(schemas::pg_catalog.text[],
                                             exclude_schemas::pg_catalog.text[],
                                             dry_run, allow_backward, margin) AS r
$$;

COMMENT ON FUNCTION resync_all_sequences(pg_catalog.name[], pg_catalog.name[], pg_catalog.bool, pg_catalog.bool, pg_catalog.int8) IS
'Resync every sequence in the database (or in the given schemas) with the data that uses it; one report row per sequence.';
