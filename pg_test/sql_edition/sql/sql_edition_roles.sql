-- Who may move a sequence in the SQL edition: the lock that keeps nextval() out during the
-- check-and-set is taken by ALTER SEQUENCE, which only the sequence's owner (or a member of
-- its role) may run. regress_loader (made by the test's setup) may INSERT and holds USAGE and
-- UPDATE on the sequence, as loaders are set up, but does not own it.
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
-- Automatic resync runs as the writer: it cannot move the owner's sequence, says so in a
-- WARNING, and the INSERT goes on.
INSERT INTO loaded VALUES (70, 'loaded');
-- An explicit call by a non-owner: the same reason, as an error (42501), as for a missing
-- privilege; a dry run needs only SELECT.
\set VERBOSITY terse
SELECT * FROM resync_sequence('loaded');
\set VERBOSITY default
SELECT sequence, data_bound, new_next, action FROM resync_sequence('loaded', dry_run => true);

\c - regress_app
SET client_min_messages = notice;
SET search_path = public, tools;
SELECT sequence, data_bound, new_next, action FROM resync_sequence('loaded');
INSERT INTO loaded (v) VALUES ('next') RETURNING id;
