-- Attacks by an unprivileged role, part 1 of 5: the planting (parts 2-5, run after it:
-- attack_superuser_calls, attack_victim_calls, attack_own_objects, attack_drop_extension).
-- regress_att_evil owns schema att and may create objects only
-- there; regress_att_victim owns schema vic, with a serial table under automatic resync. Evil
-- plants code everywhere PostgreSQL could run it while a table is read (view queries, partial
-- and expression indexes, row-level security, shadowing operators, aggregates and functions,
-- triggers, partition key expressions) and points tables and views of its own at the victim's
-- sequence. Then every entry point runs as the superuser, as the victim and as evil.
--
-- What must hold: no planted function ever runs (each one writes a row into regress_att_log and
-- raises a WARNING, so a run shows in the output even when rolled back), nobody becomes a
-- superuser, the victim's sequence ends exactly where the victim's own rows put it, a sweep
-- always returns a row per sequence, and the session (and the server) survives everything.
\set VERBOSITY terse
\set SHOW_CONTEXT never
CREATE TABLE public.regress_att_start AS SELECT pg_catalog.pg_postmaster_start_time() AS start_time;
SET client_min_messages = warning;

CREATE TABLE public.regress_att_log (
    current_role_name name, session_role_name name, is_superuser boolean, what text);
GRANT INSERT ON public.regress_att_log TO PUBLIC;
CREATE ROLE regress_att_evil;
CREATE ROLE regress_att_victim;
CREATE SCHEMA att AUTHORIZATION regress_att_evil;
CREATE SCHEMA vic AUTHORIZATION regress_att_victim;
GRANT USAGE ON SCHEMA vic TO PUBLIC;

-- The victim: a serial table under automatic resync. Its rows put the sequence at 41.
SET ROLE regress_att_victim;
CREATE TABLE vic.t (id serial PRIMARY KEY, note text);
INSERT INTO vic.t (note) VALUES ('a'), ('b');
SELECT enable_auto_resync('vic.t');
INSERT INTO vic.t VALUES (40, 'loaded');
SELECT last_value, is_called FROM vic.t_id_seq;
RESET ROLE;
SELECT 'vic.t_id_seq'::regclass::oid AS vic_seq, 'vic.t'::regclass::oid AS vic_table \gset

-- Planting. While regress_att.planting is on, the planted code keeps quiet (evil's own
-- statements run it: index expressions on INSERT, policies, ...).
SET regress_att.planting = on;
SET ROLE regress_att_evil;
CREATE FUNCTION att.evil(what text) RETURNS integer LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    su boolean := (SELECT r.rolsuper FROM pg_catalog.pg_roles AS r
                    WHERE r.rolname OPERATOR(pg_catalog.=) current_user);
BEGIN
    IF pg_catalog.current_setting('regress_att.planting', true) IS DISTINCT FROM 'on' THEN
        RAISE WARNING 'planted code ran: % as %, superuser %', what, current_user, su;
        INSERT INTO public.regress_att_log VALUES (current_user, session_user, su, what);
        IF su THEN
            BEGIN
                EXECUTE 'ALTER ROLE regress_att_evil SUPERUSER';
            EXCEPTION WHEN OTHERS THEN NULL;
            END;
        END IF;
    END IF;
    RETURN 1;
END $$;
-- An IMMUTABLE wrapper, usable in index expressions, predicates and partition keys.
CREATE FUNCTION att.imm(x integer) RETURNS integer IMMUTABLE LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp AS $$
BEGIN PERFORM att.evil('immutable wrapper'); RETURN x; END $$;
CREATE FUNCTION att.trig() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN PERFORM att.evil('trigger ' || TG_NAME); RETURN coalesce(NEW, OLD); END $$;

-- Views: a simply updatable view whose query calls evil code, with a default on its own
-- sequence; a view that is not simply updatable; views whose default is the victim's sequence
-- (by OID, quoted: a dependency is recorded; and as an integer cast: none is); a view over the
-- victim's table, which evil may not read, with a default on evil's sequence.
CREATE SEQUENCE att.vseq;
CREATE SEQUENCE att.vseq_agg;
CREATE SEQUENCE att.peek_seq;
CREATE TABLE att.vbase (id bigint, note text);
INSERT INTO att.vbase VALUES (50, 'x');
CREATE VIEW att.v_own AS
    SELECT id, att.evil('view target list') AS e FROM att.vbase WHERE att.evil('view qual') > 0;
ALTER VIEW att.v_own ALTER id SET DEFAULT nextval('att.vseq');
CREATE VIEW att.v_agg AS SELECT max(id) AS id FROM att.vbase WHERE att.evil('agg view') > 0;
ALTER VIEW att.v_agg ALTER id SET DEFAULT nextval('att.vseq_agg');
CREATE VIEW att.v_vic_oid AS SELECT id FROM att.vbase WHERE att.evil('view on victim seq') > 0;
ALTER VIEW att.v_vic_oid ALTER id SET DEFAULT nextval(:'vic_seq'::regclass);
CREATE VIEW att.v_vic_int AS SELECT id FROM att.vbase;
ALTER VIEW att.v_vic_int ALTER id SET DEFAULT nextval(:vic_seq::regclass);
CREATE VIEW att.v_peek AS SELECT id FROM vic.t;
ALTER VIEW att.v_peek ALTER id SET DEFAULT nextval('att.peek_seq');

-- Tables full of evil code: a partial index on the column, an expression index, row-level
-- security with an evil policy, forced on the owner. With a primary key (the bound comes from
-- the index) and without one (from a heap scan), and a numeric column.
CREATE TABLE att.trap_idx (id serial PRIMARY KEY, n integer);
CREATE INDEX ON att.trap_idx (id) WHERE att.imm(1) OPERATOR(pg_catalog.=) 1;
CREATE INDEX ON att.trap_idx ((att.imm(id)));
CREATE INDEX ON att.trap_idx (att.imm(n), id);
ALTER TABLE att.trap_idx ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
CREATE POLICY p ON att.trap_idx USING (att.evil('policy') > 0) WITH CHECK (true);
INSERT INTO att.trap_idx VALUES (100, 1);
CREATE TABLE att.trap_heap (id serial, n integer);
CREATE INDEX ON att.trap_heap (id) WHERE att.imm(1) OPERATOR(pg_catalog.=) 1;
CREATE INDEX ON att.trap_heap ((att.imm(id)));
ALTER TABLE att.trap_heap ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
CREATE POLICY p ON att.trap_heap USING (att.evil('policy') > 0) WITH CHECK (true);
INSERT INTO att.trap_heap SELECT g, g FROM generate_series(1, 200) AS g;
CREATE SEQUENCE att.num_seq;
CREATE TABLE att.trap_num (id numeric DEFAULT nextval('att.num_seq'), n integer);
CREATE INDEX ON att.trap_num ((att.imm(n)));
ALTER TABLE att.trap_num ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
CREATE POLICY p ON att.trap_num USING (att.evil('policy') > 0) WITH CHECK (true);
INSERT INTO att.trap_num VALUES (300.5, 1), (7, 2);
CREATE SEQUENCE att.dom_seq;
CREATE DOMAIN att.checked_int AS integer CHECK (att.evil('domain check') > 0);
CREATE TABLE att.trap_dom (id att.checked_int DEFAULT nextval('att.dom_seq'));
INSERT INTO att.trap_dom VALUES (42);

-- Look-alikes for everything a query might use, in att: operators (answering wrongly),
-- aggregates, functions. The callers below put att first in search_path, before pg_catalog.
CREATE FUNCTION att.op(oid, oid) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN PERFORM att.evil('operator'); RETURN false; END $$;
CREATE FUNCTION att.op(name, name) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN PERFORM att.evil('operator'); RETURN false; END $$;
CREATE FUNCTION att.op(text, text) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN PERFORM att.evil('operator'); RETURN false; END $$;
CREATE FUNCTION att.op("char", "char") RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN PERFORM att.evil('operator'); RETURN false; END $$;
CREATE FUNCTION att.op(smallint, smallint) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN PERFORM att.evil('operator'); RETURN false; END $$;
CREATE FUNCTION att.op(integer, integer) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN PERFORM att.evil('operator'); RETURN false; END $$;
CREATE FUNCTION att.op(bigint, bigint) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN PERFORM att.evil('operator'); RETURN false; END $$;
CREATE FUNCTION att.op(regclass, regclass) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN PERFORM att.evil('operator'); RETURN false; END $$;
CREATE OPERATOR att.= (leftarg = oid, rightarg = oid, function = att.op);
CREATE OPERATOR att.= (leftarg = name, rightarg = name, function = att.op);
CREATE OPERATOR att.= (leftarg = text, rightarg = text, function = att.op);
CREATE OPERATOR att.= (leftarg = "char", rightarg = "char", function = att.op);
CREATE OPERATOR att.= (leftarg = smallint, rightarg = smallint, function = att.op);
CREATE OPERATOR att.= (leftarg = integer, rightarg = integer, function = att.op);
CREATE OPERATOR att.= (leftarg = bigint, rightarg = bigint, function = att.op);
CREATE OPERATOR att.= (leftarg = regclass, rightarg = regclass, function = att.op);
CREATE OPERATOR att.<> (leftarg = oid, rightarg = oid, function = att.op);
CREATE OPERATOR att.<> (leftarg = text, rightarg = text, function = att.op);
CREATE OPERATOR att.> (leftarg = smallint, rightarg = smallint, function = att.op);
CREATE OPERATOR att.> (leftarg = integer, rightarg = integer, function = att.op);
CREATE OPERATOR att.> (leftarg = bigint, rightarg = bigint, function = att.op);
CREATE OPERATOR att.< (leftarg = integer, rightarg = integer, function = att.op);
CREATE OPERATOR att.< (leftarg = bigint, rightarg = bigint, function = att.op);
CREATE OPERATOR att.>= (leftarg = bigint, rightarg = bigint, function = att.op);
CREATE OPERATOR att.<= (leftarg = bigint, rightarg = bigint, function = att.op);
CREATE OPERATOR att.~~ (leftarg = text, rightarg = text, function = att.op);
CREATE FUNCTION att.bigger(a anyelement, b anyelement) RETURNS anyelement LANGUAGE plpgsql AS $$
BEGIN PERFORM att.evil('aggregate'); RETURN a; END $$;
CREATE AGGREGATE att.max(integer) (sfunc = att.bigger, stype = integer);
CREATE AGGREGATE att.max(bigint) (sfunc = att.bigger, stype = bigint);
CREATE AGGREGATE att.min(bigint) (sfunc = att.bigger, stype = bigint);
CREATE FUNCTION att.setval(regclass, bigint, boolean) RETURNS bigint LANGUAGE plpgsql AS $$
BEGIN PERFORM att.evil('setval'); RETURN 0; END $$;
CREATE FUNCTION att.nextval(regclass) RETURNS bigint LANGUAGE plpgsql AS $$
BEGIN PERFORM att.evil('nextval'); RETURN 0; END $$;
CREATE FUNCTION att.has_sequence_privilege(oid, oid, text) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN PERFORM att.evil('has_sequence_privilege'); RETURN true; END $$;
CREATE FUNCTION att.row_security_active(oid) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN PERFORM att.evil('row_security_active'); RETURN false; END $$;
CREATE FUNCTION att.format(text, text, text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN PERFORM att.evil('format'); RETURN 'x'; END $$;
CREATE FUNCTION att.unnest(oid[]) RETURNS SETOF oid LANGUAGE plpgsql AS $$
BEGIN PERFORM att.evil('unnest'); END $$;

-- Squatters on the victim's sequence: evil has no right on it.
CREATE TABLE att.q_big (n integer DEFAULT nextval(:'vic_seq'::regclass));
INSERT INTO att.q_big VALUES (2147483646);
CREATE TABLE att.q_text (n text DEFAULT nextval(:'vic_seq'::regclass));
INSERT INTO att.q_text VALUES ('not a number');
CREATE TABLE att.q_currval (n bigint DEFAULT currval(:'vic_seq'::regclass));
INSERT INTO att.q_currval VALUES (2147483646);
CREATE TABLE att.q_regclass (n regclass DEFAULT :'vic_seq'::regclass, m bigint);
INSERT INTO att.q_regclass VALUES (DEFAULT, 2147483646);
CREATE TABLE att.q_wrapped (n bigint DEFAULT nextval(:'vic_seq'::regclass) + 1);
INSERT INTO att.q_wrapped VALUES (2147483646);
CREATE TABLE att.q_int_cast (n bigint DEFAULT nextval(:vic_seq::regclass));
INSERT INTO att.q_int_cast VALUES (2147483646);
CREATE TABLE att.q_rls (n bigint DEFAULT nextval(:'vic_seq'::regclass));
ALTER TABLE att.q_rls ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
CREATE POLICY p ON att.q_rls USING (att.evil('policy') > 0) WITH CHECK (true);
INSERT INTO att.q_rls VALUES (2147483646);
CREATE TABLE att.q_part (n bigint DEFAULT nextval(:'vic_seq'::regclass)) PARTITION BY RANGE (n);
CREATE TABLE att.q_part_1 PARTITION OF att.q_part FOR VALUES FROM (0) TO (MAXVALUE);
INSERT INTO att.q_part VALUES (2147483646);

-- A table with evil triggers on every event.
CREATE TABLE att.trig (id serial PRIMARY KEY, n integer);
CREATE TRIGGER s AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON att.trig
    FOR EACH STATEMENT EXECUTE FUNCTION att.trig();
CREATE TRIGGER r BEFORE INSERT OR UPDATE OR DELETE ON att.trig
    FOR EACH ROW EXECUTE FUNCTION att.trig();
INSERT INTO att.trig VALUES (500, 0);

-- The extension's trigger function, used by evil's own triggers: on a partitioned table, as
-- a BEFORE ROW trigger, as a constraint trigger, as an INSTEAD OF trigger on a view.
CREATE TABLE att.ptrig (id serial, n integer) PARTITION BY RANGE (id);
CREATE TABLE att.ptrig_1 PARTITION OF att.ptrig FOR VALUES FROM (1) TO (1000);
CREATE TRIGGER mine AFTER INSERT ON att.ptrig FOR EACH STATEMENT
    EXECUTE FUNCTION public._auto_resync_trigger();
INSERT INTO att.ptrig VALUES (700, 0);
SELECT last_value, is_called FROM att.ptrig_id_seq;
CREATE TABLE att.misuse (id serial, n integer);
CREATE TRIGGER before_row BEFORE INSERT ON att.misuse FOR EACH ROW
    EXECUTE FUNCTION public._auto_resync_trigger();
CREATE CONSTRAINT TRIGGER constraint_row AFTER INSERT ON att.misuse FOR EACH ROW
    EXECUTE FUNCTION public._auto_resync_trigger();
CREATE VIEW att.misuse_v AS SELECT * FROM att.misuse;
CREATE TRIGGER instead_row INSTEAD OF INSERT ON att.misuse_v FOR EACH ROW
    EXECUTE FUNCTION public._auto_resync_trigger();
INSERT INTO att.misuse VALUES (1, 1);
\echo :SQLSTATE
INSERT INTO att.misuse_v VALUES (1, 1);
\echo :SQLSTATE

-- Partitioned tables: with an evil partition key expression; with no partition at all; one
-- that lost its last partition; an identity column on one that lost its last partition.
CREATE TABLE att.pexpr (id serial, n integer) PARTITION BY RANGE ((id + att.imm(0)));
CREATE TABLE att.pexpr_1 PARTITION OF att.pexpr FOR VALUES FROM (0) TO (1000);
INSERT INTO att.pexpr VALUES (900, 0);
CREATE TABLE att.pempty (id serial PRIMARY KEY, n integer) PARTITION BY RANGE (id);
CREATE TABLE att.pdetached (id serial PRIMARY KEY, n integer) PARTITION BY RANGE (id);
CREATE TABLE att.pdetached_1 PARTITION OF att.pdetached FOR VALUES FROM (1) TO (1000);
INSERT INTO att.pdetached VALUES (800, 0);
ALTER TABLE att.pdetached DETACH PARTITION att.pdetached_1;
CREATE TABLE att.pident (id bigint GENERATED BY DEFAULT AS IDENTITY, n integer)
    PARTITION BY LIST (n);
CREATE TABLE att.pident_1 PARTITION OF att.pident FOR VALUES IN (0);
INSERT INTO att.pident VALUES (600, 0);
ALTER TABLE att.pident DETACH PARTITION att.pident_1;

-- Sequences at the edges of bigint, and data no bigint can follow: error rows, not aborts.
CREATE SEQUENCE att.edge_up INCREMENT BY 9223372036854775807 MINVALUE -9223372036854775808;
CREATE TABLE att.edge_up_t (id bigint DEFAULT nextval('att.edge_up'));
INSERT INTO att.edge_up_t VALUES (9223372036854775806);
CREATE SEQUENCE att.edge_down INCREMENT BY -9223372036854775808 MINVALUE -9223372036854775808
    MAXVALUE 9223372036854775807;
CREATE TABLE att.edge_down_t (id bigint DEFAULT nextval('att.edge_down'));
INSERT INTO att.edge_down_t VALUES (-9223372036854775807);
CREATE SEQUENCE att.nan_seq;
CREATE TABLE att.nan_t (id numeric DEFAULT nextval('att.nan_seq'));
INSERT INTO att.nan_t VALUES ('NaN'), (1e300), (-1e300);

-- Settings evil may not make: the COPY hook setting is for superusers only. (Errors raised by
-- PostgreSQL itself are shown by SQLSTATE alone: their wording varies between versions.)
\set VERBOSITY sqlstate
SET pg_seqsync.resync_after_copy = on;
SELECT set_config('pg_seqsync.resync_after_copy', 'on', false);
ALTER ROLE regress_att_evil SET pg_seqsync.resync_after_copy = on;
\set VERBOSITY terse
SHOW pg_seqsync.resync_after_copy;

-- The extension's internals, called by evil on the victim's objects.
SELECT seqsync_internal._enable_auto_resync(:vic_table);
\echo :SQLSTATE
\set VERBOSITY sqlstate
SELECT seqsync_internal._disable_auto_resync(:vic_table);
SELECT disable_auto_resync('vic.t');
\set VERBOSITY terse
SET client_min_messages = error;  -- the WARNINGs list every ignored reference
SELECT seqsync_internal._auto_resync_after_ddl(:vic_seq);
SELECT seqsync_internal._auto_resync_after_ddl(:vic_table);
SET client_min_messages = warning;
SELECT b -> 'checked' AS checked, b -> 'skipped' AS skipped, b -> 'advanced' AS advanced,
       b -> 'problems' -> 0 ->> 'detail' LIKE 'permission denied for sequence vic.t_id_seq:%'
         AS denied
  FROM seqsync_internal._resync_batch(ARRAY[:vic_seq]::oid[], NULL, false, false, 0) AS b;
SELECT action FROM resync_sequence(:'vic_seq'::regclass);
\echo :SQLSTATE
RESET ROLE;
RESET regress_att.planting;

-- Nothing ran yet, and the victim is untouched.
SELECT count(*) AS planted_runs_so_far FROM public.regress_att_log;
SELECT last_value, is_called FROM vic.t_id_seq;
SELECT tgname FROM pg_trigger WHERE tgrelid = 'vic.t'::regclass ORDER BY 1;
