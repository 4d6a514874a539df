-- What the usual hand-written fix, setval(seq, max(id)), gets wrong, next to pg_seqsync.
\set SHOW_CONTEXT never

-- 1. An empty table: setval() is strict, so NULL does nothing; COALESCE(max, 0) is below
--    MINVALUE; COALESCE(max, 1) marks 1 as used, so the first id is 2.
CREATE TABLE h_empty (id serial PRIMARY KEY);
SELECT setval(pg_get_serial_sequence('h_empty', 'id'), COALESCE(max(id), 0)) FROM h_empty;
SELECT setval(pg_get_serial_sequence('h_empty', 'id'), COALESCE(max(id), 1)) FROM h_empty;
SELECT nextval('h_empty_id_seq');
SELECT sequence, new_next, action FROM resync_sequence('h_empty', allow_backward => true);
SELECT nextval('h_empty_id_seq');

-- 2. A sequence ahead of its data: setval(max) moves it back, and values already handed out
--    come again.
CREATE TABLE h_ahead (id serial PRIMARY KEY);
INSERT INTO h_ahead VALUES (1), (2);
SELECT setval('h_ahead_id_seq', 50);
SELECT sequence, old_next, new_next, action FROM resync_sequence('h_ahead');
SELECT setval(pg_get_serial_sequence('h_ahead', 'id'), max(id)) FROM h_ahead;
SELECT nextval('h_ahead_id_seq') AS handed_out_before_as_well;

-- 3. A plain DEFAULT nextval() that nobody OWNED BY: pg_get_serial_sequence() finds nothing.
CREATE SEQUENCE h_free;
CREATE TABLE h_plain (id bigint DEFAULT nextval('h_free') PRIMARY KEY);
INSERT INTO h_plain VALUES (9);
SELECT pg_get_serial_sequence('h_plain', 'id');
SELECT sequence, data_bound, new_next, action FROM resync_sequence('h_plain');

-- 4. A descending sequence: max(id) is the wrong end.
CREATE SEQUENCE h_down INCREMENT BY -1;
CREATE TABLE h_desc (id bigint DEFAULT nextval('h_down'));
ALTER SEQUENCE h_down OWNED BY h_desc.id;
INSERT INTO h_desc VALUES (-1), (-2), (-3);
SELECT max(id) AS what_setval_max_would_use FROM h_desc;
SELECT sequence, data_bound, new_next, action FROM resync_sequence('h_desc');

-- 5. A sequence shared by two tables: one table's max is not enough.
CREATE SEQUENCE h_shared;
CREATE TABLE h_one (id bigint DEFAULT nextval('h_shared'));
CREATE TABLE h_two (id bigint DEFAULT nextval('h_shared'));
INSERT INTO h_one VALUES (5);
INSERT INTO h_two VALUES (500);
SELECT max(id) AS what_setval_max_of_h_one_would_use FROM h_one;
SELECT sequence, consumers, data_bound, new_next, action FROM resync_sequence('h_one');

DROP TABLE h_empty, h_ahead, h_plain, h_desc, h_one, h_two;
DROP SEQUENCE h_free, h_shared;
