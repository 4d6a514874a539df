-- Attacks by an unprivileged role. regress_att_evil owns schema att and may create objects only
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
SELECT pg_catalog.pg_postmaster_start_time() AS start_time \gset
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

-- A fresh backend: nothing about evil's relations is cached yet.
\c -
\set VERBOSITY terse
\set SHOW_CONTEXT never
SET client_min_messages = warning;
-- The superuser's report rows, kept for the checks below: queried with the hostile search path,
-- which only the extension's calls see.
CREATE TEMP TABLE runs (label text, n serial, sequence regclass, consumers text[],
                        data_bound bigint, new_next bigint, action text, detail text);
CREATE FUNCTION pg_temp.ignored(detail text) RETURNS text[] LANGUAGE sql AS $$
    SELECT array_agg(rtrim(piece, ')') || ')' ORDER BY piece)
      FROM regexp_split_to_table(substring(detail from 'ignored: (.*)$'),
                                 '\), (?=[a-z_]+\.[a-z_0-9]+\.)') AS piece $$;

SET search_path = att, pg_catalog, public;
INSERT INTO runs (label, sequence, consumers, data_bound, new_next, action, detail)
SELECT 'super: victim table, dry run', sequence, consumers, data_bound, new_next, action, detail
  FROM public.resync_sequence('vic.t', dry_run => true);
INSERT INTO runs (label, sequence, consumers, data_bound, new_next, action, detail)
SELECT 'super: victim sequence, backward', sequence, consumers, data_bound, new_next, action, detail
  FROM public.resync_sequence(:'vic_seq'::regclass, allow_backward => true);
INSERT INTO runs (label, sequence, consumers, data_bound, new_next, action, detail)
SELECT 'super: victim column', sequence, consumers, data_bound, new_next, action, detail
  FROM public.resync_sequence('vic.t', 'id', allow_backward => true, margin => 0);
INSERT INTO runs (label, sequence, consumers, data_bound, new_next, action, detail)
SELECT 'super: ' || t, r.sequence, r.consumers, r.data_bound, r.new_next, r.action, r.detail
  FROM unnest('{att.trap_idx,att.trap_heap,att.trap_num,att.trap_dom,att.trig,att.pexpr,att.pempty,att.pdetached,att.pdetached_1,att.pident,att.ptrig,att.edge_up_t,att.edge_down_t,att.nan_t}'::text[]) AS t,
       LATERAL public.resync_sequence(t::regclass, dry_run => true) AS r;
INSERT INTO runs (label, sequence, consumers, data_bound, new_next, action, detail)
SELECT 'super: ' || s, r.sequence, r.consumers, r.data_bound, r.new_next, r.action, r.detail
  FROM unnest('{att.vseq,att.vseq_agg,att.peek_seq}'::text[]) AS s,
       LATERAL public.resync_sequence(s::regclass, dry_run => true) AS r;
-- The partition detached from an identity column's table no longer draws from anything, and
-- the squatters draw from nothing they may use (55000: no column draws from a sequence).
SELECT action FROM public.resync_sequence('att.pident_1');
\echo :SQLSTATE
SELECT action FROM public.resync_sequence('att.q_big');
\echo :SQLSTATE
SELECT action FROM public.resync_sequence('att.q_part_1');
\echo :SQLSTATE
SELECT action FROM public.resync_sequence('att.q_rls', 'n', dry_run => true);
\echo :SQLSTATE
INSERT INTO runs (label, sequence, consumers, data_bound, new_next, action, detail)
SELECT 'super: empty partitioned, column', sequence, consumers, data_bound, new_next, action, detail
  FROM public.resync_sequence('att.pempty', 'id', allow_backward => true);
INSERT INTO runs (label, sequence, consumers, data_bound, new_next, action, detail)
SELECT 'super: sweep, dry run', sequence, consumers, data_bound, new_next, action, detail
  FROM public.resync_all_sequences(dry_run => true);
INSERT INTO runs (label, sequence, consumers, data_bound, new_next, action, detail)
SELECT 'super: sweep', sequence, consumers, data_bound, new_next, action, detail
  FROM public.resync_all_sequences(schemas => '{att,vic}', exclude_schemas => '{public}');
CREATE TEMP TABLE health AS SELECT * FROM public.sequence_health();
CALL public.resync_all_sequences_in_batches(schemas => '{att,vic}', batch_size => 3,
                                            summary => NULL) \gset
CALL public.resync_all_sequences_in_batches(dry_run => true, batch_size => 2, summary => NULL) \gset
RESET search_path;

SELECT count(*) AS planted_runs_so_far FROM public.regress_att_log;
-- The victim's sequence: only its own rows count; every reference evil planted is ignored.
SELECT label, consumers, data_bound, new_next, action, pg_temp.ignored(detail) AS ignored
  FROM runs WHERE sequence = :'vic_seq'::regclass ORDER BY n;
-- Evil's own sequences: the reads ran none of the planted code. (att.peek_seq, behind the
-- view over the victim's table, is checked further down.)
SELECT label, sequence, consumers, data_bound, new_next, action, detail
  FROM runs WHERE label NOT LIKE 'super: sweep%' AND sequence <> :'vic_seq'::regclass
   AND sequence <> 'att.peek_seq'::regclass ORDER BY n;
-- The sweeps: one row per sequence, each either as above or an error/skip row of its own.
SELECT label, sequence, consumers, data_bound, new_next, action, detail
  FROM runs WHERE label LIKE 'super: sweep%' AND sequence::text LIKE 'att.%'
   AND sequence <> 'att.peek_seq'::regclass ORDER BY label, sequence::text;
SELECT label, count(*) FILTER (WHERE sequence::text ~ '^(att|vic)\.') AS ours,
       count(*) FILTER (WHERE sequence = :'vic_seq'::regclass) AS victim
  FROM runs WHERE label LIKE 'super: sweep%' GROUP BY label ORDER BY label;
SELECT sequence, consumers, data_bound, behind FROM health
 WHERE sequence::text ~ '^(att|vic)\.' AND sequence <> 'att.peek_seq'::regclass
 ORDER BY sequence::text;
SELECT (:'summary'::jsonb - 'elapsed_seconds') ? 'checked' AS batches_summarised;
-- att.v_peek, evil's view over the victim's table (which evil may not read nor write), has a
-- default on evil's att.peek_seq. No INSERT through that view can ever store a value in
-- vic.t, so vic.t.id must not count as a consumer of att.peek_seq: otherwise the superuser's
-- sweep moves evil's sequence past the victim's data, and evil reads MAX(vic.t.id) off its own
-- sequence.
SELECT last_value < 40 AS peek_seq_not_moved_by_victim_data FROM att.peek_seq;
SELECT label, 'vic.t.id' <> ALL (consumers) AS victim_table_not_a_consumer,
       data_bound IS DISTINCT FROM 40 AS victim_data_not_read
  FROM runs WHERE sequence = 'att.peek_seq'::regclass ORDER BY n;
SELECT 'vic.t.id' <> ALL (consumers) AS victim_table_not_a_consumer,
       data_bound IS DISTINCT FROM 40 AS victim_data_not_read
  FROM health WHERE sequence = 'att.peek_seq'::regclass;

-- Evil's table with the evil triggers falls behind again (they keep quiet while evil writes).
SET regress_att.planting = on;
SET ROLE regress_att_evil;
INSERT INTO att.trig VALUES (900, 0);
RESET ROLE;
RESET regress_att.planting;
-- Database-wide mode: triggers land on evil's tables too; DDL by the superuser, evil and the
-- victim runs the event trigger (att.trig's sequence catches up with 900), which runs none of
-- the planted code.
SELECT enable_auto_resync() > 0 AS placed;
SELECT relation, mode, trigger_name, sequences FROM auto_resync_status()
 WHERE relation IS NULL OR relation::text ~ '^(att|vic)\.' ORDER BY relation::text COLLATE "C" NULLS FIRST;
SET search_path = att, pg_catalog, public;
ALTER TABLE att.trig ALTER COLUMN id SET DEFAULT pg_catalog.nextval('att.trig_id_seq');
ALTER TABLE att.trap_idx ALTER COLUMN id SET DEFAULT pg_catalog.nextval('att.trap_idx_id_seq');
ALTER SEQUENCE att.trap_heap_id_seq OWNED BY att.trap_heap.id;
ALTER TABLE att.pexpr ALTER COLUMN id SET DEFAULT pg_catalog.nextval('att.pexpr_id_seq');
CREATE TABLE att.by_super (id serial);
SET ROLE regress_att_evil;
ALTER TABLE att.q_big ALTER COLUMN n SET DEFAULT pg_catalog.nextval(:'vic_seq'::regclass);
ALTER TABLE att.trap_num ALTER COLUMN id SET DEFAULT pg_catalog.nextval('att.num_seq');
CREATE TABLE att.by_evil (id serial, v bigint DEFAULT pg_catalog.nextval(:'vic_seq'::regclass));
INSERT INTO att.by_evil VALUES (2147483000, 2147483000);
RESET ROLE;
SET ROLE regress_att_victim;
ALTER TABLE vic.t ALTER COLUMN id SET DEFAULT pg_catalog.nextval('vic.t_id_seq');
INSERT INTO vic.t VALUES (60, 'loaded in database-wide mode');
INSERT INTO vic.t (note) VALUES ('drawn') RETURNING id;
RESET ROLE;
RESET search_path;
SELECT last_value, is_called FROM att.trig_id_seq;
SELECT last_value, is_called FROM att.by_evil_id_seq;
SELECT disable_auto_resync() > 0 AS removed;
SELECT relation, mode FROM auto_resync_status()
 WHERE relation IS NULL OR relation::text ~ '^(att|vic)\.' ORDER BY relation::text COLLATE "C" NULLS FIRST;
SELECT count(*) AS planted_runs_so_far FROM public.regress_att_log;

-- The victim runs every entry point: evil's objects never block, skip or move its sequence.
SET ROLE regress_att_victim;
SET search_path = att, pg_catalog, public;
CREATE TEMP TABLE victim_runs AS
SELECT 'victim: table' AS label, sequence, consumers, data_bound, new_next, action, detail
  FROM public.resync_sequence('vic.t');
INSERT INTO victim_runs
SELECT 'victim: sequence, backward', sequence, consumers, data_bound, new_next, action, detail
  FROM public.resync_sequence(:'vic_seq'::regclass, allow_backward => true);
INSERT INTO victim_runs
SELECT 'victim: sweep', sequence, consumers, data_bound, new_next, action, detail
  FROM public.resync_all_sequences();
INSERT INTO victim_runs
SELECT 'victim: sweep, dry run', sequence, consumers, data_bound, new_next, action, detail
  FROM public.resync_all_sequences(dry_run => true, margin => 5);
CREATE TEMP TABLE victim_health AS SELECT * FROM public.sequence_health();
CALL public.resync_all_sequences_in_batches(batch_size => 1, summary => NULL) \gset
SELECT public.enable_auto_resync('vic.t') AS placed_again;
INSERT INTO vic.t (note) VALUES ('drawn again');
SELECT public.disable_auto_resync('vic.t') AS removed;
SELECT public.enable_auto_resync('vic.t') AS placed;
CREATE TEMP TABLE victim_status AS SELECT * FROM public.auto_resync_status();
RESET search_path;
RESET ROLE;
SELECT label, consumers, data_bound, new_next, action, pg_temp.ignored(detail) AS ignored
  FROM victim_runs WHERE sequence = :'vic_seq'::regclass ORDER BY label;
-- The victim may not read evil's sequences: skipped, and never an error for the sweep.
SELECT label, action, count(*) FROM victim_runs
 WHERE sequence::text LIKE 'att.%' GROUP BY label, action ORDER BY label, action;
SELECT sequence, consumers, data_bound, behind FROM victim_health
 WHERE sequence = :'vic_seq'::regclass;
SELECT relation, mode FROM victim_status WHERE relation::text LIKE 'vic.%';

-- Evil runs every entry point on its own partitioned tables and edge cases: the session lives.
SET ROLE regress_att_evil;
SELECT sequence, data_bound, new_next, action, detail
  FROM resync_sequence('att.pempty', allow_backward => true);
SELECT sequence, data_bound, new_next, action, detail
  FROM resync_sequence('att.pempty_id_seq', margin => 9223372036854775807);
SELECT sequence, data_bound, new_next, action, detail FROM resync_sequence('att.pdetached');
SELECT sequence, data_bound, new_next, action, detail FROM resync_sequence('att.pident', 'id');
SELECT sequence, data_bound, new_next, action, detail FROM resync_sequence('att.ptrig');
SELECT enable_auto_resync('att.pempty');
\set VERBOSITY sqlstate
INSERT INTO att.pempty VALUES (5, 0);
\set VERBOSITY terse
SELECT enable_auto_resync('att.pdetached');
SELECT enable_auto_resync('att.pident');
SELECT relation, mode FROM auto_resync_status() WHERE relation::text LIKE 'att.%' ORDER BY relation::text;
SELECT disable_auto_resync('att.pempty'), disable_auto_resync('att.pdetached'),
       disable_auto_resync('att.pident');
SELECT sequence, consumers, data_bound, behind
  FROM sequence_health('{att}') WHERE sequence::text ~ '^att\.p(d|e|i|t)' ORDER BY sequence::text;
SELECT action, count(*) FROM resync_all_sequences(schemas => '{att}') GROUP BY 1 ORDER BY 1;
CALL resync_all_sequences_in_batches(schemas => '{att}', batch_size => 4, summary => NULL) \gset
RESET ROLE;

-- Evil becomes a loader: the victim lets it INSERT into vic.t and draw from the sequence
-- (USAGE), as loaders are set up. USAGE is the right to draw values from the sequence, so from
-- now on evil's own tables that draw from it count (SECURITY.md: a role granted USAGE is
-- trusted with the sequence's range): its text column makes the sequence `skip`, reported,
-- never a silent low bound, and no planted code runs. The loader's INSERT itself goes on, with
-- a WARNING from automatic resync (run as the victim, who may not read evil's tables).
SET ROLE regress_att_victim;
GRANT INSERT ON vic.t TO regress_att_evil;
GRANT USAGE ON SEQUENCE vic.t_id_seq TO regress_att_evil;
RESET ROLE;
SET ROLE regress_att_evil;
SET search_path = att, pg_catalog, public;
INSERT INTO vic.t VALUES (70, 'by the loader');
RESET search_path;
RESET ROLE;
SELECT action, detail ~ 'has type text' AS skipped_for_the_text_column
  FROM resync_sequence('vic.t', dry_run => true);
-- Once USAGE is revoked, evil's tables are ignored again, and the victim's own resync puts the
-- sequence just past its rows: the loader's 70 is the largest.
SET ROLE regress_att_victim;
REVOKE INSERT ON vic.t FROM regress_att_evil;
REVOKE USAGE ON SEQUENCE vic.t_id_seq FROM regress_att_evil;
SELECT data_bound = 70 AS bound_is_victim_data, new_next = 71 AS next_is_71, action
  FROM resync_sequence('vic.t');
RESET ROLE;
SELECT count(*) AS planted_runs_so_far FROM public.regress_att_log;

-- DROP EXTENSION removes only what automatic resync placed: evil's own triggers on the
-- extension's function are not silently dropped, so a plain DROP EXTENSION is refused with
-- PostgreSQL's dependency error (never a crash on a partition's trigger clone), and CASCADE
-- removes them, even with the hostile search path (rolled back: the suite goes on with the
-- extension).
BEGIN;
SET LOCAL search_path = att, pg_catalog, public;
SAVEPOINT plain;
DROP EXTENSION pg_seqsync;
\echo :SQLSTATE
ROLLBACK TO plain;
DROP EXTENSION pg_seqsync CASCADE;
SELECT count(*) AS triggers_left FROM pg_catalog.pg_trigger
 WHERE tgname OPERATOR(pg_catalog.=) ANY ('{mine,before_row,constraint_row,instead_row}');
ROLLBACK;
SELECT extversion IS NOT NULL AS still_installed FROM pg_extension WHERE extname = 'pg_seqsync';

-- The verdict. No planted code ran, nobody became a superuser, the victim's sequence is where
-- its own rows put it (70 the largest, 71 the next value), and the server never restarted.
SELECT * FROM public.regress_att_log;
SELECT count(*) AS planted_runs FROM public.regress_att_log;
SELECT rolname, rolsuper FROM pg_roles WHERE rolname LIKE 'regress_att%' ORDER BY 1;
SELECT last_value, is_called FROM vic.t_id_seq;
SELECT max(id) AS victim_max_id FROM vic.t;
SELECT 1 AS alive;
SELECT pg_catalog.pg_postmaster_start_time() = :'start_time'::timestamptz AS same_postmaster;

DROP TABLE victim_runs, victim_health, victim_status;
DROP SCHEMA att, vic CASCADE;
DROP TABLE public.regress_att_log;
ALTER ROLE regress_att_evil RESET ALL;
DROP ROLE regress_att_evil, regress_att_victim;
RESET client_min_messages;
