-- Sequence options: descending, custom START/MINVALUE/MAXVALUE/INCREMENT, AS smallint|integer,
-- CYCLE, numeric consumers, and 64-bit limits.
\set SHOW_CONTEXT never

-- Descending: the bound is the MIN, the target one INCREMENT below it.
CREATE SEQUENCE down_seq INCREMENT BY -1;
CREATE TABLE down (id bigint DEFAULT nextval('down_seq'));
INSERT INTO down SELECT -g FROM generate_series(1, 50) AS g;
SELECT * FROM resync_sequence('down_seq');
SELECT nextval('down_seq');
-- Empty and descending: START (-1), not MINVALUE.
TRUNCATE down;
SELECT sequence, data_bound, old_next, new_next, action FROM resync_sequence('down_seq', allow_backward => true);
-- margin goes in the increment's direction.
INSERT INTO down VALUES (-10);
SELECT sequence, data_bound, new_next, action FROM resync_sequence('down_seq', margin => 100);

-- Custom START, INCREMENT, MINVALUE, MAXVALUE.
CREATE SEQUENCE stepped AS integer INCREMENT BY 10 MINVALUE 100 MAXVALUE 100000 START WITH 1000;
CREATE TABLE stepped_t (id int DEFAULT nextval('stepped'));
SELECT sequence, data_bound, old_next, new_next, action FROM resync_sequence('stepped');
INSERT INTO stepped_t VALUES (5005);
SELECT sequence, data_bound, old_next, new_next, action FROM resync_sequence('stepped');
SELECT nextval('stepped');

-- A target outside [MINVALUE, MAXVALUE] is an error row with the numbers; nothing changes.
CREATE TABLE small_ids (id int);
CREATE SEQUENCE small_seq AS smallint OWNED BY small_ids.id;
INSERT INTO small_ids VALUES (40000);
SELECT * FROM resync_sequence('small_ids');
SELECT last_value, is_called FROM small_seq;
CREATE SEQUENCE neg_seq INCREMENT BY -1 MINVALUE -100 MAXVALUE -1;
CREATE TABLE neg_t (id int DEFAULT nextval('neg_seq'));
INSERT INTO neg_t VALUES (-100);
SELECT * FROM resync_sequence('neg_t');

-- 64-bit limits: no overflow, an error row instead.
CREATE TABLE huge (id bigserial);
INSERT INTO huge VALUES (9223372036854775807);
SELECT * FROM resync_sequence('huge');
SELECT * FROM resync_sequence('huge', margin => 9223372036854775807);

-- CYCLE: skipped, since after a wrap-around the data's MAX is not what was issued.
CREATE SEQUENCE ring CYCLE MAXVALUE 100;
CREATE TABLE ring_t (id int DEFAULT nextval('ring'));
INSERT INTO ring_t VALUES (90);
SELECT * FROM resync_sequence('ring_t');

-- Numeric consumers: fractions round up (down when descending); beyond bigint is an error row.
CREATE TABLE money_ids (id numeric(20,2) DEFAULT nextval('stepped'));
CREATE SEQUENCE num_seq;
CREATE TABLE num_t (id numeric DEFAULT nextval('num_seq'));
INSERT INTO num_t VALUES (41.5);
SELECT sequence, data_bound, new_next, action FROM resync_sequence('num_t');
INSERT INTO num_t VALUES (1e30);
SELECT * FROM resync_sequence('num_t');
CREATE SEQUENCE num_down INCREMENT BY -1;
CREATE TABLE num_down_t (id numeric DEFAULT nextval('num_down'));
INSERT INTO num_down_t VALUES (-41.5);
SELECT sequence, data_bound, new_next, action FROM resync_sequence('num_down_t');
INSERT INTO money_ids VALUES (77777.25);
SELECT sequence, consumers, data_bound, new_next, action FROM resync_sequence('stepped');

-- Integer column types under a wider sequence: smallint column, bigint sequence.
CREATE TABLE tiny (id smallint DEFAULT nextval('num_seq'));
DROP TABLE num_t;
INSERT INTO tiny VALUES (300);
SELECT sequence, consumers, data_bound, new_next, action FROM resync_sequence('tiny');

-- Ahead of its data is `none`, even when the target itself lies outside the sequence's range:
-- the forward-only comparison comes before the range check.
CREATE SEQUENCE high_floor MINVALUE 100 START 100;
CREATE TABLE below_floor (id bigint DEFAULT nextval('high_floor'));
SELECT nextval('high_floor') FROM generate_series(1, 3) \g /dev/null
INSERT INTO below_floor VALUES (5);
SELECT data_bound, old_next, new_next, action, detail FROM resync_sequence('below_floor');
SELECT data_bound, new_next, action, detail FROM resync_sequence('below_floor', allow_backward => true);

DROP TABLE down, stepped_t, small_ids, neg_t, huge, ring_t, money_ids, tiny, num_down_t, below_floor;
DROP SEQUENCE down_seq, stepped, neg_seq, ring, num_seq, num_down, high_floor;
