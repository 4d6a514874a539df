CREATE PROCEDURE resync_all_sequences_in_batches(
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
COMMENT ON PROCEDURE resync_all_sequences_in_batches(pg_catalog.name[], pg_catalog.name[], pg_catalog.bool, pg_catalog.bool, pg_catalog.int8, pg_catalog.int4, pg_catalog.jsonb) IS
'resync_all_sequences() for very large or live databases: commits after every batch_size sequences, reports progress, and returns a summary.';
