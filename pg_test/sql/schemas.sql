-- resync_all_sequences: every sequence, or those in `schemas` minus `exclude_schemas` (by the
-- sequence's own schema); never pg_catalog, information_schema or pg_toast. A NOTICE sums up.
\set SHOW_CONTEXT never
CREATE SCHEMA sa;
CREATE SCHEMA sb;
CREATE TABLE sa.t (id serial);
CREATE TABLE sb.t (id serial);
INSERT INTO sa.t VALUES (3);
INSERT INTO sb.t VALUES (4);
-- A table in sb drawing from a sequence in sa belongs to sa's run.
CREATE SEQUENCE sa.cross_seq;
CREATE TABLE sb.cross_t (id bigint DEFAULT nextval('sa.cross_seq'));
INSERT INTO sb.cross_t VALUES (8);
SET client_min_messages = notice;
SELECT sequence, consumers, action FROM resync_all_sequences(schemas => '{sa}', dry_run => true);
SELECT sequence, consumers, action FROM resync_all_sequences(schemas => '{sa,sb}', exclude_schemas => '{sa}', dry_run => true);
SELECT count(*) FROM resync_all_sequences(schemas => '{pg_catalog,information_schema,pg_toast}');
SELECT sequence, action FROM resync_all_sequences(exclude_schemas => '{public}');
SELECT sequence, action FROM resync_all_sequences(exclude_schemas => '{public}');
RESET client_min_messages;
SET client_min_messages = warning;
DROP SCHEMA sa, sb CASCADE;
RESET client_min_messages;
