-- README "Calling it from procedures and functions", verbatim: if this file's output changes,
-- the README must too. Run against both editions (tests/sql_edition.sh).
\set SHOW_CONTEXT never
CREATE SCHEMA sales;
CREATE TABLE sales.customers (id serial PRIMARY KEY, name text);
CREATE TABLE sales.customers_staging (id integer, name text);
INSERT INTO sales.customers_staging SELECT g, 'customer ' || g FROM generate_series(1, 500) AS g;
CREATE SEQUENCE sales.ticket_seq MAXVALUE 1000 CYCLE;
CREATE TABLE sales.tickets (id integer PRIMARY KEY DEFAULT nextval('sales.ticket_seq'), subject text);
CREATE TABLE sales.tickets_staging (id integer, subject text);
INSERT INTO sales.tickets_staging VALUES (1, 'first'), (2, 'second');

-- A procedure that loads, commits, resyncs the table it loaded, and raises on what it could not fix:
CREATE PROCEDURE sales.load_then_resync(source regclass, target regclass)
LANGUAGE plpgsql AS $$
DECLARE
    r record;
BEGIN
    EXECUTE format('INSERT INTO %s SELECT * FROM %s', target, source);
    COMMIT;  -- the load stays, whatever the resync says
    FOR r IN SELECT * FROM resync_sequence(target) LOOP
        IF r.action IN ('skip', 'error') THEN
            RAISE EXCEPTION 'could not resync % after loading %: %', r.sequence, target, r.detail
                USING HINT = 'The rows are loaded; fix the sequence before the next INSERT.';
        END IF;
        RAISE NOTICE '%: % (next value % -> %)', r.sequence, r.action, r.old_next, r.new_next;
    END LOOP;
END $$;
CALL sales.load_then_resync('sales.customers_staging', 'sales.customers');
INSERT INTO sales.customers (name) VALUES ('next') RETURNING id;
CALL sales.load_then_resync('sales.tickets_staging', 'sales.tickets');
SELECT count(*) AS tickets_loaded FROM sales.tickets;

-- The batched procedure inside a procedure: `summary` is INOUT, so pass a jsonb variable.
DO $$ BEGIN CALL resync_all_sequences_in_batches(batch_size => 1); END $$;
CREATE PROCEDURE sales.nightly_resync()
LANGUAGE plpgsql AS $$
DECLARE
    summary jsonb;
BEGIN
    CALL resync_all_sequences_in_batches(schemas => '{sales}', batch_size => 100, summary => summary);
    IF (summary->>'skipped')::bigint + (summary->>'errors')::bigint > 0 THEN
        RAISE WARNING 'pg_seqsync: % of % sequences need attention: %',
            (summary->>'skipped')::bigint + (summary->>'errors')::bigint, summary->>'checked',
            summary->'problems';
    END IF;
END $$;
INSERT INTO sales.customers (id, name) VALUES (900, 'loaded by hand');
CALL sales.nightly_resync();
INSERT INTO sales.customers (name) VALUES ('after the nightly run') RETURNING id;

-- A function that returns the report, for the tables a job loaded:
CREATE FUNCTION sales.resync_tables(tables regclass[])
RETURNS TABLE (sequence regclass, action text, old_next bigint, new_next bigint, detail text)
LANGUAGE sql AS $$
    SELECT r.sequence, r.action, r.old_next, r.new_next, r.detail
      FROM pg_catalog.unnest(tables) WITH ORDINALITY AS t(tbl, n),
           LATERAL resync_sequence(t.tbl) AS r
     ORDER BY t.n
$$;
INSERT INTO sales.customers (id, name) VALUES (2000, 'another load');
SELECT * FROM sales.resync_tables('{sales.customers,sales.tickets}');

SET client_min_messages = warning;
DROP SCHEMA sales CASCADE;
RESET client_min_messages;
