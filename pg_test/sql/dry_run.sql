-- A dry run computes everything and changes nothing (setval is not transactional, so it is
-- never called in a dry run).
\set SHOW_CONTEXT never
CREATE TABLE dr (id serial, v int);
INSERT INTO dr VALUES (50, 0);
SELECT last_value, is_called FROM dr_id_seq;
SELECT * FROM resync_sequence('dr', dry_run => true);
SELECT last_value, is_called FROM dr_id_seq;
SELECT setval('dr_id_seq', 500);
SELECT * FROM resync_sequence('dr', dry_run => true, allow_backward => true);
SELECT last_value, is_called FROM dr_id_seq;
-- Even when the dry run is rolled back, nothing had changed.
BEGIN;
SELECT action FROM resync_sequence('dr', dry_run => true, allow_backward => true);
ROLLBACK;
SELECT last_value, is_called FROM dr_id_seq;
DROP TABLE dr;
