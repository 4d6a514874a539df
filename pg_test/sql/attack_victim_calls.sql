-- Attacks by an unprivileged role, part 3 of 5 (see attack_planting): the victim runs every
-- entry point.
\set VERBOSITY terse
\set SHOW_CONTEXT never
SET client_min_messages = warning;
SELECT 'vic.t_id_seq'::regclass::oid AS vic_seq, 'vic.t'::regclass::oid AS vic_table \gset
CREATE FUNCTION pg_temp.ignored(detail text) RETURNS text[] LANGUAGE sql AS $$
    SELECT array_agg(rtrim(piece, ')') || ')' ORDER BY piece)
      FROM regexp_split_to_table(substring(detail from 'ignored: (.*)$'),
                                 '\), (?=[a-z_]+\.[a-z_0-9]+\.)') AS piece $$;

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
