-- The functions behind the SQL surface live in a schema of the extension's own, which nobody
-- else may create in: a call to one of them never meets a look-alike another role planted,
-- whatever schema the extension is installed into. (A schema of that name that exists already
-- makes CREATE EXTENSION fail: it is not the extension's.)
COMMENT ON SCHEMA seqsync_internal IS
'pg_seqsync: the functions behind its SQL surface (call the public ones instead).';
GRANT USAGE ON SCHEMA seqsync_internal TO PUBLIC;
