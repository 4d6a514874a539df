-- References another role plants to a victim's sequence (its own tables' defaults, by OID) are
-- cheap and bounded: a report names the first 20 and counts the rest, and a change to the
-- planter's tables does not make the victim's next INSERT rediscover its sequences (DEBUG1
-- "finding the sequences behind relation" shows when it does). A change that concerns the
-- victim's table still does: its own DDL, and a view whose owner may draw from the sequence
-- (a view sends no invalidation to the table it reads); a view of the planter's does not.
\set SHOW_CONTEXT never
CREATE ROLE regress_plant_victim;
CREATE ROLE regress_plant_squatter;
CREATE SCHEMA plant_victim AUTHORIZATION regress_plant_victim;
CREATE SCHEMA plant_squatter AUTHORIZATION regress_plant_squatter;
SET ROLE regress_plant_victim;
CREATE TABLE plant_victim.orders (id bigserial PRIMARY KEY, v int);
SELECT enable_auto_resync('plant_victim.orders');
RESET ROLE;
SELECT 'plant_victim.orders_id_seq'::regclass::oid AS victim_seq \gset
SET ROLE regress_plant_squatter;
\set ECHO none
SELECT pg_catalog.format('CREATE TABLE plant_squatter.wide (%s)',
         pg_catalog.string_agg(pg_catalog.format('c%s bigint DEFAULT nextval(%L::regclass)', g, :'victim_seq'),
                               ', ' ORDER BY g))
  FROM pg_catalog.generate_series(1, 25) AS g \gexec
\set ECHO all
RESET ROLE;

-- 25 ignored references: 20 named, 5 counted.
SELECT action, pg_catalog.regexp_replace(detail, 'plant_squatter\.wide\.c[0-9]+ \(its owner has no right to draw from the sequence\)(, )?', '', 'g') AS rest,
       (SELECT count(*) FROM pg_catalog.regexp_matches(detail, 'plant_squatter\.wide\.c[0-9]+', 'g')) AS named
  FROM resync_sequence('plant_victim.orders', dry_run => true);
SELECT (SELECT count(*) FROM pg_catalog.regexp_matches(detail, 'plant_squatter\.wide\.c[0-9]+', 'g')) AS named
  FROM sequence_health() WHERE sequence = 'plant_victim.orders_id_seq'::regclass;

-- The victim's writes: the first finds its sequences, then the squatter's changes to its own
-- table leave that alone.
SET ROLE regress_plant_victim;
SET client_min_messages = debug1;
INSERT INTO plant_victim.orders (v) VALUES (1);
INSERT INTO plant_victim.orders (v) VALUES (2);
RESET client_min_messages;
RESET ROLE;
SET ROLE regress_plant_squatter;
ALTER TABLE plant_squatter.wide SET (fillfactor = 50);
ALTER TABLE plant_squatter.wide ALTER COLUMN c1 SET DEFAULT nextval(:'victim_seq'::regclass) + 1;
CREATE TABLE plant_squatter.more (c bigint DEFAULT nextval(:'victim_seq'::regclass));
-- Views too: one over its own table with its own sequence, one whose default names the
-- victim's sequence (its owner may not draw from it, so it makes no consumer).
CREATE SEQUENCE plant_squatter.own_seq;
CREATE VIEW plant_squatter.own_entry AS SELECT c FROM plant_squatter.more;
ALTER VIEW plant_squatter.own_entry ALTER COLUMN c SET DEFAULT nextval('plant_squatter.own_seq');
CREATE VIEW plant_squatter.victim_entry AS SELECT c FROM plant_squatter.more;
ALTER VIEW plant_squatter.victim_entry ALTER COLUMN c SET DEFAULT nextval(:'victim_seq'::regclass);
ALTER VIEW plant_squatter.victim_entry ALTER COLUMN c SET DEFAULT nextval(:'victim_seq'::regclass) + 0;
RESET ROLE;
SET ROLE regress_plant_victim;
SET client_min_messages = debug1;
INSERT INTO plant_victim.orders (v) VALUES (3);
RESET client_min_messages;
-- A view that makes another column of the table draw from its sequence: found at once.
CREATE VIEW plant_victim.orders_entry AS SELECT v AS number FROM plant_victim.orders;
ALTER VIEW plant_victim.orders_entry
    ALTER COLUMN number SET DEFAULT nextval('plant_victim.orders_id_seq');
SET client_min_messages = debug1;
INSERT INTO plant_victim.orders (v) VALUES (500);
RESET client_min_messages;
SELECT last_value FROM plant_victim.orders_id_seq;
-- Dropping that view: found again (the consumer it made is gone).
DROP VIEW plant_victim.orders_entry;
SET client_min_messages = debug1;
INSERT INTO plant_victim.orders (v) VALUES (4);
RESET client_min_messages;
-- The victim's own DDL: found again.
ALTER TABLE plant_victim.orders ADD COLUMN note text;
SET client_min_messages = debug1;
INSERT INTO plant_victim.orders (v) VALUES (5);
RESET client_min_messages;
SELECT last_value FROM plant_victim.orders_id_seq;
RESET ROLE;

DROP SCHEMA plant_victim CASCADE;
DROP SCHEMA plant_squatter CASCADE;
DROP ROLE regress_plant_victim;
DROP ROLE regress_plant_squatter;
