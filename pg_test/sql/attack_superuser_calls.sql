-- Attacks by an unprivileged role, part 2 of 5 (after attack_planting, which says what is
-- planted and what must hold): every entry point run by a superuser, with the hostile
-- search_path, over the planted objects; then database-wide mode.
\set VERBOSITY terse
\set SHOW_CONTEXT never
SET client_min_messages = warning;
SELECT 'vic.t_id_seq'::regclass::oid AS vic_seq, 'vic.t'::regclass::oid AS vic_table \gset
CREATE FUNCTION pg_temp.ignored(detail text) RETURNS text[] LANGUAGE sql AS $$
    SELECT array_agg(rtrim(piece, ')') || ')' ORDER BY piece)
      FROM regexp_split_to_table(substring(detail from 'ignored: (.*)$'),
                                 '\), (?=[a-z_]+\.[a-z_0-9]+\.)') AS piece $$;

-- A fresh backend (each part runs in one): nothing about evil's relations is cached yet.
-- The superuser's report rows, kept for the checks below: queried with the hostile search path,
-- which only the extension's calls see.
CREATE TEMP TABLE runs (label text, n serial, sequence regclass, consumers text[],
                        data_bound bigint, new_next bigint, action text, detail text);

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
