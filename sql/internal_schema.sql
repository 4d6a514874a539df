-- The functions behind the SQL surface live in a schema of the extension's own, which nobody
-- else may create in: a call to one of them never meets a look-alike another role planted,
-- whatever schema the extension is installed into. A schema of that name that exists already
-- makes CREATE EXTENSION fail: it is not the extension's. PostgreSQL says so itself since
-- 13.8/14.5 (CREATE SCHEMA IF NOT EXISTS in an extension script); older minors adopt such a
-- schema silently, with its owner able to drop and replace whatever is created in it, so the
-- script checks membership itself.
DO $$
BEGIN
    IF NOT EXISTS (
        SELECT FROM pg_catalog.pg_depend d
        WHERE d.classid = 'pg_catalog.pg_namespace'::pg_catalog.regclass
          AND d.objid = 'seqsync_internal'::pg_catalog.regnamespace
          AND d.refclassid = 'pg_catalog.pg_extension'::pg_catalog.regclass
          AND d.refobjid = (SELECT e.oid FROM pg_catalog.pg_extension e
                            WHERE e.extname = 'pg_seqsync')
          AND d.deptype = 'e')
    THEN
        RAISE EXCEPTION 'schema seqsync_internal is not a member of extension "pg_seqsync"'
            USING ERRCODE = 'duplicate_schema',
                  DETAIL = 'The schema existed before CREATE EXTENSION; its owner could replace the functions created in it.',
                  HINT = 'Drop or rename schema seqsync_internal, then run CREATE EXTENSION again.';
    END IF;
END
$$;
COMMENT ON SCHEMA seqsync_internal IS
'pg_seqsync: the functions behind its SQL surface (call the public ones instead).';
GRANT USAGE ON SCHEMA seqsync_internal TO PUBLIC;
