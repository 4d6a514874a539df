-- Schedules resync_all_sequences_in_batches with pg_cron: either edition, in the database that
-- cron.database_name names, as the role running this file (a job runs as the role that
-- scheduled it). Running it again with the same job name replaces the job.
--   psql -d app -v job='pg_seqsync nightly' -v schedule='0 3 * * *' \
--        -v edition_schema=public -v schemas='{sales,billing}' -f contrib/pg_cron/schedule.sql
-- edition_schema: where the functions are (the native extension's schema, or the schema the
-- SQL edition's plain file was installed into); schemas: the sequences' schemas to resync.
-- tests/pg_cron.sh runs this file as written, for both editions.
SELECT cron.schedule(:'job', :'schedule',
    pg_catalog.format('CALL %I.resync_all_sequences_in_batches(schemas => %L)', :'edition_schema', :'schemas'))
    AS jobid;
