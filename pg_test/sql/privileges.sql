-- Runs as the calling role and never does more than it may. In a sweep a missing privilege is
-- a skip row; for an explicit target it is an error (SQLSTATE 42501). Row-level security that
-- could hide rows is never turned into a silently low bound.
\set SHOW_CONTEXT never
CREATE ROLE regress_seqsync_reader;
CREATE ROLE regress_seqsync_loader;
CREATE TABLE acct (id serial PRIMARY KEY, name text);
INSERT INTO acct VALUES (30, 'x');

-- SELECT on table and sequence, but no UPDATE on the sequence.
GRANT SELECT ON acct TO regress_seqsync_reader;
GRANT SELECT ON SEQUENCE acct_id_seq TO regress_seqsync_reader;
SET ROLE regress_seqsync_reader;
SELECT * FROM resync_sequence('acct');
\echo :LAST_ERROR_SQLSTATE
SELECT sequence, data_bound, old_next, new_next, action FROM resync_sequence('acct', dry_run => true);
SELECT sequence, action, detail FROM resync_all_sequences(schemas => '{public}')
 WHERE sequence = 'acct_id_seq'::regclass;
RESET ROLE;
SELECT last_value, is_called FROM acct_id_seq;

-- UPDATE on the sequence but no SELECT on it: its position cannot be read.
CREATE ROLE regress_seqsync_blind;
GRANT SELECT ON acct TO regress_seqsync_blind;
GRANT UPDATE ON SEQUENCE acct_id_seq TO regress_seqsync_blind;
SET ROLE regress_seqsync_blind;
SELECT * FROM resync_sequence('acct');
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;

-- UPDATE on the sequence, but no SELECT on the table.
GRANT SELECT, UPDATE ON SEQUENCE acct_id_seq TO regress_seqsync_loader;
SET ROLE regress_seqsync_loader;
SELECT * FROM resync_sequence('acct');
\echo :LAST_ERROR_SQLSTATE
SELECT sequence, action, detail FROM resync_all_sequences(schemas => '{public}')
 WHERE sequence = 'acct_id_seq'::regclass;
RESET ROLE;
SELECT last_value, is_called FROM acct_id_seq;
-- SELECT on just the column is enough.
GRANT SELECT (id) ON acct TO regress_seqsync_loader;
SET ROLE regress_seqsync_loader;
SELECT sequence, data_bound, new_next, action FROM resync_sequence('acct');
RESET ROLE;

-- Row-level security: the loader sees only tenant a's rows, so its MAX would be too low.
CREATE TABLE tenants (id serial PRIMARY KEY, tenant text);
INSERT INTO tenants VALUES (1, 'a'), (99, 'b');
ALTER TABLE tenants ENABLE ROW LEVEL SECURITY;
CREATE POLICY only_a ON tenants USING (tenant = 'a');
GRANT SELECT ON tenants TO regress_seqsync_loader;
GRANT SELECT, UPDATE ON SEQUENCE tenants_id_seq TO regress_seqsync_loader;
SET ROLE regress_seqsync_loader;
SELECT max(id) FROM tenants;
SELECT * FROM resync_sequence('tenants');
\echo :LAST_ERROR_SQLSTATE
SELECT sequence, action, detail FROM resync_all_sequences(schemas => '{public}')
 WHERE sequence = 'tenants_id_seq'::regclass;
RESET ROLE;
SELECT last_value, is_called FROM tenants_id_seq;
-- A role that bypasses RLS (here the superuser running the suite) gets the true bound.
SELECT sequence, data_bound, new_next, action FROM resync_sequence('tenants');

-- FORCE ROW LEVEL SECURITY applies the policy to the table's owner as well.
CREATE ROLE regress_seqsync_owner;
CREATE TABLE forced (id serial PRIMARY KEY, tenant text);
INSERT INTO forced VALUES (1, 'a'), (50, 'b');
ALTER TABLE forced OWNER TO regress_seqsync_owner;
ALTER TABLE forced ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
CREATE POLICY only_a ON forced USING (tenant = 'a');
SET ROLE regress_seqsync_owner;
SELECT * FROM resync_sequence('forced');
\echo :LAST_ERROR_SQLSTATE
ALTER TABLE forced NO FORCE ROW LEVEL SECURITY;
SELECT sequence, data_bound, new_next, action FROM resync_sequence('forced');
RESET ROLE;

REVOKE ALL ON acct FROM regress_seqsync_blind;
DROP TABLE acct, tenants, forced;
DROP ROLE regress_seqsync_reader, regress_seqsync_loader, regress_seqsync_owner, regress_seqsync_blind;
