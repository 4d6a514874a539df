CREATE FUNCTION enable_auto_resync(target pg_catalog.regclass DEFAULT NULL)
RETURNS pg_catalog.int4 LANGUAGE sql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$ SELECT seqsync_internal._enable_auto_resync(target::pg_catalog.oid) $$;
COMMENT ON FUNCTION enable_auto_resync(pg_catalog.regclass) IS
'Resync a table''s sequences automatically after every INSERT or COPY (NULL: every table, now and later, and after DDL). Returns the number of triggers placed.';

CREATE FUNCTION disable_auto_resync(target pg_catalog.regclass DEFAULT NULL)
RETURNS pg_catalog.int4 LANGUAGE sql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$ SELECT seqsync_internal._disable_auto_resync(target::pg_catalog.oid) $$;
COMMENT ON FUNCTION disable_auto_resync(pg_catalog.regclass) IS
'Remove what enable_auto_resync placed for this table (NULL: the database-wide event trigger and its triggers). Returns the number of triggers removed.';

CREATE FUNCTION auto_resync_status()
RETURNS TABLE (relation pg_catalog.regclass, mode pg_catalog.text, trigger_name pg_catalog.text,
               sequences pg_catalog.regclass[])
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT s.relation::pg_catalog.regclass, s.mode, s.trigger_name,
           s.sequences::pg_catalog.regclass[]
      FROM seqsync_internal._auto_resync_status() AS s
$$;
COMMENT ON FUNCTION auto_resync_status() IS
'One row per table covered by automatic resync (mode table or database), plus a row with relation NULL when database-wide mode is on.';

CREATE FUNCTION _auto_resync_ddl() RETURNS event_trigger LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    object pg_catalog.oid;
BEGIN
    FOR object IN
        SELECT DISTINCT c.objid FROM pg_catalog.pg_event_trigger_ddl_commands() AS c
         WHERE c.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_class'::pg_catalog.regclass
    LOOP
        -- Never fail the user's DDL: a problem becomes a WARNING.
        BEGIN
            PERFORM seqsync_internal._auto_resync_after_ddl(object);
        EXCEPTION WHEN OTHERS THEN
            RAISE WARNING 'pg_seqsync: automatic resync after DDL on % failed: %',
                object::pg_catalog.regclass, SQLERRM;
        END;
    END LOOP;
END
$$;
