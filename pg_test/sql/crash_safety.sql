-- Never crash: every entry point against every kind of relation, and every odd shape a
-- sequence can be fed from or pointed at. The relation's kind and access method are checked
-- before anything reads it directly: what cannot be read is an error (its SQLSTATE), a skip row
-- or an ignored consumer, never a crashed backend. The last queries check that the server and
-- this session are still the ones that started the test.
\set SHOW_CONTEXT never
SELECT pg_postmaster_start_time() AS started, pg_backend_pid() AS backend \gset
SET client_min_messages = warning;
CREATE SCHEMA crash;
CREATE FOREIGN DATA WRAPPER crash_fdw;                 -- no handler: its tables cannot be read
CREATE SERVER crash_server FOREIGN DATA WRAPPER crash_fdw;
CREATE ACCESS METHOD crash_heap TYPE TABLE HANDLER heap_tableam_handler;

-- A plain table (with a TOAST table and a primary key index, both named below as targets).
CREATE TABLE crash.plain (id serial PRIMARY KEY, note text);
INSERT INTO crash.plain VALUES (10, 'x');
-- A partitioned table with no partitions, and a table sharing its sequence.
CREATE TABLE crash.p (id serial PRIMARY KEY) PARTITION BY RANGE (id);
CREATE TABLE crash.shares_p (id int DEFAULT nextval('crash.p_id_seq'));
INSERT INTO crash.shares_p VALUES (15);
-- A partitioned table that lost its last partition (which keeps drawing from the sequence).
CREATE TABLE crash.lost (id serial PRIMARY KEY) PARTITION BY RANGE (id);
CREATE TABLE crash.lost_1 PARTITION OF crash.lost FOR VALUES FROM (1) TO (1000);
INSERT INTO crash.lost VALUES (20);
ALTER TABLE crash.lost DETACH PARTITION crash.lost_1;
-- A tree: a sub-partitioned partition with partitions, one with none, a partition whose id
-- is another column number (a dropped column before it), a foreign partition.
CREATE TABLE crash.tree (id serial, k int NOT NULL) PARTITION BY LIST (k);
CREATE TABLE crash.tree_1 PARTITION OF crash.tree FOR VALUES IN (1) PARTITION BY RANGE (id);
CREATE TABLE crash.tree_1a PARTITION OF crash.tree_1 FOR VALUES FROM (MINVALUE) TO (100);
CREATE TABLE crash.tree_1b PARTITION OF crash.tree_1 FOR VALUES FROM (100) TO (MAXVALUE);
CREATE TABLE crash.tree_2 PARTITION OF crash.tree FOR VALUES IN (2) PARTITION BY RANGE (id);
CREATE TABLE crash.tree_3 (junk bigint, k int NOT NULL, id int NOT NULL);
ALTER TABLE crash.tree_3 DROP COLUMN junk;
INSERT INTO crash.tree_3 VALUES (3, 130);
ALTER TABLE crash.tree ATTACH PARTITION crash.tree_3 FOR VALUES IN (3);
CREATE FOREIGN TABLE crash.tree_4 PARTITION OF crash.tree FOR VALUES IN (4) SERVER crash_server;
INSERT INTO crash.tree VALUES (5, 1), (120, 1);
-- An inheritance parent with a foreign child.
CREATE TABLE crash.parent (id serial PRIMARY KEY);
INSERT INTO crash.parent VALUES (25);
CREATE FOREIGN TABLE crash.foreign_child () INHERITS (crash.parent) SERVER crash_server;
-- Foreign tables: with a serial, and with a plain nextval() default.
CREATE FOREIGN TABLE crash.ft (id serial) SERVER crash_server;
CREATE SEQUENCE crash.ft_default_seq;
CREATE FOREIGN TABLE crash.ft_default (id bigint DEFAULT nextval('crash.ft_default_seq'))
    SERVER crash_server;
-- A materialized view.
CREATE MATERIALIZED VIEW crash.mv AS SELECT id FROM crash.plain;
-- Views with a nextval() default: over a table (the view owns its sequence), over the
-- partitioned table with no partitions, over a view, over a foreign table, over the
-- materialized view (not updatable).
CREATE SEQUENCE crash.v_seq;
CREATE VIEW crash.v AS SELECT id FROM crash.plain;
ALTER VIEW crash.v ALTER COLUMN id SET DEFAULT nextval('crash.v_seq');
ALTER SEQUENCE crash.v_seq OWNED BY crash.v.id;
CREATE VIEW crash.v_p AS SELECT id FROM crash.p;
ALTER VIEW crash.v_p ALTER COLUMN id SET DEFAULT nextval('crash.v_seq');
CREATE VIEW crash.v_v AS SELECT id FROM crash.v;
ALTER VIEW crash.v_v ALTER COLUMN id SET DEFAULT nextval('crash.v_seq');
CREATE VIEW crash.v_ft AS SELECT id FROM crash.ft;
ALTER VIEW crash.v_ft ALTER COLUMN id SET DEFAULT nextval('crash.v_seq');
CREATE VIEW crash.v_mv AS SELECT id FROM crash.mv;
ALTER VIEW crash.v_mv ALTER COLUMN id SET DEFAULT nextval('crash.v_seq');
-- An unlogged table.
CREATE UNLOGGED TABLE crash.unlogged (id serial PRIMARY KEY);
INSERT INTO crash.unlogged VALUES (30);
-- Indexes on the id that cannot give the bound: hash, BRIN, an expression, a partial btree
-- that cannot see the largest id, a btree with the id second, a btree in an operator class
-- that orders backwards, and a btree index left invalid by a failed CREATE INDEX CONCURRENTLY.
-- The bound is read from the heap: 500.
CREATE TABLE crash.indexed (id serial, other int);
CREATE INDEX ON crash.indexed USING hash (id);
CREATE INDEX ON crash.indexed USING brin (id);
CREATE INDEX ON crash.indexed ((id + 0));
CREATE INDEX ON crash.indexed ((-id));
CREATE INDEX ON crash.indexed (id) WHERE id < 100;
CREATE INDEX ON crash.indexed (other, id);
CREATE FUNCTION crash.backwards(int4, int4) RETURNS int4 LANGUAGE sql IMMUTABLE
    AS 'SELECT pg_catalog.btint4cmp($2, $1)';
CREATE OPERATOR CLASS crash.backwards_ops FOR TYPE int4 USING btree AS
    OPERATOR 1 pg_catalog.>, OPERATOR 2 pg_catalog.>=, OPERATOR 3 pg_catalog.=,
    OPERATOR 4 pg_catalog.<=, OPERATOR 5 pg_catalog.<, FUNCTION 1 crash.backwards(int4, int4);
CREATE INDEX ON crash.indexed (id crash.backwards_ops);
INSERT INTO crash.indexed VALUES (7, 1), (7, 2), (500, 0), (40, 9);
CREATE UNIQUE INDEX CONCURRENTLY indexed_invalid ON crash.indexed (id);
SELECT count(*) AS indexes, count(*) FILTER (WHERE NOT indisvalid) AS invalid
  FROM pg_index WHERE indrelid = 'crash.indexed'::regclass;
-- A table stored by another table access method (heap's handler under another name): not
-- read directly.
CREATE TABLE crash.other_am (id serial PRIMARY KEY) USING crash_heap;
INSERT INTO crash.other_am VALUES (50);
-- A composite type, and a table of it.
CREATE TYPE crash.composite AS (id int, note text);
CREATE SEQUENCE crash.typed_seq;
CREATE TABLE crash.typed OF crash.composite (id WITH OPTIONS DEFAULT nextval('crash.typed_seq'));
INSERT INTO crash.typed VALUES (60, 'x');
-- This session's temporary table.
CREATE TEMP TABLE tmp (id serial PRIMARY KEY);
INSERT INTO tmp VALUES (70);

-- Per-table automatic resync on the table sharing the partitioned table's sequence.
SELECT enable_auto_resync('crash.shares_p');
INSERT INTO crash.shares_p VALUES (80);
INSERT INTO crash.shares_p DEFAULT VALUES RETURNING id;
SELECT last_value, is_called FROM crash.p_id_seq;

-- Runs one statement and returns its first value (ok for any other statement than a SELECT),
-- or the SQLSTATE it raised.
CREATE FUNCTION pg_temp.outcome(sql text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE result text;
BEGIN
    IF sql IS NULL THEN RETURN ''; END IF;
    IF sql ~* '^\s*SELECT' THEN
        EXECUTE sql INTO result;
    ELSE
        EXECUTE sql;
        result := 'ok';
    END IF;
    RETURN coalesce(result, 'NULL');
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE;
END $$;

-- Every object, and a statement writing an explicit id into it (through its trigger, when
-- enabled).
CREATE TEMP TABLE objects (n int, object text, rel regclass, ins text);
INSERT INTO objects VALUES
 (1, 'table', 'crash.plain', 'INSERT INTO crash.plain (id) VALUES (1010)'),
 (2, 'partitioned, no partitions', 'crash.p', 'INSERT INTO crash.p (id) VALUES (1020)'),
 (3, 'shares its sequence', 'crash.shares_p', 'INSERT INTO crash.shares_p (id) VALUES (1030)'),
 (4, 'partitioned, lost its partition', 'crash.lost', 'INSERT INTO crash.lost (id) VALUES (1040)'),
 (5, 'the partition it lost', 'crash.lost_1', 'INSERT INTO crash.lost_1 (id) VALUES (1050)'),
 (6, 'sub-partitioned tree', 'crash.tree', 'INSERT INTO crash.tree (id, k) VALUES (1060, 1)'),
 (7, 'sub-partitioned partition', 'crash.tree_1', 'INSERT INTO crash.tree_1 (id, k) VALUES (1070, 1)'),
 (8, 'sub-partitioned, no partitions', 'crash.tree_2', 'INSERT INTO crash.tree_2 (id, k) VALUES (1080, 2)'),
 (9, 'partition, id at another attnum', 'crash.tree_3', 'INSERT INTO crash.tree_3 (id, k) VALUES (1090, 3)'),
 (10, 'foreign partition', 'crash.tree_4', 'INSERT INTO crash.tree_4 (id, k) VALUES (1100, 4)'),
 (11, 'inheritance parent', 'crash.parent', 'INSERT INTO crash.parent (id) VALUES (1110)'),
 (12, 'foreign inheritance child', 'crash.foreign_child', 'INSERT INTO crash.foreign_child (id) VALUES (1120)'),
 (13, 'foreign table, serial', 'crash.ft', 'INSERT INTO crash.ft (id) VALUES (1130)'),
 (14, 'foreign table, nextval default', 'crash.ft_default', 'INSERT INTO crash.ft_default (id) VALUES (1140)'),
 (15, 'materialized view', 'crash.mv', 'INSERT INTO crash.mv (id) VALUES (1150)'),
 (16, 'view over a table', 'crash.v', 'INSERT INTO crash.v (id) VALUES (1160)'),
 (17, 'view, no partitions', 'crash.v_p', 'INSERT INTO crash.v_p (id) VALUES (1170)'),
 (18, 'view over a view', 'crash.v_v', 'INSERT INTO crash.v_v (id) VALUES (1180)'),
 (19, 'view over a foreign table', 'crash.v_ft', 'INSERT INTO crash.v_ft (id) VALUES (1190)'),
 (20, 'view over the mat. view', 'crash.v_mv', 'INSERT INTO crash.v_mv (id) VALUES (1200)'),
 (21, 'unlogged table', 'crash.unlogged', 'INSERT INTO crash.unlogged (id) VALUES (1210)'),
 (22, 'no usable index', 'crash.indexed', 'INSERT INTO crash.indexed (id) VALUES (1220)'),
 (23, 'another table AM', 'crash.other_am', 'INSERT INTO crash.other_am (id) VALUES (1230)'),
 (24, 'typed table', 'crash.typed', 'INSERT INTO crash.typed (id) VALUES (1240)'),
 (25, 'temporary table', 'pg_temp.tmp', 'INSERT INTO pg_temp.tmp (id) VALUES (1250)'),
 (26, 'TOAST table', (SELECT reltoastrelid::regclass FROM pg_class WHERE oid = 'crash.plain'::regclass), NULL),
 (27, 'primary key index', 'crash.plain_pkey', NULL),
 (28, 'hash index', (SELECT indexrelid::regclass FROM pg_index JOIN pg_class ON oid = indexrelid
                     WHERE indrelid = 'crash.indexed'::regclass AND relam = (SELECT oid FROM pg_am WHERE amname = 'hash')), NULL),
 (29, 'invalid index', 'crash.indexed_invalid', NULL),
 (30, 'composite type', 'crash.composite', NULL),
 (31, 'sequence', 'crash.plain_id_seq', NULL),
 (32, 'sequence of a foreign table', 'crash.ft_id_seq', NULL),
 (33, 'sequence owned by a view', 'crash.v_seq', NULL);

-- Each entry point, on each object, in this order.
CREATE TEMP TABLE steps (k int, step text, sql text);
INSERT INTO steps VALUES
 (1, 'dry_run', 'SELECT string_agg(action, '','' ORDER BY sequence::text) FROM resync_sequence(%s, dry_run => true)'),
 (2, 'resync', 'SELECT string_agg(action || coalesce('' '' || data_bound, ''''), '','' ORDER BY sequence::text) FROM resync_sequence(%s)'),
 (3, 'column', 'SELECT string_agg(action, '','' ORDER BY sequence::text) FROM resync_sequence(%s, ''id'', allow_backward => true, margin => 5)'),
 (4, 'enable', 'SELECT enable_auto_resync(%s)'),
 (5, 'insert', NULL),
 (6, 'after', 'SELECT string_agg(action, '','' ORDER BY sequence::text) FROM resync_sequence(%s, dry_run => true)'),
 (7, 'disable', 'SELECT disable_auto_resync(%s)');
CREATE TEMP TABLE results (n int, k int, got text);
DO $$
DECLARE o record; s record;
BEGIN
    FOR o IN SELECT * FROM objects ORDER BY n LOOP
        FOR s IN SELECT * FROM steps ORDER BY k LOOP
            INSERT INTO results VALUES (o.n, s.k, pg_temp.outcome(
                coalesce(format(s.sql, o.rel::oid || '::oid::regclass'), o.ins)));
        END LOOP;
    END LOOP;
END $$;
SELECT o.n, o.object,
       max(got) FILTER (WHERE k = 1) AS dry_run,
       max(got) FILTER (WHERE k = 2) AS resync,
       max(got) FILTER (WHERE k = 3) AS "column",
       max(got) FILTER (WHERE k = 4) AS enable,
       max(got) FILTER (WHERE k = 5) AS insert,
       max(got) FILTER (WHERE k = 6) AS after,
       max(got) FILTER (WHERE k = 7) AS disable
  FROM objects AS o JOIN results AS r USING (n)
 GROUP BY o.n, o.object ORDER BY o.n;

-- The sweeps, the batched procedure, the health view and the status, over all of it.
SELECT sequence, consumers, data_bound, new_next, action
  FROM resync_all_sequences(schemas => '{crash}', dry_run => true);
SELECT sequence, action
  FROM resync_all_sequences(schemas => '{crash,pg_toast,pg_catalog}', allow_backward => true);
CALL resync_all_sequences_in_batches(schemas => '{crash}', batch_size => 1, summary => NULL) \gset
SELECT :'summary'::jsonb - 'elapsed_seconds' - 'problems' AS summary;
SELECT p->>'sequence' AS sequence, p->>'action' AS action
  FROM jsonb_array_elements(:'summary'::jsonb -> 'problems') AS p;
SELECT sequence, data_bound, next_value, behind FROM sequence_health('{crash}');
SELECT relation, mode, sequences FROM auto_resync_status()
 WHERE relation::text LIKE 'crash.%' ORDER BY relation::text;

-- Database-wide mode: its event trigger runs after every CREATE and ALTER below, and its
-- triggers after every INSERT. Each statement's outcome, in order.
SELECT enable_auto_resync() > 0 AS enabled;
CREATE TABLE crash.new_p (id serial PRIMARY KEY) PARTITION BY RANGE (id);
CREATE TABLE crash.new_sub (id bigserial, k int) PARTITION BY LIST (k);
CREATE TABLE crash.new_sub_1 PARTITION OF crash.new_sub FOR VALUES IN (1) PARTITION BY RANGE (id);
CREATE TABLE crash.new_sub_1a (id bigint NOT NULL, k int);
INSERT INTO crash.new_sub_1a VALUES (5000, 1);
CREATE FOREIGN TABLE crash.new_ft (id serial) SERVER crash_server;
CREATE UNLOGGED TABLE crash.new_unlogged (id serial);
CREATE TABLE crash.new_other_am (id serial) USING crash_heap;
CREATE MATERIALIZED VIEW crash.new_mv AS SELECT id FROM crash.plain;
CREATE VIEW crash.new_v AS SELECT id FROM crash.p;
CREATE INDEX new_index ON crash.plain USING hash (id);
CREATE TYPE crash.new_composite AS (id int);
CREATE TEMP TABLE new_tmp (id serial);
CREATE TABLE crash.new_as AS SELECT * FROM crash.plain;
CREATE TABLE crash.new_like (LIKE crash.plain INCLUDING ALL);
SELECT relation, mode, sequences FROM auto_resync_status()
 WHERE relation IS NULL OR relation::text LIKE 'crash.%' OR relation::text IN ('tmp', 'new_tmp')
 ORDER BY relation::text NULLS FIRST;
CREATE TEMP TABLE statements (n serial, sql text);
INSERT INTO statements (sql) VALUES
 ('ALTER TABLE crash.plain ALTER COLUMN id SET DEFAULT nextval(''crash.plain_id_seq'')'),
 ('ALTER TABLE crash.p ALTER COLUMN id SET DEFAULT nextval(''crash.p_id_seq'')'),
 ('ALTER TABLE crash.p ADD COLUMN extra int'),
 ('ALTER TABLE crash.shares_p ALTER COLUMN id TYPE bigint'),
 ('ALTER TABLE crash.lost ATTACH PARTITION crash.lost_1 FOR VALUES FROM (1) TO (2000)'),
 ('ALTER TABLE crash.lost DETACH PARTITION crash.lost_1'),
 ('ALTER TABLE crash.tree DETACH PARTITION crash.tree_3'),
 ('ALTER TABLE crash.tree ATTACH PARTITION crash.tree_3 FOR VALUES IN (3)'),
 ('ALTER TABLE crash.tree_2 ALTER COLUMN id SET DEFAULT nextval(''crash.tree_id_seq'')'),
 ('ALTER TABLE crash.parent ALTER COLUMN id SET DEFAULT nextval(''crash.parent_id_seq'')'),
 ('ALTER FOREIGN TABLE crash.ft ALTER COLUMN id SET DEFAULT nextval(''crash.ft_id_seq'')'),
 ('ALTER FOREIGN TABLE crash.ft_default ADD COLUMN extra int'),
 ('ALTER MATERIALIZED VIEW crash.mv ALTER COLUMN id SET STATISTICS 100'),
 ('ALTER VIEW crash.v ALTER COLUMN id SET DEFAULT nextval(''crash.v_seq'')'),
 ('ALTER VIEW crash.v_ft ALTER COLUMN id SET DEFAULT nextval(''crash.v_seq'')'),
 ('ALTER TABLE crash.unlogged SET LOGGED'),
 ('ALTER TABLE crash.unlogged SET UNLOGGED'),
 ('ALTER TABLE crash.unlogged ALTER COLUMN id TYPE bigint'),
 ('ALTER TABLE crash.indexed ADD COLUMN extra int'),
 ('ALTER TABLE crash.lost_1 ADD COLUMN id2 int GENERATED BY DEFAULT AS IDENTITY'),
 ('ALTER TABLE crash.other_am ALTER COLUMN id SET DEFAULT nextval(''crash.other_am_id_seq'')'),
 ('ALTER TABLE crash.other_am ALTER COLUMN id TYPE bigint'),
 ('ALTER TABLE crash.typed ALTER COLUMN id SET DEFAULT nextval(''crash.typed_seq'')'),
 ('ALTER TYPE crash.composite ADD ATTRIBUTE extra int CASCADE'),
 ('ALTER INDEX crash.plain_pkey SET (fillfactor = 80)'),
 ('ALTER SEQUENCE crash.ft_default_seq OWNED BY crash.ft_default.id'),
 ('ALTER SEQUENCE crash.v_seq OWNED BY crash.v_p.id'),
 ('ALTER TABLE pg_temp.tmp ALTER COLUMN id SET DEFAULT nextval(''pg_temp.tmp_id_seq'')'),
 ('ALTER TABLE crash.new_p ALTER COLUMN id SET DEFAULT nextval(''crash.new_p_id_seq'')'),
 ('ALTER TABLE crash.new_p ADD COLUMN extra bigint GENERATED BY DEFAULT AS IDENTITY'),
 ('ALTER TABLE crash.new_sub_1 ATTACH PARTITION crash.new_sub_1a FOR VALUES FROM (1) TO (10000)'),
 ('SELECT nextval(''crash.new_sub_id_seq'')'),
 ('ALTER FOREIGN TABLE crash.new_ft ALTER COLUMN id TYPE bigint'),
 ('ALTER TABLE crash.new_other_am ALTER COLUMN id TYPE bigint'),
 ('INSERT INTO crash.new_p (id) VALUES (1)'),
 ('INSERT INTO crash.new_sub (id, k) VALUES (6000, 1)'),
 ('SELECT nextval(''crash.new_sub_id_seq'')'),
 ('INSERT INTO crash.new_unlogged VALUES (7000)'),
 ('SELECT nextval(''crash.new_unlogged_id_seq'')'),
 ('INSERT INTO crash.new_other_am VALUES (8000)'),
 ('INSERT INTO crash.new_ft VALUES (9000)'),
 ('INSERT INTO crash.new_like (id) VALUES (9500)'),
 ('SELECT nextval(''crash.plain_id_seq'')'),
 ('INSERT INTO new_tmp VALUES (9900)'),
 ('SELECT nextval(''new_tmp_id_seq'')');
CREATE TEMP TABLE statement_results (n int, got text);
DO $$
DECLARE d record;
BEGIN
    FOR d IN SELECT * FROM statements ORDER BY n LOOP
        INSERT INTO statement_results VALUES (d.n, pg_temp.outcome(d.sql));
    END LOOP;
END $$;
SELECT n, sql, got FROM statements JOIN statement_results USING (n) ORDER BY n;
SELECT disable_auto_resync() > 0 AS disabled;
SELECT count(*) AS still_covered FROM auto_resync_status()
 WHERE relation IS NULL OR mode <> 'table';
-- No sequence the engine could read is behind its data.
SELECT sequence, data_bound, next_value, behind FROM sequence_health('{crash}');

-- Nothing crashed: the same server, and this same session.
SELECT pg_postmaster_start_time() = :'started' AS same_server;
SELECT pg_backend_pid() = :backend AS same_session;
SELECT 'alive' AS session;

DROP SCHEMA crash CASCADE;
DROP TABLE tmp, new_tmp;
DROP SERVER crash_server;
DROP FOREIGN DATA WRAPPER crash_fdw;
DROP ACCESS METHOD crash_heap;
RESET client_min_messages;
