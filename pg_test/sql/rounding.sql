-- A column that rounds what nextval() gives it stores values below the ones already handed
-- out, so its MAX cannot bound the sequence: `skip`, with the reason, whether the rounding is
-- the column's type (numeric with a negative scale, PostgreSQL 15 and later) or a cast in its
-- default. Before 15 a negative scale is refused when the table is created (rounding_1.out).
\set SHOW_CONTEXT never
CREATE SEQUENCE rounded_seq;
CREATE TABLE rounded (id numeric(10,-2) DEFAULT nextval('rounded_seq'));
INSERT INTO rounded DEFAULT VALUES;
INSERT INTO rounded DEFAULT VALUES;
SELECT id FROM rounded ORDER BY id;
SELECT consumers, data_bound, new_next, action, detail FROM resync_sequence('rounded_seq');
CREATE SEQUENCE cast_rounded_seq;
CREATE TABLE cast_rounded (id bigint DEFAULT nextval('cast_rounded_seq')::numeric(20,-3)::bigint);
INSERT INTO cast_rounded VALUES (5);
SELECT consumers, data_bound, new_next, action, detail FROM resync_sequence('cast_rounded_seq');
-- A cast through real loses precision too: nextval() inside an expression.
CREATE SEQUENCE float_seq;
CREATE TABLE through_float (id bigint DEFAULT nextval('float_seq')::real::bigint);
SELECT consumers, action, detail FROM resync_sequence('float_seq');
SELECT last_value, is_called FROM rounded_seq;
SET client_min_messages = warning;
DROP TABLE IF EXISTS rounded, cast_rounded, through_float;
DROP SEQUENCE rounded_seq, cast_rounded_seq, float_seq;
RESET client_min_messages;
