-- A view counts as a consumer only when nothing between it and the table hides rows from its
-- owner: otherwise a role could learn, through its own sequence after a superuser's sweep, how
-- far data goes that row-level security or a filtering view keeps from it. Played by an
-- unprivileged role against a victim's table.
\set SHOW_CONTEXT never
CREATE ROLE regress_leak_victim;
CREATE ROLE regress_leak_spy;
CREATE SCHEMA leak_victim AUTHORIZATION regress_leak_victim;
CREATE SCHEMA leak_spy AUTHORIZATION regress_leak_spy;
GRANT USAGE ON SCHEMA leak_victim TO regress_leak_spy;

SET ROLE regress_leak_victim;
CREATE TABLE leak_victim.orders (id bigint NOT NULL, tenant name NOT NULL DEFAULT current_user);
ALTER TABLE leak_victim.orders ENABLE ROW LEVEL SECURITY;
CREATE POLICY own_rows ON leak_victim.orders USING (tenant = current_user);
GRANT SELECT, INSERT ON leak_victim.orders TO regress_leak_spy;
INSERT INTO leak_victim.orders VALUES (900000, 'regress_leak_victim');
-- A security_barrier view the spy may use, over a table without row-level security.
CREATE TABLE leak_victim.notes (id bigint NOT NULL, shared boolean NOT NULL DEFAULT true);
CREATE VIEW leak_victim.shared_notes WITH (security_barrier) AS
    SELECT id, shared FROM leak_victim.notes WHERE shared;
GRANT SELECT, INSERT ON leak_victim.shared_notes TO regress_leak_spy;
INSERT INTO leak_victim.notes VALUES (800000, false);
-- A plain filtering view the spy may use.
CREATE VIEW leak_victim.recent_notes AS SELECT id, shared FROM leak_victim.notes WHERE id < 1000;
GRANT SELECT, INSERT ON leak_victim.recent_notes TO regress_leak_spy;
RESET ROLE;

SET ROLE regress_leak_spy;
CREATE SEQUENCE leak_spy.s1;
CREATE SEQUENCE leak_spy.s2;
CREATE SEQUENCE leak_spy.s3;
CREATE VIEW leak_spy.my_orders AS SELECT id, tenant FROM leak_victim.orders;
ALTER VIEW leak_spy.my_orders ALTER id SET DEFAULT nextval('leak_spy.s1');
INSERT INTO leak_spy.my_orders (tenant) VALUES ('regress_leak_spy');
SELECT max(id) AS what_the_spy_sees FROM leak_victim.orders;
CREATE VIEW leak_spy.my_notes AS SELECT id, shared FROM leak_victim.shared_notes;
ALTER VIEW leak_spy.my_notes ALTER id SET DEFAULT nextval('leak_spy.s2');
INSERT INTO leak_spy.my_notes (shared) VALUES (true);
CREATE VIEW leak_spy.my_recent AS SELECT id, shared FROM leak_victim.recent_notes;
ALTER VIEW leak_spy.my_recent ALTER id SET DEFAULT nextval('leak_spy.s3');
RESET ROLE;

-- The superuser's routine sweep: none of the spy's views counts, each with its reason, and no
-- sequence of the spy's moves past data hidden from it.
SELECT sequence, action, data_bound, new_next, detail
  FROM resync_all_sequences(schemas => '{leak_spy}') ORDER BY 1;
SELECT last_value FROM leak_spy.s1;
SELECT last_value FROM leak_spy.s2;

-- The victim's own view over its own table still counts (its owner bypasses nothing it is
-- subject to: row-level security does not apply to the table's owner).
SET ROLE regress_leak_victim;
CREATE SEQUENCE leak_victim.vs;
CREATE VIEW leak_victim.all_orders AS SELECT id, tenant FROM leak_victim.orders WHERE id > 0;
ALTER VIEW leak_victim.all_orders ALTER id SET DEFAULT nextval('leak_victim.vs');
RESET ROLE;
SELECT sequence, action, data_bound, new_next FROM resync_sequence('leak_victim.vs');

DROP SCHEMA leak_spy CASCADE;
DROP SCHEMA leak_victim CASCADE;
DROP ROLE regress_leak_spy;
DROP ROLE regress_leak_victim;
