-- Who may resync in the SQL edition: reading a table's bound takes a lock that keeps others'
-- DDL out while it reads (SHARE UPDATE EXCLUSIVE, which needs UPDATE, DELETE or TRUNCATE on
-- the table), and the lock that keeps nextval() out during the check-and-set is taken by ALTER
-- SEQUENCE, which only the sequence's owner (or a member of its role) may run.
-- regress_loader (made by the test's setup) may INSERT and holds USAGE and UPDATE on the
-- sequence, as loaders are set up, but owns neither.
SET client_min_messages = notice;
SET search_path = public, tools;
CREATE TABLE loaded (id serial PRIMARY KEY, v text);
GRANT USAGE ON SCHEMA tools TO regress_loader;
GRANT SELECT, INSERT ON loaded TO regress_loader;
GRANT USAGE, SELECT, UPDATE ON SEQUENCE loaded_id_seq TO regress_loader;
SELECT enable_auto_resync('loaded');

\c - regress_loader
SET client_min_messages = notice;
SET search_path = public, tools;
-- Automatic resync runs as the writer: it cannot read the owner's table that way, says so in
-- a WARNING, and the INSERT goes on.
INSERT INTO loaded VALUES (70, 'loaded');
-- An explicit call: the same reason, as an error (42501), as for a missing privilege; a dry run
-- too.
\set VERBOSITY terse
SELECT * FROM resync_sequence('loaded');
SELECT sequence, data_bound, new_next, action FROM resync_sequence('loaded', dry_run => true);
\set VERBOSITY default

-- With UPDATE on the table it may read the bound, and a dry run answers; moving the sequence
-- still needs to own it.
\c - regress_app
GRANT UPDATE ON loaded TO regress_loader;
\c - regress_loader
SET search_path = public, tools;
SELECT sequence, data_bound, new_next, action FROM resync_sequence('loaded', dry_run => true);
\set VERBOSITY terse
SELECT * FROM resync_sequence('loaded');
\set VERBOSITY default

\c - regress_app
SET client_min_messages = notice;
SET search_path = public, tools;
SELECT sequence, data_bound, new_next, action FROM resync_sequence('loaded');
INSERT INTO loaded (v) VALUES ('next') RETURNING id;
