# Shared by the benchmarks (sourced after sql() is defined): medians, timing a statement in a
# fresh session, and the two passes every contender is compared on.
median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
# One statement in a fresh session, its server-side time (psql's \timing, connection excluded).
timed() { sql -At -c "SET client_min_messages = warning" -c "\\timing on" -c "$1" | awk '/^Time:/ {print $2}'; }

# Drift: every sequence back to its start, as after a data-only restore. Not timed.
DRIFT="DO \$\$ DECLARE s regclass; BEGIN
  FOR s IN SELECT c.oid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE c.relkind = 'S' AND n.nspname = 'bench' LOOP
    PERFORM setval(s, 1, false);
  END LOOP; END \$\$"
# The baseline: one dynamic setval(max) query per sequence found through pg_depend.
BASELINE="DO \$\$ DECLARE r record; BEGIN
  FOR r IN SELECT d.objid::regclass AS seq, d.refobjid::regclass AS tbl, a.attname
             FROM pg_depend d
             JOIN pg_class s ON s.oid = d.objid AND s.relkind = 'S'
             JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
            WHERE d.classid = 'pg_class'::regclass AND d.refclassid = 'pg_class'::regclass
              AND d.deptype IN ('a', 'i') LOOP
    EXECUTE format('SELECT setval(%L, COALESCE(max(%I), 1)) FROM %s', r.seq, r.attname, r.tbl);
  END LOOP; END \$\$"
