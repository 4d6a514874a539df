-- A default nested 1,500 levels deep, planted by a role in its own schema and naming a
-- victim's sequence by OID: every entry point and automatic-resync path completes, and the
-- victim's session goes on (each failure path is followed by ROLLBACK, which must not end the
-- backend). A table whose owner may not draw from the sequence is ignored before its default
-- is even parsed; one whose owner may (USAGE granted) makes the sequence a skip, never an
-- error of the whole call.
\set SHOW_CONTEXT never
CREATE ROLE regress_deep_victim;
CREATE ROLE regress_deep_squatter;
CREATE SCHEMA deep_victim AUTHORIZATION regress_deep_victim;
CREATE SCHEMA deep_squatter AUTHORIZATION regress_deep_squatter;
SET ROLE regress_deep_victim;
CREATE TABLE deep_victim.orders (id serial PRIMARY KEY, note text);
INSERT INTO deep_victim.orders (id) VALUES (10);
SELECT enable_auto_resync('deep_victim.orders');
RESET ROLE;

-- The squatter's table: DEFAULT nextval('<victim's sequence OID>') + 0 + 0 ... (1,500 levels).
SELECT 'deep_victim.orders_id_seq'::regclass::oid AS victim_seq \gset
SET ROLE regress_deep_squatter;
SELECT format('CREATE TABLE deep_squatter.planted (id bigint DEFAULT nextval(%L)%s)',
              :'victim_seq', repeat(' + 0', 1500)) AS ddl \gset
:ddl;
RESET ROLE;

-- Explicit calls, a sweep, health and the batched procedure: each completes.
SELECT sequence, action, new_next, detail ~ 'no right to draw' AS squatter_ignored
  FROM resync_sequence('deep_victim.orders');
SELECT sequence, action FROM resync_all_sequences(schemas => '{deep_victim,deep_squatter}') ORDER BY 1;
SELECT sequence, behind FROM sequence_health(ARRAY['deep_victim']);
DO $$ DECLARE s jsonb; BEGIN CALL resync_all_sequences_in_batches(schemas => '{deep_victim}', summary => s); END $$;

-- The victim's INSERT with automatic resync, in an explicit transaction, then ROLLBACK: the
-- session goes on.
SET ROLE regress_deep_victim;
BEGIN;
INSERT INTO deep_victim.orders (id) VALUES (50);
SELECT last_value, is_called FROM deep_victim.orders_id_seq;
ROLLBACK;
SELECT 1 AS still_here;
RESET ROLE;

-- The squatter gets USAGE: its table now counts, and its default cannot be read, so the
-- victim's sequence is a skip saying why (not an error, not the whole call).
GRANT USAGE ON SEQUENCE deep_victim.orders_id_seq TO regress_deep_squatter;
SELECT sequence, action, detail FROM resync_sequence('deep_victim.orders');
SELECT sequence, action FROM resync_all_sequences(schemas => '{deep_victim}');
SET ROLE regress_deep_victim;
BEGIN;
INSERT INTO deep_victim.orders (id) VALUES (60);
ROLLBACK;
SELECT 1 AS still_here;
RESET ROLE;

DROP SCHEMA deep_squatter CASCADE;
DROP SCHEMA deep_victim CASCADE;
DROP ROLE regress_deep_squatter;
DROP ROLE regress_deep_victim;
