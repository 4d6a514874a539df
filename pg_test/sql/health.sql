-- sequence_health(): behind or not, values left, fraction used, and sequences narrower than a
-- column they feed. Changes nothing, and holds no lock stronger than AccessShareLock.
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
CREATE SEQUENCE h.ring CYCLE;
CREATE TABLE h.ring_t (id bigint DEFAULT nextval('h.ring'));
SELECT sequence, consumers, data_bound, next_value, behind, behind_by, values_left,
       round(fraction_used::numeric, 6) AS fraction_used, narrower_than_consumer, detail
  FROM sequence_health(schemas => '{h}')
 ORDER BY sequence::text;

-- The README's monitoring query: what needs attention.
SELECT sequence, behind_by, values_left, fraction_used, narrower_than_consumer, detail
  FROM sequence_health(schemas => '{h}')
 WHERE behind OR fraction_used > 0.8 OR narrower_than_consumer
 ORDER BY sequence::text;

-- Nothing changed, and no lock that could block a writer was taken.
BEGIN;
SELECT count(*) FROM sequence_health(schemas => '{h}');
SELECT count(*) AS locks_stronger_than_access_share FROM pg_locks
 WHERE pid = pg_backend_pid() AND locktype = 'relation' AND granted
   AND mode <> 'AccessShareLock';
COMMIT;
SELECT last_value, is_called FROM h.behind_id_seq;
SET client_min_messages = warning;
DROP SCHEMA h CASCADE;
RESET client_min_messages;
