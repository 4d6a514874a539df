-- setval() is not transactional, so what the calling transaction changed is judged as if it
-- might still roll back: rows it deleted, or whose key it updated, still count (through the
-- index and through the heap), and after a TRUNCATE in it the call says it cannot answer.
-- Each case ends with ROLLBACK and an INSERT through nextval(): never a duplicate key.
\set SHOW_CONTEXT never
CREATE TABLE own_pk (id serial PRIMARY KEY, v int);          -- read through its index
CREATE TABLE own_heap (id serial NOT NULL, v int);           -- no index: read from the heap
INSERT INTO own_pk (id) SELECT generate_series(1, 100);
INSERT INTO own_heap (id) SELECT generate_series(1, 100);
SELECT setval('own_pk_id_seq', 100), setval('own_heap_id_seq', 100);

-- DELETE, then a backward resync: the deleted rows still bound the sequence.
BEGIN;
DELETE FROM own_pk WHERE id > 90;
DELETE FROM own_heap WHERE id > 90;
SELECT sequence, data_bound, old_next, new_next, action
  FROM resync_all_sequences(schemas => '{public}', allow_backward => true) ORDER BY 1;
SELECT sequence, data_bound, behind FROM sequence_health() ORDER BY 1;
ROLLBACK;
INSERT INTO own_pk (v) VALUES (0) RETURNING id;
INSERT INTO own_heap (v) VALUES (0) RETURNING id;

-- UPDATE of the key: the row's old value still counts.
BEGIN;
UPDATE own_pk SET id = -id WHERE id > 95;
UPDATE own_heap SET id = -id WHERE id > 95;
SELECT sequence, data_bound, old_next, new_next, action
  FROM resync_all_sequences(schemas => '{public}', allow_backward => true) ORDER BY 1;
ROLLBACK;
INSERT INTO own_pk (v) VALUES (0) RETURNING id;
INSERT INTO own_heap (v) VALUES (0) RETURNING id;

-- A sequence behind its data, DELETE, forward resync, ROLLBACK: moved past the rows that come
-- back, not just past those left after the DELETE.
SELECT setval('own_pk_id_seq', 50), setval('own_heap_id_seq', 50);
BEGIN;
DELETE FROM own_pk WHERE id > 90;
DELETE FROM own_heap WHERE id > 90;
SELECT sequence, data_bound, old_next, new_next, action
  FROM resync_all_sequences(schemas => '{public}') ORDER BY 1;
ROLLBACK;
INSERT INTO own_pk (v) VALUES (0) RETURNING id;
INSERT INTO own_heap (v) VALUES (0) RETURNING id;

-- TRUNCATE: the rows from before it are out of reach until the transaction ends, so the call
-- says so rather than lowering the sequence onto rows a rollback brings back.
BEGIN;
TRUNCATE own_pk, own_heap;
SELECT sequence, new_next, action, detail
  FROM resync_all_sequences(schemas => '{public}', allow_backward => true) ORDER BY 1;
SELECT sequence, behind, detail FROM sequence_health() ORDER BY 1;
ROLLBACK;
INSERT INTO own_pk (v) VALUES (0) RETURNING id;
INSERT INTO own_heap (v) VALUES (0) RETURNING id;

-- A table created and filled in the same transaction has no rows from before: answered.
BEGIN;
CREATE TABLE own_new (id serial PRIMARY KEY);
INSERT INTO own_new SELECT generate_series(1, 7);
SELECT data_bound, new_next, action FROM resync_sequence('own_new');
ROLLBACK;

-- A row this transaction inserted and deleted again does not count.
BEGIN;
INSERT INTO own_pk (id) VALUES (5000);
DELETE FROM own_pk WHERE id = 5000;
SELECT data_bound, new_next, action FROM resync_sequence('own_pk', dry_run => true);
ROLLBACK;

-- Automatic resync moves forward only, which a rollback never makes wrong: a load into a
-- table truncated in the same transaction (the classic fast reload) is resynced.
CREATE TABLE own_reload (id serial PRIMARY KEY, v int);
SELECT enable_auto_resync('own_reload');
BEGIN;
TRUNCATE own_reload;
INSERT INTO own_reload (id) SELECT generate_series(1, 40);
COMMIT;
INSERT INTO own_reload (v) VALUES (0) RETURNING id;

DROP TABLE own_pk, own_heap, own_reload;
