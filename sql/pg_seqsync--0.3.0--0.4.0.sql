-- pg_seqsync 0.3.0 -> 0.4.0. Frozen once released: later changes get a script of their own.
\echo Use "ALTER EXTENSION pg_seqsync UPDATE TO '0.4.0'" to load this file. \quit

-- Safe in a schema other roles may create in. The functions behind the SQL surface move to a
-- schema of the extension's own (nobody else may create in it), and every call of them is
-- qualified with it; the batched procedure (which cannot pin search_path, as it commits) passes
-- only typed arguments; the two C functions without a pinned search_path get one.
CREATE SCHEMA seqsync_internal;
COMMENT ON SCHEMA seqsync_internal IS
'pg_seqsync: the functions behind its SQL surface (call the public ones instead).';
GRANT USAGE ON SCHEMA seqsync_internal TO PUBLIC;

ALTER FUNCTION _resync_sequence(oid, text, bool, bool, bigint) SET SCHEMA seqsync_internal;
ALTER FUNCTION _resync_all_sequences(text[], text[], bool, bool, bigint) SET SCHEMA seqsync_internal;
ALTER FUNCTION _resync_batch(oid[], jsonb, bool, bool, bigint) SET SCHEMA seqsync_internal;
ALTER FUNCTION _sequences_in_scope(text[], text[]) SET SCHEMA seqsync_internal;
ALTER FUNCTION _sequence_health(text[]) SET SCHEMA seqsync_internal;
ALTER FUNCTION _enable_auto_resync(oid) SET SCHEMA seqsync_internal;
ALTER FUNCTION _disable_auto_resync(oid) SET SCHEMA seqsync_internal;
ALTER FUNCTION _auto_resync_status() SET SCHEMA seqsync_internal;
ALTER FUNCTION _auto_resync_after_ddl(oid) SET SCHEMA seqsync_internal;

ALTER FUNCTION _before_drop_extension() SET search_path = pg_catalog, pg_temp;
ALTER FUNCTION _auto_resync_trigger() SET search_path = pg_catalog, pg_temp;

-- The SQL layer, as in a fresh install (comments unchanged).

CREATE OR REPLACE FUNCTION resync_sequence(
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

CREATE OR REPLACE FUNCTION resync_all_sequences(
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


CREATE OR REPLACE FUNCTION enable_auto_resync(target pg_catalog.regclass DEFAULT NULL)
RETURNS pg_catalog.int4 LANGUAGE sql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$ SELECT seqsync_internal._enable_auto_resync(target::pg_catalog.oid) $$;

CREATE OR REPLACE FUNCTION disable_auto_resync(target pg_catalog.regclass DEFAULT NULL)
RETURNS pg_catalog.int4 LANGUAGE sql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$ SELECT seqsync_internal._disable_auto_resync(target::pg_catalog.oid) $$;

CREATE OR REPLACE FUNCTION auto_resync_status()
RETURNS TABLE (relation pg_catalog.regclass, mode pg_catalog.text, trigger_name pg_catalog.text,
               sequences pg_catalog.regclass[])
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT s.relation::pg_catalog.regclass, s.mode, s.trigger_name,
           s.sequences::pg_catalog.regclass[]
      FROM seqsync_internal._auto_resync_status() AS s
$$;

CREATE OR REPLACE FUNCTION _auto_resync_ddl() RETURNS event_trigger LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    object pg_catalog.oid;
BEGIN
    FOR object IN
        SELECT DISTINCT c.objid FROM pg_catalog.pg_event_trigger_ddl_commands() AS c
         WHERE c.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_class'::pg_catalog.regclass
    LOOP
        -- Never fail the user's DDL: a problem becomes a WARNING.
        BEGIN
            PERFORM seqsync_internal._auto_resync_after_ddl(object);
        EXCEPTION WHEN OTHERS THEN
            RAISE WARNING 'pg_seqsync: automatic resync after DDL on % failed: %',
                object::pg_catalog.regclass, SQLERRM;
        END;
    END LOOP;
END
$$;

CREATE OR REPLACE FUNCTION sequence_health(schemas pg_catalog.name[] DEFAULT NULL)
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

CREATE OR REPLACE PROCEDURE resync_all_sequences_in_batches(
    schemas         pg_catalog.name[] DEFAULT NULL,
    exclude_schemas pg_catalog.name[] DEFAULT NULL,
    dry_run         pg_catalog.bool   DEFAULT false,
    allow_backward  pg_catalog.bool   DEFAULT false,
    margin          pg_catalog.int8   DEFAULT 0,
    batch_size      pg_catalog.int4   DEFAULT 500,
    INOUT summary   pg_catalog.jsonb  DEFAULT NULL)
LANGUAGE plpgsql
-- No SET clause: a procedure with one cannot COMMIT. So every name below is schema-qualified
-- (the extension's own functions are in seqsync_internal, where nobody else may create
-- anything) and every argument typed.
AS $$
DECLARE
    all_sequences pg_catalog.oid[];
    total pg_catalog.int4;
    done pg_catalog.int4 := 0;
    started pg_catalog.timestamptz := pg_catalog.clock_timestamp();
    last_notice pg_catalog.timestamptz := pg_catalog.clock_timestamp();
BEGIN
    IF batch_size IS NULL OR batch_size OPERATOR(pg_catalog.<) 1 THEN
        RAISE EXCEPTION 'batch_size must be at least 1, got %', batch_size
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Each batch is resynced and committed before the next; 500 is a good size.';
    END IF;
    all_sequences := seqsync_internal._sequences_in_scope(schemas::pg_catalog.text[],
                                                          exclude_schemas::pg_catalog.text[]);
    total := COALESCE(pg_catalog.array_length(all_sequences, 1), 0);
    summary := NULL;
    WHILE done OPERATOR(pg_catalog.<) total LOOP
        summary := seqsync_internal._resync_batch(
            all_sequences[done OPERATOR(pg_catalog.+) 1 : done OPERATOR(pg_catalog.+) batch_size],
            summary, dry_run, allow_backward, margin);
        done := LEAST(done OPERATOR(pg_catalog.+) batch_size, total);
        COMMIT;
        IF pg_catalog.clock_timestamp() OPERATOR(pg_catalog.-) last_notice
               OPERATOR(pg_catalog.>=) '5 seconds'::pg_catalog.interval
           OR done OPERATOR(pg_catalog.=) total THEN
            RAISE NOTICE 'pg_seqsync: resynced % / % sequences',
                pg_catalog.to_char(done, 'FM999,999,999,999'),
                pg_catalog.to_char(total, 'FM999,999,999,999');
            last_notice := pg_catalog.clock_timestamp();
        END IF;
    END LOOP;
    summary := pg_catalog.jsonb_set(
        COALESCE(summary, seqsync_internal._resync_batch('{}'::pg_catalog.oid[],
                                                         NULL::pg_catalog.jsonb,
                                                         dry_run, allow_backward, margin)),
        '{elapsed_seconds}'::pg_catalog.text[],
        pg_catalog.to_jsonb(pg_catalog.round(pg_catalog.date_part('epoch'::pg_catalog.text,
            pg_catalog.clock_timestamp() OPERATOR(pg_catalog.-) started)::pg_catalog.numeric, 3)));
END
$$;
