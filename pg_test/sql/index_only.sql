-- Where the visibility map marks a heap page all-visible, the bound is read from the index entry
-- itself, as an index-only scan reads it: no heap visit (the index's tuples_fetched does not
-- move; counted as a difference inside one transaction block, since the counters a session has
-- not yet sent accumulate across transactions and are sent only between them).
-- Every row on such a page is visible to every transaction, so none is in progress. Elsewhere
-- the heap is visited, and rows deleted since the last VACUUM do not count.
\set SHOW_CONTEXT never
CREATE DOMAIN whole_id AS bigint;
CREATE TABLE vm_int (id serial PRIMARY KEY) WITH (autovacuum_enabled = off); -- pages change only here
CREATE TABLE vm_num (id numeric PRIMARY KEY) WITH (autovacuum_enabled = off);
CREATE SEQUENCE vm_num_seq OWNED BY vm_num.id;
ALTER TABLE vm_num ALTER id SET DEFAULT nextval('vm_num_seq');
CREATE TABLE vm_domain (id whole_id PRIMARY KEY) WITH (autovacuum_enabled = off);
CREATE SEQUENCE vm_domain_seq OWNED BY vm_domain.id;
ALTER TABLE vm_domain ALTER id SET DEFAULT nextval('vm_domain_seq');
INSERT INTO vm_int SELECT generate_series(1, 1000);
INSERT INTO vm_num SELECT generate_series(1, 1000);
INSERT INTO vm_domain SELECT generate_series(1, 1000);
VACUUM (FREEZE) vm_int, vm_num, vm_domain;

BEGIN;
CREATE TEMP TABLE counts_before ON COMMIT DROP AS
  SELECT i, pg_stat_get_xact_tuples_returned(i) AS returned, pg_stat_get_xact_tuples_fetched(i) AS fetched
    FROM unnest('{vm_int_pkey,vm_num_pkey,vm_domain_pkey}'::regclass[]) AS i;
SELECT r.sequence, r.data_bound, r.action, r.new_next
  FROM unnest('{vm_int,vm_num,vm_domain}'::regclass[]) AS t, resync_sequence(t) AS r;
SELECT i AS index, pg_stat_get_xact_tuples_returned(i) > returned AS index_read,
       pg_stat_get_xact_tuples_fetched(i) - fetched AS heap_rows_fetched
  FROM counts_before;
COMMIT;

-- A DELETE clears the page's all-visible bit: the heap is visited again, and the deleted rows
-- (committed) are passed over.
DELETE FROM vm_int WHERE id > 990;
SELECT setval('vm_int_id_seq', 1, false) IS NOT NULL AS reset;
BEGIN;
SELECT pg_stat_get_xact_tuples_fetched('vm_int_pkey'::regclass) AS fetched \gset
SELECT data_bound, action, new_next FROM resync_sequence('vm_int');
SELECT pg_stat_get_xact_tuples_fetched('vm_int_pkey'::regclass) > :fetched AS heap_visited;
COMMIT;

-- After a VACUUM that removes the dead rows (and their index entries) the page is all-visible
-- again, and the index answers alone.
VACUUM (INDEX_CLEANUP ON) vm_int;
SELECT setval('vm_int_id_seq', 1, false) IS NOT NULL AS reset;
BEGIN;
SELECT pg_stat_get_xact_tuples_fetched('vm_int_pkey'::regclass) AS fetched \gset
SELECT data_bound, action, new_next FROM resync_sequence('vm_int');
SELECT pg_stat_get_xact_tuples_fetched('vm_int_pkey'::regclass) - :fetched AS heap_rows_fetched;
COMMIT;
DROP TABLE vm_int, vm_num, vm_domain;
DROP DOMAIN whole_id;
