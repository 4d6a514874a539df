-- Each sequence is resynced in its own subtransaction: one failure is an `error` row and the
-- rest of the run goes on, with its changes kept. Only a cancel (or a termination, or running
-- out of memory) ends the whole call.
\set SHOW_CONTEXT never
CREATE SCHEMA iso;
CREATE TABLE iso.good_a (id serial);
CREATE TABLE iso.good_b (id serial);
INSERT INTO iso.good_a VALUES (10);
INSERT INTO iso.good_b VALUES (20);
-- A numeric column holding a value no bigint sequence can follow: an `error` row.
CREATE SEQUENCE iso.broken_seq;
CREATE TABLE iso.broken (id numeric DEFAULT nextval('iso.broken_seq'));
INSERT INTO iso.broken VALUES ('NaN');
-- A view whose query fails when read (division by zero) is not read at all: it is not simply
-- updatable, so it is ignored, and its sequence has no consumer.
CREATE SEQUENCE iso.view_seq;
CREATE VIEW iso.failing AS SELECT (1 / (x - x))::bigint AS id FROM (VALUES (1)) AS v(x);
ALTER VIEW iso.failing ALTER COLUMN id SET DEFAULT nextval('iso.view_seq');
SELECT sequence, data_bound, new_next, action, detail FROM resync_all_sequences(schemas => '{iso}');
SELECT last_value, is_called FROM iso.good_a_id_seq;
SELECT last_value, is_called FROM iso.good_b_id_seq;
SELECT last_value, is_called FROM iso.broken_seq;
-- Like setval() itself, an advance is not undone when the caller's transaction rolls back
-- (PostgreSQL never moves a sequence back on rollback, so no value can be handed out twice).
SELECT setval('iso.good_a_id_seq', 1, false);
BEGIN;
SELECT sequence, action FROM resync_all_sequences(schemas => '{iso}');
ROLLBACK;
SELECT last_value, is_called FROM iso.good_a_id_seq;
-- A cancel or statement_timeout is not one sequence's problem: it ends the whole call. What was
-- advanced before it stays advanced (setval() is not transactional); nothing is half-done.
-- iso.slow has no index, so its bound is a heap scan long enough to be cancelled in (read by
-- one process: the SQL edition's query would otherwise be spread over parallel workers).
CREATE SEQUENCE iso.slow_seq;
CREATE TABLE iso.slow (id numeric DEFAULT nextval('iso.slow_seq'));
INSERT INTO iso.slow SELECT g FROM generate_series(1, 2000000) AS g;
SET max_parallel_workers_per_gather = 0;
SELECT setval('iso.good_a_id_seq', 1, false), setval('iso.good_b_id_seq', 1, false);
SET statement_timeout = '100ms';
SELECT sequence, action FROM resync_all_sequences(schemas => '{iso}');
\echo :LAST_ERROR_SQLSTATE
RESET statement_timeout;
RESET max_parallel_workers_per_gather;
SELECT last_value, is_called FROM iso.good_a_id_seq;
SELECT last_value, is_called FROM iso.slow_seq;
SET client_min_messages = warning;
DROP SCHEMA iso CASCADE;
RESET client_min_messages;
