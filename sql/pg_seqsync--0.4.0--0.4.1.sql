-- pg_seqsync 0.4.0 -> 0.4.1. Frozen once released: later changes get a script of their own.
\echo Use "ALTER EXTENSION pg_seqsync UPDATE TO '0.4.1'" to load this file. \quit

-- The native edition's SQL surface is unchanged in 0.4.1 (the release changes the SQL edition
-- only: editions/sql, with its own update path from 0.4.0).
