-- After a write, the check reads the bound straight from a btree index when the column has a
-- usable one, and through a query otherwise. Both must give the same answer.
\set SHOW_CONTEXT never
CREATE SEQUENCE s_pk;
CREATE SEQUENCE s_desc;
CREATE SEQUENCE s_partial;
CREATE SEQUENCE s_expr;
CREATE SEQUENCE s_none;
CREATE TABLE via_pk (id bigint PRIMARY KEY DEFAULT nextval('s_pk'));
CREATE TABLE via_desc (id int DEFAULT nextval('s_desc'));
CREATE INDEX ON via_desc (id DESC);
CREATE TABLE via_partial (id int DEFAULT nextval('s_partial'));
CREATE INDEX ON via_partial (id) WHERE id < 100;          -- cannot see large ids: not used
CREATE TABLE via_expr (id int DEFAULT nextval('s_expr'));
CREATE INDEX ON via_expr ((id % 10));                     -- not on the column: not used
CREATE TABLE via_none (id int DEFAULT nextval('s_none'));
SELECT count(*) FROM (SELECT enable_auto_resync(t)
                        FROM unnest('{via_pk,via_desc,via_partial,via_expr,via_none}'::regclass[]) AS t) AS e;

-- The sequences are fresh (not yet called): the first write goes through the query.
INSERT INTO via_pk VALUES (500);
INSERT INTO via_desc VALUES (500);
INSERT INTO via_partial VALUES (500);
INSERT INTO via_expr VALUES (500);
INSERT INTO via_none VALUES (500);
SELECT 'after first write' AS step, s.*
  FROM (VALUES ('s_pk', (SELECT last_value FROM s_pk)), ('s_desc', (SELECT last_value FROM s_desc)),
               ('s_partial', (SELECT last_value FROM s_partial)), ('s_expr', (SELECT last_value FROM s_expr)),
               ('s_none', (SELECT last_value FROM s_none))) AS s(seq, last_value);

-- Called since: the indexed tables now take the direct path, with the same results.
SELECT nextval('s_pk'), nextval('s_desc'), nextval('s_partial'), nextval('s_expr'), nextval('s_none');
INSERT INTO via_pk VALUES (900), (700);
INSERT INTO via_desc VALUES (900), (700);
INSERT INTO via_partial VALUES (900), (700);
INSERT INTO via_expr VALUES (900), (700);
INSERT INTO via_none VALUES (900), (700);
SELECT nextval('s_pk') AS pk, nextval('s_desc') AS "desc", nextval('s_partial') AS partial,
       nextval('s_expr') AS expr, nextval('s_none') AS none;

-- A row written earlier in the same transaction counts, and a deleted row does not pull back.
BEGIN;
INSERT INTO via_pk VALUES (5000);
INSERT INTO via_pk DEFAULT VALUES RETURNING id;
DELETE FROM via_pk WHERE id >= 5000;
INSERT INTO via_pk VALUES (1000);
COMMIT;
SELECT nextval('s_pk');

-- NULLs are not values: a NULL id (no NOT NULL here) leaves the bound alone.
INSERT INTO via_desc VALUES (NULL);
SELECT nextval('s_desc');

DROP TABLE via_pk, via_desc, via_partial, via_expr, via_none;
DROP SEQUENCE s_pk, s_desc, s_partial, s_expr, s_none;
