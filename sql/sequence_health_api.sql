CREATE FUNCTION sequence_health(schemas pg_catalog.name[] DEFAULT NULL)
RETURNS TABLE (sequence pg_catalog.regclass, consumers pg_catalog.text[],
               data_bound pg_catalog.int8, next_value pg_catalog.int8,
               behind pg_catalog.bool, behind_by pg_catalog.int8,
               values_left pg_catalog.numeric, fraction_used pg_catalog.float8,
               narrower_than_consumer pg_catalog.bool, detail pg_catalog.text,
               limited_by pg_catalog.text)
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT h.sequence::pg_catalog.regclass, h.consumers, h.data_bound, h.next_value, h.behind,
           h.behind_by, h.values_left, h.fraction_used, h.narrower_than_consumer, h.detail,
           h.limited_by
      FROM seqsync_internal._sequence_health(schemas::pg_catalog.text[]) AS h
$$;
COMMENT ON FUNCTION sequence_health(pg_catalog.name[]) IS
'One row per sequence: behind its data or not, values left before the first limit (the sequence''s or the narrowest column''s, named in limited_by), fraction used, and whether a column it feeds is wider than the sequence. Changes nothing; blocks no writer.';
