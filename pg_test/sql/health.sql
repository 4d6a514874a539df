-- sequence_health(): behind or not, values left before the first limit nextval()'s values hit
-- (the sequence's own, or the narrowest column it feeds, named in limited_by), fraction used,
-- and sequences narrower than a column they feed. Changes nothing, and holds no lock stronger
-- than AccessShareLock.
\set SHOW_CONTEXT never
CREATE SCHEMA h;
CREATE TABLE h.behind (id serial PRIMARY KEY);
INSERT INTO h.behind VALUES (50);
CREATE TABLE h.in_sync (id serial PRIMARY KEY);
INSERT INTO h.in_sync DEFAULT VALUES;
CREATE TABLE h.nearly_full (id smallint);
CREATE SEQUENCE h.nearly_full_seq AS smallint OWNED BY h.nearly_full.id;
SELECT setval('h.nearly_full_seq', 32000);
CREATE TABLE h.migrated (id bigint);              -- an int -> bigint migration left this behind
CREATE SEQUENCE h.migrated_seq AS integer OWNED BY h.migrated.id;
CREATE TABLE h.exhausted (id int);
CREATE SEQUENCE h.exhausted_seq MAXVALUE 10 OWNED BY h.exhausted.id;
SELECT setval('h.exhausted_seq', 10);
CREATE TABLE h.empty (id bigserial);
-- The most common sequence outage: a bigint sequence feeding an integer column fails at
-- 2,147,483,647 although the sequence has 9.2e18 values left.
CREATE TABLE h.int_column (id integer);
CREATE SEQUENCE h.int_column_seq OWNED BY h.int_column.id;
SELECT setval('h.int_column_seq', 2000000000);
CREATE SEQUENCE h.small_numeric_seq;
CREATE TABLE h.small_numeric (id numeric(5,0) DEFAULT nextval('h.small_numeric_seq'));
CREATE SEQUENCE h.ring CYCLE;
CREATE TABLE h.ring_t (id bigint DEFAULT nextval('h.ring'));
SELECT sequence, consumers, data_bound, next_value, behind, behind_by, values_left,
       round(fraction_used::numeric, 6) AS fraction_used, narrower_than_consumer, limited_by,
       detail
  FROM sequence_health(schemas => '{h}')
 ORDER BY sequence::text;

-- The README's monitoring query: what needs attention.
SELECT sequence, behind_by, values_left, fraction_used, narrower_than_consumer, limited_by, detail
  FROM sequence_health(schemas => '{h}')
 WHERE behind OR fraction_used > 0.8 OR narrower_than_consumer
 ORDER BY sequence::text;

-- Nothing changed, and no lock that could block a writer was taken.
BEGIN;
SELECT count(*) FROM sequence_health(schemas => '{h}');
SELECT count(*) AS locks_stronger_than_access_share FROM pg_locks
 WHERE pid = pg_backend_pid() AND locktype = 'relation' AND granted
   AND mode <> 'AccessShareLock';
-- And every table and index read for a bound was unlocked as soon as it was read: a sweep over
-- many thousands of tables does not hold a lock on each until it commits.
SELECT count(*) AS consumer_locks_still_held FROM pg_locks AS l
  JOIN pg_class AS c ON c.oid = l.relation
 WHERE l.pid = pg_backend_pid() AND l.locktype = 'relation'
   AND c.relnamespace = 'h'::regnamespace AND c.relkind IN ('r', 'p', 'i');
COMMIT;
SELECT last_value, is_called FROM h.behind_id_seq;
SET client_min_messages = warning;
DROP SCHEMA h CASCADE;
RESET client_min_messages;
