-- pg_seqsync 0.2.0 -> 0.3.0. Frozen once released: later changes get a script of their own.
\echo Use "ALTER EXTENSION pg_seqsync UPDATE TO '0.3.0'" to load this file. \quit

-- sequence_health() gains limited_by: values_left now counts up to the first limit nextval()'s
-- values hit, the sequence's own or the narrowest column it feeds. A function's result type
-- cannot change in place, so both layers are recreated (nothing in the extension depends on
-- them; a user's view over sequence_health() must be dropped before the update).
DROP FUNCTION sequence_health(pg_catalog.name[]);
DROP FUNCTION _sequence_health(TEXT[]);

CREATE  FUNCTION "_sequence_health"(
	"schemas" TEXT[] /* :: std :: option :: Option < Vec < Option < String > > > */
) RETURNS TABLE (
	"sequence" oid,  /* pg_sys :: Oid */
	"consumers" TEXT[],  /* Vec < String > */
	"data_bound" bigint,  /* Option < i64 > */
	"next_value" bigint,  /* Option < i64 > */
	"behind" bool,  /* Option < bool > */
	"behind_by" bigint,  /* Option < i64 > */
	"values_left" NUMERIC,  /* Option < AnyNumeric > */
	"fraction_used" double precision,  /* Option < f64 > */
	"narrower_than_consumer" bool,  /* bool */
	"detail" TEXT,  /* Option < String > */
	"limited_by" TEXT  /* Option < String > */
)

SET search_path TO pg_catalog, pg_temp
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'sequence_health_wrapper';

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
      FROM @extschema@._sequence_health(schemas::pg_catalog.text[]) AS h
$$;
COMMENT ON FUNCTION sequence_health(pg_catalog.name[]) IS
'One row per sequence: behind its data or not, values left before the first limit (the sequence''s or the narrowest column''s, named in limited_by), fraction used, and whether a column it feeds is wider than the sequence. Changes nothing; blocks no writer.';
