-- The README's examples, verbatim: if this file's output changes, the README must too.
\set SHOW_CONTEXT never
CREATE TABLE orders (id serial PRIMARY KEY, item text);
-- A data-only load with explicit ids leaves the sequence behind:
INSERT INTO orders (id, item) SELECT g, 'item ' || g FROM generate_series(1, 1000) AS g;
INSERT INTO orders (item) VALUES ('new');   -- fails: duplicate key
SELECT * FROM resync_sequence('orders');
INSERT INTO orders (item) VALUES ('new') RETURNING id;

-- Once in sync, a second run changes nothing:
SELECT sequence, old_next, new_next, action FROM resync_sequence('orders');

-- Everything in the database, first as a dry run:
CREATE TABLE invoices (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, total numeric);
INSERT INTO invoices OVERRIDING SYSTEM VALUE VALUES (500, 9.99);
SET client_min_messages = notice;
SELECT sequence, data_bound, old_next, new_next, action FROM resync_all_sequences(dry_run => true);
SELECT sequence, data_bound, old_next, new_next, action FROM resync_all_sequences();
RESET client_min_messages;

DROP TABLE orders, invoices;
