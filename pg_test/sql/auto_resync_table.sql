-- Per-table automatic resync: after every INSERT or COPY FROM into the table (or one of its
-- partitions or children), the sequences behind its columns are advanced, forward only.
\set SHOW_CONTEXT never
CREATE TABLE orders (id serial PRIMARY KEY, note text);
SELECT enable_auto_resync('orders');
-- Enabling twice is harmless: nothing more is placed.
SELECT enable_auto_resync('orders');
SELECT relation, mode, trigger_name, sequences FROM auto_resync_status();

-- COPY with explicit ids, then an INSERT through the sequence just works.
COPY orders (id, note) FROM stdin;
1	copied
2	copied
700	copied
\.
SELECT last_value, is_called FROM orders_id_seq;
INSERT INTO orders (note) VALUES ('default') RETURNING id;
INSERT INTO orders (id, note) VALUES (5000, 'explicit');
INSERT INTO orders (note) VALUES ('default') RETURNING id;
-- The trigger fires on INSERT and COPY only: an UPDATE that rewrites ids is left to the next
-- resync.
UPDATE orders SET id = 8000 WHERE id = 2;
SELECT last_value, is_called FROM orders_id_seq;
SELECT action, new_next FROM resync_sequence('orders');
-- Forward only: deleting the top rows does not pull the sequence back.
DELETE FROM orders WHERE id > 1000;
INSERT INTO orders (id, note) VALUES (900, 'explicit');
SELECT last_value, is_called FROM orders_id_seq;

-- A partitioned table: COPY into a partition advances the parent's sequence.
CREATE TABLE events (id bigserial, k int NOT NULL) PARTITION BY LIST (k);
CREATE TABLE events_1 PARTITION OF events FOR VALUES IN (1);
CREATE TABLE events_2 PARTITION OF events FOR VALUES IN (2);
SELECT enable_auto_resync('events');
COPY events_2 (id, k) FROM stdin;
42	2
\.
SELECT last_value, is_called FROM events_id_seq;
INSERT INTO events (k) VALUES (1) RETURNING id;

-- Inheritance: enabling on the parent covers its children; a write into a child advances the
-- parent's sequence.
CREATE TABLE vehicles (id serial PRIMARY KEY, name text);
CREATE TABLE trucks (payload int) INHERITS (vehicles);
SELECT enable_auto_resync('vehicles');
INSERT INTO trucks VALUES (321, 'truck', 10);
SELECT last_value, is_called FROM vehicles_id_seq;

-- GENERATED ALWAYS identity: COPY writes explicit values into it anyway.
CREATE TABLE accounts (id int GENERATED ALWAYS AS IDENTITY PRIMARY KEY, name text);
SELECT enable_auto_resync('accounts');
COPY accounts (id, name) FROM stdin;
77	copied
\.
INSERT INTO accounts (name) VALUES ('default') RETURNING id;

-- A shared sequence: the bound is over every table that draws from it.
CREATE SEQUENCE shared_seq;
CREATE TABLE shared_a (id bigint DEFAULT nextval('shared_seq'));
CREATE TABLE shared_b (id bigint DEFAULT nextval('shared_seq'));
INSERT INTO shared_b VALUES (300);
SELECT enable_auto_resync('shared_a');
INSERT INTO shared_a VALUES (5);
SELECT last_value, is_called FROM shared_seq;

-- Descending, and CYCLE (skipped: its data's MIN is not what was issued).
CREATE SEQUENCE down_seq INCREMENT BY -1;
CREATE TABLE down (id bigint DEFAULT nextval('down_seq'));
CREATE SEQUENCE ring CYCLE MAXVALUE 100;
CREATE TABLE ring_t (id int DEFAULT nextval('ring'));
SELECT enable_auto_resync('down'), enable_auto_resync('ring_t');
INSERT INTO down VALUES (-40);
INSERT INTO ring_t VALUES (90);
SELECT last_value, is_called FROM down_seq;
SELECT last_value, is_called FROM ring;

-- A bound the sequence cannot reach: the write succeeds, a WARNING says why nothing moved.
CREATE TABLE small_ids (id int);
CREATE SEQUENCE small_seq AS smallint OWNED BY small_ids.id;
SELECT enable_auto_resync('small_ids');
INSERT INTO small_ids VALUES (40000);
SELECT last_value, is_called FROM small_seq;

-- Bad targets.
SELECT enable_auto_resync('shared_seq');
\echo :LAST_ERROR_SQLSTATE
CREATE TABLE plain (a int);
SELECT enable_auto_resync('plain');
\echo :LAST_ERROR_SQLSTATE
CREATE VIEW orders_view AS SELECT * FROM orders;
SELECT enable_auto_resync('orders_view');
\echo :LAST_ERROR_SQLSTATE
SELECT disable_auto_resync('orders_id_seq');
\echo :LAST_ERROR_SQLSTATE

-- The trigger function refuses any other use.
SELECT _auto_resync_trigger();
\echo :LAST_ERROR_SQLSTATE
CREATE TABLE misuse (id serial);
CREATE TRIGGER misuse BEFORE INSERT ON misuse FOR EACH ROW EXECUTE FUNCTION _auto_resync_trigger();
INSERT INTO misuse VALUES (1);
\echo :LAST_ERROR_SQLSTATE
DROP TABLE misuse;

-- disable_auto_resync removes exactly what enable placed, and the sequence stays put after.
SELECT disable_auto_resync('events');
SELECT tgrelid::regclass, tgname FROM pg_trigger
 WHERE tgrelid IN ('events'::regclass, 'events_1'::regclass, 'events_2'::regclass);
INSERT INTO events VALUES (9999, 1);
SELECT last_value, is_called FROM events_id_seq;
SELECT disable_auto_resync('events');

DROP VIEW orders_view;
DROP TABLE orders, events, trucks, vehicles, accounts, shared_a, shared_b, down, ring_t, small_ids, plain;
DROP SEQUENCE shared_seq, down_seq, ring;
SELECT relation, mode, trigger_name FROM auto_resync_status();
