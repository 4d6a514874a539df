-- Attacks by an unprivileged role, part 4 of 5 (see attack_planting): evil on its own objects,
-- then as a loader with USAGE on the victim's sequence.
\set VERBOSITY terse
\set SHOW_CONTEXT never
SET client_min_messages = warning;
SELECT 'vic.t_id_seq'::regclass::oid AS vic_seq, 'vic.t'::regclass::oid AS vic_table \gset

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
