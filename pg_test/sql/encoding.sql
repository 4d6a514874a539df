-- A database whose encoding is not UTF-8: discovery finds a partition's column by the root
-- column's name as stored, so a non-ASCII name (one byte in LATIN1) still reaches every
-- partition, and the bound covers their rows.
\set SHOW_CONTEXT never
CREATE DATABASE seqsync_latin1 ENCODING 'LATIN1' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0;
\c seqsync_latin1
\encoding UTF8
SET client_min_messages = warning;
CREATE EXTENSION pg_seqsync;
SHOW server_encoding;
CREATE TABLE été (numéro serial, v int) PARTITION BY RANGE (numéro);
CREATE TABLE été_bas PARTITION OF été FOR VALUES FROM (1) TO (1000);
CREATE TABLE été_haut PARTITION OF été FOR VALUES FROM (1000) TO (100000);
INSERT INTO été VALUES (5, 0), (5000, 0);
CREATE TABLE hérité (numéro bigserial, v int);
CREATE TABLE enfant () INHERITS (hérité);
INSERT INTO enfant VALUES (700, 0);
SELECT data_bound, old_next, new_next, action
  FROM resync_all_sequences(dry_run => true) ORDER BY data_bound;
SELECT data_bound, new_next, action FROM resync_all_sequences() ORDER BY data_bound;
SELECT last_value FROM "été_numéro_seq";
\c regression
DROP DATABASE seqsync_latin1;

-- Names through every way text crosses between the server and the extension, in LATIN1 and in
-- EUC_JP (pg_test/sql/include/encoding_names.psql, read from the project directory where
-- pg_regress runs, as --inputdir=pg_test is).
CREATE DATABASE seqsync_latin1 ENCODING 'LATIN1' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0;
\c seqsync_latin1
\encoding UTF8
\set sch 'schéma'
\set tab 'été'
\set col 'numéro'
\set vue 'vue_distincte_é'
\set small 'petite_é'
\i pg_test/sql/include/encoding_names.psql
\c regression
DROP DATABASE seqsync_latin1;
CREATE DATABASE seqsync_euc_jp ENCODING 'EUC_JP' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0;
\c seqsync_euc_jp
\encoding UTF8
\set sch '販売'
\set tab '注文'
\set col '番号'
\set vue '重複なし'
\set small '小さい表'
\i pg_test/sql/include/encoding_names.psql
\c regression
DROP DATABASE seqsync_euc_jp;
