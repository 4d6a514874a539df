-- pg_seqsync, SQL edition: the same functions as the native extension, in SQL and PL/pgSQL, for
-- servers that load no native code of yours (RDS, Aurora, Supabase through pg_tle; Cloud SQL,
-- Azure, Neon as a plain script). README "The SQL edition" lists how it differs.
--
-- Every object lives in @extschema@, every function pins search_path to pg_catalog, pg_temp
-- (operators then resolve in pg_catalog: the temporary schema is never searched for them), and
-- every call of this edition's own functions is qualified with @extschema@ and typed, so a
-- look-alike another role creates in that schema never runs. The procedure, which commits and so
-- cannot pin search_path, qualifies every operator too.
--
-- Queries live in PL/pgSQL functions, not SQL ones: a SQL function with a SET clause is never
-- inlined and is planned again at every call, where PL/pgSQL keeps its plans for the session.
--
-- The data bound is read with a query (there is no direct scan in SQL). A query plans over the
-- table, so a table whose planning or reading would run code another role wrote is never
-- queried: a view, row-level security that applies to the caller, an index expression or
-- predicate or a partition key calling a function or operator outside pg_catalog. Such a
-- sequence is a skip that names the object.

-- A wait limit in milliseconds from `setting` (pg_seqsync.lock_timeout, or
-- pg_seqsync.automatic_lock_timeout for automatic resync; milliseconds, or with a unit), as the
-- native edition reads them; 1 second when unset. Plain milliseconds are read without a
-- subtransaction.
CREATE FUNCTION @extschema@._setting_ms(setting text) RETURNS pg_catalog.int4
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    raw text := pg_catalog.current_setting(setting, true);
BEGIN
    IF raw IS NULL OR pg_catalog.btrim(raw) = '' THEN
        RETURN 1000;
    END IF;
    IF raw ~ '^\s*[0-9]{1,9}\s*$' THEN
        RETURN raw::pg_catalog.int4;
    END IF;
    RETURN @extschema@._parse_wait_limit(raw, setting);
END $$;

-- pg_seqsync.lock_timeout, in milliseconds.
CREATE FUNCTION @extschema@._wait_limit_ms() RETURNS pg_catalog.int4
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT @extschema@._setting_ms('pg_seqsync.lock_timeout'::text)
$$;

CREATE FUNCTION @extschema@._parse_wait_limit(raw text, setting text) RETURNS pg_catalog.int4
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF raw ~ '^\s*[0-9]+\s*$' THEN
        RETURN raw::pg_catalog.int4;
    END IF;
    RETURN (pg_catalog.date_part('epoch', raw::pg_catalog.interval) * 1000)::pg_catalog.int4;
EXCEPTION WHEN invalid_datetime_format OR invalid_text_representation
               OR numeric_value_out_of_range OR datetime_field_overflow THEN
    RAISE EXCEPTION 'invalid value for parameter "%": "%"', setting, raw
        USING ERRCODE = 'invalid_parameter_value',
              HINT = pg_catalog.format('Give milliseconds or a duration with a unit, e.g. SET %s = ''1s''.', setting);
END $$;

-- A query's snapshot is the statement's own only under READ COMMITTED: under REPEATABLE READ or
-- SERIALIZABLE, rows committed after the transaction began are invisible to every query here,
-- and the answer would be stale. The native edition reads around it; this one refuses.
CREATE FUNCTION @extschema@._require_read_committed() RETURNS void
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF pg_catalog.current_setting('transaction_isolation') <> 'read committed' THEN
        RAISE EXCEPTION 'pg_seqsync (SQL edition) needs READ COMMITTED, not %',
                pg_catalog.upper(pg_catalog.current_setting('transaction_isolation'))
            USING ERRCODE = 'feature_not_supported',
                  HINT = 'Call it outside this transaction, or in one that is READ COMMITTED: rows committed after a '
                         'REPEATABLE READ or SERIALIZABLE transaction began would not be seen.';
    END IF;
END $$;

-- How the native edition names a relation kind in its errors.
CREATE FUNCTION @extschema@._kind_name(kind "char") RETURNS pg_catalog.text
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT CASE $1 WHEN 'v' THEN 'a view' WHEN 'm' THEN 'a materialized view' WHEN 'i' THEN 'an index'
                   WHEN 'I' THEN 'an index' WHEN 'f' THEN 'a foreign table' WHEN 't' THEN 'a TOAST table'
                   WHEN 'c' THEN 'a composite type' WHEN 'S' THEN 'a sequence' ELSE 'not a table' END
$$;

-- `relation` and every table it inherits from or is a partition of.
CREATE FUNCTION @extschema@._self_and_ancestors(relation pg_catalog.oid)
RETURNS SETOF pg_catalog.oid LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_column
BEGIN
    RETURN QUERY
        WITH RECURSIVE up(relid) AS (
            SELECT $1
            UNION
            SELECT i.inhparent FROM pg_catalog.pg_inherits AS i JOIN up ON i.inhrelid = up.relid
        )
        SELECT relid FROM up;
END $$;

-- How a column default uses `sequence`, from its deparsed text (pinned search_path, so the
-- sequence is written schema-qualified): plain (nextval, at most cast to an integer or numeric
-- type), rounded (cast to a numeric with fewer digits than it carries), wrapped (nextval inside
-- a larger expression), not_drawing (currval, a regclass constant), too_deep (an expression
-- too large to read).
CREATE FUNCTION @extschema@._default_use(adbin pg_catalog.text, expression pg_catalog.text,
                                         sequence pg_catalog.oid)
RETURNS pg_catalog.text LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    call_text text := 'nextval(' || pg_catalog.quote_literal(sequence::pg_catalog.regclass::pg_catalog.text)
                 || '::regclass)';
    rest text;
    cast_type text;
BEGIN
    IF expression IS NULL THEN
        RETURN NULL;
    END IF;
    IF pg_catalog.length(adbin) - pg_catalog.length(pg_catalog.replace(adbin, '{', '')) > 64 THEN
        RETURN 'too_deep';
    END IF;
    IF pg_catalog.strpos(expression, call_text) = 0 THEN
        RETURN 'not_drawing';
    END IF;
    rest := expression;
    -- Casts around the call: (nextval(...))::type or nextval(...)::type, any number of them.
    LOOP
        IF rest = call_text THEN
            RETURN 'plain';
        END IF;
        IF rest ~ '^\(.*\)::[a-z ]+(\([0-9, -]+\))?$' OR rest ~ '^nextval\(.*\)::[a-z ]+(\([0-9, -]+\))?$' THEN
            cast_type := pg_catalog.substring(rest, '::([a-z ]+(\([0-9, -]+\))?)$');
            IF cast_type !~ '^(bigint|integer|smallint|numeric(\([0-9]+(, *-?[0-9]+)?\))?)$' THEN
                RETURN 'wrapped';
            END IF;
            IF cast_type ~ '^numeric\([0-9]+, *-[0-9]+\)$' THEN
                RETURN 'rounded';
            END IF;
            rest := pg_catalog.left(rest, pg_catalog.length(rest) - pg_catalog.length(cast_type) - 2);
            IF rest ~ '^\(.*\)$' THEN
                rest := pg_catalog.substr(rest, 2, pg_catalog.length(rest) - 2);
            END IF;
        ELSE
            RETURN 'wrapped';
        END IF;
    END LOOP;
END $$;

-- Every reference to `sequences` from a column (OWNED BY or identity, or a default naming the
-- sequence), judged as the native edition judges it: a consumer, or ignored with the reason.
-- One reference to a sequence from a column, judged (`_references`): read once per batch of
-- sequences and handed to the functions that need it.
CREATE TYPE @extschema@._reference AS (
    sequence pg_catalog.oid, relation pg_catalog.oid, attnum pg_catalog.int2,
    attname pg_catalog.name, display pg_catalog.text, type_oid pg_catalog.oid,
    typmod pg_catalog.int4, type_name pg_catalog.text, default_use pg_catalog.text,
    is_consumer pg_catalog.bool,
    -- a consumer not read through an ancestor that draws from the sequence in the same column
    is_root pg_catalog.bool,
    reason pg_catalog.text);
-- Only the edition's own functions use it: no one else may make a column of it (which would
-- keep it, and so the edition, from being removed).
REVOKE USAGE ON TYPE @extschema@._reference FROM PUBLIC;

CREATE FUNCTION @extschema@._references(sequences pg_catalog.oid[])
RETURNS SETOF @extschema@._reference
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_column
BEGIN
    RETURN QUERY
        WITH refs AS (
            SELECT d.objid AS sequence, d.refobjid AS relation, d.refobjsubid::pg_catalog.int2 AS attnum,
                   true AS owned, NULL::pg_catalog.oid AS attrdef
              FROM pg_catalog.pg_depend AS d
             WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass
               AND d.objid = ANY ($1)
               AND d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass
               AND d.refobjsubid > 0
               AND d.deptype IN ('a', 'i')
               -- An index depends on its columns the same way.
               AND EXISTS (SELECT FROM pg_catalog.pg_sequence AS q WHERE q.seqrelid = d.objid)
            UNION ALL
            SELECT d.refobjid, ad.adrelid, ad.adnum, false, ad.oid
              FROM pg_catalog.pg_depend AS d
              JOIN pg_catalog.pg_attrdef AS ad ON ad.oid = d.objid
             WHERE d.classid = 'pg_catalog.pg_attrdef'::pg_catalog.regclass
               AND d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass
               AND d.refobjid = ANY ($1)
               AND d.deptype = 'n'
        ), merged AS (
            SELECT r.sequence, r.relation, r.attnum, pg_catalog.bool_or(r.owned) AS owned,
                   pg_catalog.max(r.attrdef) AS attrdef
              FROM refs AS r GROUP BY r.sequence, r.relation, r.attnum
        ), described AS (
            SELECT m.sequence, m.relation, m.attnum, m.owned, c.relkind, c.relowner,
                   pg_catalog.pg_is_other_temp_schema(c.relnamespace) AS other_temp,
                   a.atttypid, a.atttypmod, a.attname,
                   pg_catalog.format('%I.%I.%I', n.nspname, c.relname, a.attname) AS display,
                   s.relowner AS sequence_owner,
                   -- Defaults are deparsed without their table (relid 0: a default has no column
                   -- reference), which would wait for any lock another session holds on it.
                   CASE WHEN m.attrdef IS NULL THEN NULL
                        -- A generation expression is immutable: it cannot call nextval().
                        WHEN a.attgenerated <> '' THEN 'not_drawing'
                        WHEN pg_catalog.length(ad.adbin::pg_catalog.text)
                             - pg_catalog.length(pg_catalog.replace(ad.adbin::pg_catalog.text, '{', '')) > 64 THEN 'too_deep'
                        -- The usual default, known without reading it further.
                        WHEN pg_catalog.pg_get_expr(ad.adbin, 0)
                             = 'nextval(' || pg_catalog.quote_literal(m.sequence::pg_catalog.regclass::pg_catalog.text) || '::regclass)'
                          THEN 'plain'
                        ELSE @extschema@._default_use(ad.adbin::pg_catalog.text, pg_catalog.pg_get_expr(ad.adbin, 0),
                                                      m.sequence)
                   END AS default_use
              FROM merged AS m
              JOIN pg_catalog.pg_class AS c ON c.oid = m.relation
              JOIN pg_catalog.pg_namespace AS n ON n.oid = c.relnamespace
              JOIN pg_catalog.pg_attribute AS a
                ON a.attrelid = m.relation AND a.attnum = m.attnum AND NOT a.attisdropped
              JOIN pg_catalog.pg_class AS s ON s.oid = m.sequence
              LEFT JOIN pg_catalog.pg_attrdef AS ad ON ad.oid = m.attrdef
        ), judged AS (
            SELECT d.*,
                   d.relowner = d.sequence_owner
                     OR pg_catalog.has_sequence_privilege(d.relowner, d.sequence, 'USAGE, UPDATE')
                     AS owner_may_draw,
                   d.owned OR d.default_use IN ('plain', 'wrapped', 'rounded', 'too_deep') AS draws
              FROM described AS d
        ), final AS (
            SELECT j.sequence, j.relation, j.attnum, j.attname, j.display, j.atttypid, j.atttypmod,
                   NULLIF(j.default_use, 'not_drawing') AS default_use,
                   j.owner_may_draw AND j.draws AND NOT j.other_temp AND j.relkind IN ('r', 'p') AS is_consumer,
                   CASE
                       WHEN NOT j.owner_may_draw THEN 'its owner has no right to draw from the sequence'
                       WHEN NOT j.draws THEN 'its default does not call nextval() on it'
                       WHEN j.other_temp THEN 'another session''s temporary table'
                       WHEN j.relkind = 'v' THEN 'a view: the SQL edition does not follow views to their tables'
                       WHEN j.relkind = 'f' THEN 'a foreign table: its rows are not read'
                       WHEN j.relkind NOT IN ('r', 'p') THEN 'not a table'
                   END AS reason
              FROM judged AS j
        ), counted AS (
            -- How many references of the sequence name the same column (only then can one be read
            -- through another): the costly look below is for those alone.
            SELECT f.*, pg_catalog.count(*) OVER (PARTITION BY f.sequence, f.attname) AS peers
              FROM final AS f
        )
        SELECT f.sequence, f.relation, f.attnum, f.attname, f.display, f.atttypid, f.atttypmod,
               pg_catalog.format_type(f.atttypid, f.atttypmod), f.default_use, f.is_consumer,
               f.is_consumer AND (f.peers = 1 OR NOT EXISTS (
                   SELECT FROM final AS up
                    WHERE up.is_consumer AND up.sequence = f.sequence AND up.relation <> f.relation
                      AND up.attname = f.attname
                      AND up.relation IN (SELECT @extschema@._self_and_ancestors(f.relation)))),
               f.reason
          FROM counted AS f;
END $$;

-- The sequences in scope, as the native edition lists them: by schema and name.
CREATE FUNCTION @extschema@._sequences_in_scope(schemas pg_catalog.text[],
                                                exclude_schemas pg_catalog.text[])
RETURNS pg_catalog.oid[] LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_column
BEGIN
    RETURN (
        SELECT COALESCE(pg_catalog.array_agg(c.oid ORDER BY n.nspname, c.relname), '{}')
          FROM pg_catalog.pg_class AS c
          JOIN pg_catalog.pg_namespace AS n ON n.oid = c.relnamespace
         WHERE c.relkind = 'S'
           AND n.nspname <> 'information_schema' AND n.nspname !~ '^pg_(catalog|toast)'
           AND NOT pg_catalog.pg_is_other_temp_schema(n.oid)
           AND n.nspname !~ '^pg_toast_temp_'
           AND ($1 IS NULL OR n.nspname = ANY ($1))
           AND ($2 IS NULL OR n.nspname <> ALL ($2)));
END $$;

-- Whether code owned by `owner` is the caller's own: the caller is that role, or a member of it
-- (not through being superuser: a superuser is a member of every role, and another role's code
-- must not run as one).
CREATE FUNCTION @extschema@._own_code(owner pg_catalog.oid) RETURNS pg_catalog.bool
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_column
BEGIN
    RETURN (
        SELECT r.oid = $1 OR (NOT r.rolsuper AND pg_catalog.pg_has_role($1, 'USAGE'))
          FROM pg_catalog.pg_roles AS r WHERE r.rolname = current_user);
END $$;

-- Why reading `table` with a query could run code another role wrote or miss rows, or NULL:
-- row-level security that applies to the caller; an expression the planner may evaluate (an
-- index expression or predicate, a partition key, a CHECK constraint, which constraint
-- exclusion folds, an extended statistics expression) that calls a function or an operator
-- outside pg_catalog owned by a role the caller is not a member of, or coerces to a domain
-- (whose checks run).
CREATE FUNCTION @extschema@._query_hazard(relation pg_catalog.oid)
RETURNS pg_catalog.text LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    tree text;
    what text;
    found record;
    trees text[];
    more text[];
    pair pg_catalog.int4;
BEGIN
    IF (SELECT c.relkind FROM pg_catalog.pg_class AS c WHERE c.oid = relation) = 'f' THEN
        RETURN pg_catalog.format('%s is a foreign table, whose rows a query would fetch with its server''s code: '
                                 'the SQL edition does not read them; resync after loading by hand',
                                 relation::pg_catalog.regclass);
    END IF;
    -- Judged a table when its references were read, it may have become a view since (an empty
    -- table can, before 16), whose query would run as the caller.
    IF (SELECT c.relkind FROM pg_catalog.pg_class AS c WHERE c.oid = relation) NOT IN ('r', 'p') THEN
        RETURN pg_catalog.format('%s is no longer a table', relation::pg_catalog.regclass);
    END IF;
    IF pg_catalog.row_security_active(relation) THEN
        RETURN pg_catalog.format('row-level security on %s applies to you, so a query would not see every row; '
                                 'resync as a role it does not apply to (the table''s owner, or one with BYPASSRLS)',
                                 relation::pg_catalog.regclass);
    END IF;
    -- "what" and its expression tree, as pairs in one array.
    trees := ARRAY(
        SELECT x FROM (
            SELECT 'an index of', pg_catalog.concat(i.indexprs::pg_catalog.text, ' ', i.indpred::pg_catalog.text)
              FROM pg_catalog.pg_index AS i
             WHERE i.indrelid = relation AND (i.indexprs IS NOT NULL OR i.indpred IS NOT NULL)
            UNION ALL
            SELECT 'the partition key of', p.partexprs::pg_catalog.text
              FROM pg_catalog.pg_partitioned_table AS p
             WHERE p.partrelid = relation AND p.partexprs IS NOT NULL
            UNION ALL
            SELECT 'a CHECK constraint of', c.conbin::pg_catalog.text
              FROM pg_catalog.pg_constraint AS c
             WHERE c.conrelid = relation AND c.contype = 'c' AND c.conbin IS NOT NULL) AS t(w, e),
        LATERAL (VALUES (t.w), (t.e)) AS v(x));
    -- Expressions in extended statistics exist from PostgreSQL 14.
    IF EXISTS (SELECT FROM pg_catalog.pg_attribute AS a
                WHERE a.attrelid = 'pg_catalog.pg_statistic_ext'::pg_catalog.regclass
                  AND a.attname = 'stxexprs') THEN
        EXECUTE 'SELECT pg_catalog.array_agg(v.x)
                   FROM pg_catalog.pg_statistic_ext AS s,
                        LATERAL (VALUES (''the statistics of''), (s.stxexprs::pg_catalog.text)) AS v(x)
                  WHERE s.stxrelid OPERATOR(pg_catalog.=) $1 AND s.stxexprs IS NOT NULL'
           INTO more USING relation;
        trees := trees || COALESCE(more, '{}');
    END IF;
    FOR pair IN 1 .. COALESCE(pg_catalog.array_length(trees, 1), 0) / 2
    LOOP
        what := trees[2 * pair - 1];
        tree := trees[2 * pair];
        IF pg_catalog.strpos(tree, '{COERCETODOMAIN') > 0 THEN
            RETURN pg_catalog.format('%s %s coerces to a domain, whose checks planning a query over it may '
                                     'run: the SQL edition runs no code of another role''s',
                                     what, relation::pg_catalog.regclass);
        END IF;
        SELECT f.oid::pg_catalog.regprocedure AS name INTO found
          FROM pg_catalog.regexp_matches(tree, ':(?:funcid|opfuncid) ([0-9]+)', 'g') AS m
          JOIN pg_catalog.pg_proc AS f ON f.oid = m[1]::pg_catalog.oid
         WHERE f.pronamespace <> 'pg_catalog'::pg_catalog.regnamespace
           AND NOT @extschema@._own_code(f.proowner)
         LIMIT 1;
        IF found IS NOT NULL THEN
            RETURN pg_catalog.format('%s %s calls %s, another role''s function, which planning a query '
                                     'over it may run: the SQL edition runs no code of another role''s',
                                     what, relation::pg_catalog.regclass, found.name);
        END IF;
        SELECT o.oid::pg_catalog.regoperator AS name INTO found
          FROM (SELECT pg_catalog.regexp_split_to_table(pg_catalog.btrim(x[1]), ' +') AS id
                  FROM pg_catalog.regexp_matches(tree, ':opnos? \(?o?((?: ?[0-9]+)+)', 'g') AS x) AS m
          JOIN pg_catalog.pg_operator AS o ON o.oid = m.id::pg_catalog.oid
          JOIN pg_catalog.pg_proc AS f ON f.oid = o.oprcode
         WHERE f.pronamespace <> 'pg_catalog'::pg_catalog.regnamespace
           AND NOT @extschema@._own_code(f.proowner)
         LIMIT 1;
        IF found IS NOT NULL THEN
            RETURN pg_catalog.format('%s %s uses operator %s, another role''s, which planning a query '
                                     'over it may run: the SQL edition runs no code of another role''s',
                                     what, relation::pg_catalog.regclass, found.name);
        END IF;
    END LOOP;
    RETURN NULL;
END $$;

-- Reading a bound safely, in three locks, all taken inside a block that is rolled back once the
-- bound is read (its value kept in a variable), so that none outlives the read:
--   1. SHARE UPDATE EXCLUSIVE on every table the query reads, waited for at most lock_timeout:
--      until the block ends nobody can add an index, a constraint, statistics, a policy, a
--      partition or a child to them, so what _plain_tables and _query_hazard found stays true
--      while the query plans (planning evaluates index expressions and predicates). It needs
--      UPDATE, DELETE or TRUNCATE on the table (or MAINTAIN, from 17).
--   2. SHARE, which no writer holds: a transaction writing rows is waited for (polling, never
--      queued, so writers are not held up behind the wait), since a query cannot see its rows;
--      while the block lasts, no new writer starts.
--   3. the query's own ACCESS SHARE.

-- `ONLY schema.table, ...` for those of `tables` that still exist, or NULL.
CREATE FUNCTION @extschema@._lock_targets(tables pg_catalog.oid[])
RETURNS text LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_column
BEGIN
    RETURN (
        SELECT pg_catalog.string_agg(pg_catalog.format('ONLY %I.%I', n.nspname, c.relname), ', ' ORDER BY c.oid)
          FROM pg_catalog.pg_class AS c JOIN pg_catalog.pg_namespace AS n ON n.oid = c.relnamespace
         WHERE c.oid = ANY ($1));
END $$;

-- `roots` and every table that inherits from or is a partition of one of them.
CREATE FUNCTION @extschema@._tables_below(roots pg_catalog.oid[])
RETURNS pg_catalog.oid[] LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_column
BEGIN
    RETURN (
        WITH RECURSIVE down(relid) AS (
            SELECT r FROM pg_catalog.unnest($1) AS r
            UNION
            SELECT i.inhrelid FROM pg_catalog.pg_inherits AS i JOIN down ON i.inhparent = down.relid
        )
        SELECT COALESCE(pg_catalog.array_agg(relid), '{}') FROM down);
END $$;

-- Lock 1 on `roots`, then on what lies below them (found under the locks on the tables above,
-- so that no child is added meanwhile); every table the query reads. LOCK TABLE takes a name,
-- so each table is first pinned by OID (pg_relation_size takes ACCESS SHARE on it), which no
-- rename passes: the name then locks that table and no look-alike. With `nowait`, in one
-- statement, not waited for (any failure is the caller's to handle); else one table at a
-- time, all of them waited for until `deadline` at most, a missing privilege named.
CREATE FUNCTION @extschema@._keep_ddl_out(roots pg_catalog.oid[], nowait pg_catalog.bool,
                                           deadline pg_catalog.timestamptz, wait_ms pg_catalog.int4,
                                           setting text)
RETURNS pg_catalog.oid[] LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    locked pg_catalog.oid[] := '{}';
    pending pg_catalog.oid[] := roots;
    targets text;
    t pg_catalog.oid;
    left_ms pg_catalog.int8;
    saved_timeout text := pg_catalog.current_setting('lock_timeout');
BEGIN
    WHILE pg_catalog.cardinality(pending) > 0 LOOP
        IF nowait THEN
            PERFORM pg_catalog.set_config('lock_timeout', '1ms', true);  -- (all but) not waited for
            PERFORM pg_catalog.pg_relation_size(p) FROM pg_catalog.unnest(pending) AS p;
            PERFORM pg_catalog.set_config('lock_timeout', saved_timeout, true);
            targets := @extschema@._lock_targets(pending);
            IF targets IS NOT NULL THEN
                EXECUTE 'LOCK TABLE ' || targets || ' IN SHARE UPDATE EXCLUSIVE MODE NOWAIT';
            END IF;
        ELSE
            FOREACH t IN ARRAY pending LOOP
                targets := @extschema@._lock_targets(ARRAY[t]);
                CONTINUE WHEN targets IS NULL;  -- dropped meanwhile: its query will say so
                left_ms := pg_catalog.ceil(pg_catalog.date_part('epoch', deadline - pg_catalog.clock_timestamp()) * 1000);
                BEGIN
                    IF left_ms < 1 THEN
                        RAISE EXCEPTION USING ERRCODE = 'lock_not_available';
                    END IF;
                    PERFORM pg_catalog.set_config('lock_timeout', left_ms::pg_catalog.text || 'ms', true);
                    PERFORM pg_catalog.pg_relation_size(t);
                    targets := @extschema@._lock_targets(ARRAY[t]);  -- its name, now that it is pinned
                    IF targets IS NOT NULL THEN
                        EXECUTE 'LOCK TABLE ' || targets || ' IN SHARE UPDATE EXCLUSIVE MODE';
                    END IF;
                    PERFORM pg_catalog.set_config('lock_timeout', saved_timeout, true);
                EXCEPTION
                    WHEN insufficient_privilege THEN
                        RAISE EXCEPTION 'reading % needs UPDATE, DELETE or TRUNCATE on it in the SQL edition', t::pg_catalog.regclass
                            USING ERRCODE = 'insufficient_privilege',
                                  HINT = 'While it reads a table, the SQL edition keeps others'' DDL out with LOCK TABLE ... IN SHARE UPDATE EXCLUSIVE MODE (MAINTAIN also allows it, from 17); resync as the table''s owner.';
                    WHEN lock_not_available THEN
                        RAISE EXCEPTION 'lock not available: % is in use by another transaction (waited % ms, %)',
                                t::pg_catalog.regclass, wait_ms, setting
                            USING ERRCODE = 'lock_not_available';
                END;
            END LOOP;
        END IF;
        locked := locked || pending;
        pending := ARRAY(SELECT b FROM pg_catalog.unnest(@extschema@._tables_below(locked)) AS b WHERE b <> ALL (locked));
    END LOOP;
    RETURN locked;
END $$;

-- Of `tables`, those with automatic resync on (either trigger of it, enabled).
CREATE FUNCTION @extschema@._watched_tables(tables pg_catalog.oid[])
RETURNS pg_catalog.oid[] LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_column
BEGIN
    RETURN (
        SELECT COALESCE(pg_catalog.array_agg(DISTINCT g.tgrelid), '{}')
          FROM pg_catalog.pg_trigger AS g
         WHERE g.tgrelid = ANY ($1)
           AND g.tgname IN ('pg_seqsync_auto_resync', 'pg_seqsync_auto_resync_db')
           -- (by name: the trigger function is created further down)
           AND g.tgfoid = pg_catalog.to_regprocedure('@extschema@._auto_resync_trigger()')
           AND g.tgenabled <> 'D');
END $$;

-- Lock 2 on `relation`: polling until `deadline` while another transaction that may have written
-- rows into it holds a lock that writing takes: one with a transaction id (writing assigns one,
-- whoever's rights it writes with: a SECURITY DEFINER function, a column privilege, SET ROLE),
-- or a prepared transaction. A session that holds such a lock but has written nothing yet (as
-- PREPARE of an INSERT does, without any privilege) has no rows to wait for: the table is then
-- read without the lock. Raises 55P03 naming the table past the deadline.
CREATE FUNCTION @extschema@._keep_writers_out(relation pg_catalog.oid, deadline pg_catalog.timestamptz,
                                              wait_ms pg_catalog.int4, setting text)
RETURNS void LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    here pg_catalog.oid := (SELECT d.oid FROM pg_catalog.pg_database AS d
                             WHERE d.datname = pg_catalog.current_database());
    target text := @extschema@._lock_targets(ARRAY[relation]);
BEGIN
    IF target IS NULL THEN
        RETURN;  -- dropped meanwhile: its query will say so
    END IF;
    LOOP
        BEGIN
            EXECUTE 'LOCK TABLE ' || target || ' IN SHARE MODE NOWAIT';
            RETURN;
        EXCEPTION WHEN lock_not_available THEN
            NULL;
        END;
        -- (A transaction with an id holds the lock on it: pg_locks shows it to every role.)
        IF NOT EXISTS (
            SELECT FROM pg_catalog.pg_locks AS l
             WHERE l.locktype = 'relation' AND l.database = here AND l.relation = $1 AND l.granted
               AND l.pid IS DISTINCT FROM pg_catalog.pg_backend_pid()
               AND l.mode IN ('RowExclusiveLock', 'ShareRowExclusiveLock', 'ExclusiveLock', 'AccessExclusiveLock')
               AND (l.pid IS NULL
                    OR EXISTS (SELECT FROM pg_catalog.pg_locks AS x
                                WHERE x.locktype = 'transactionid' AND x.pid = l.pid
                                  AND x.mode = 'ExclusiveLock' AND x.granted))) THEN
            RETURN;
        END IF;
        IF pg_catalog.clock_timestamp() >= deadline THEN
            RAISE EXCEPTION 'lock not available: % is in use by another transaction (waited % ms, %)',
                    relation::pg_catalog.regclass, wait_ms, setting
                USING ERRCODE = 'lock_not_available';
        END IF;
        PERFORM pg_catalog.pg_sleep(0.005);
    END LOOP;
END $$;

-- Of `tables`, those a query can read without any check of _query_hazard: no row-level
-- security, no index expression or predicate, no partition key expression, no CHECK constraint,
-- no extended statistics; plain or partitioned tables. One catalog query for many tables.
CREATE FUNCTION @extschema@._plain_tables(tables pg_catalog.oid[])
RETURNS pg_catalog.oid[] LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_column
BEGIN
    RETURN (
        SELECT COALESCE(pg_catalog.array_agg(c.oid), '{}')
          FROM pg_catalog.pg_class AS c
         WHERE c.oid = ANY ($1)
           AND c.relkind IN ('r', 'p')
           AND NOT c.relrowsecurity
           AND NOT EXISTS (SELECT FROM pg_catalog.pg_index AS i
                            WHERE i.indrelid = c.oid AND (i.indexprs IS NOT NULL OR i.indpred IS NOT NULL))
           AND NOT EXISTS (SELECT FROM pg_catalog.pg_partitioned_table AS p
                            WHERE p.partrelid = c.oid AND p.partexprs IS NOT NULL)
           AND NOT EXISTS (SELECT FROM pg_catalog.pg_constraint AS k
                            WHERE k.conrelid = c.oid AND k.contype = 'c')
           AND NOT EXISTS (SELECT FROM pg_catalog.pg_statistic_ext AS x WHERE x.stxrelid = c.oid));
END $$;

-- Why rows of column `attname` of `relation` that the caller's own transaction removed could
-- come back on rollback, or NULL: it holds ACCESS EXCLUSIVE on it (`rewritten`: TRUNCATE, a
-- rewrite), or it wrote there (`written`: ROW EXCLUSIVE, still held) and the backend's pending
-- statistics count deletes or updates (they may include an earlier transaction's not yet
-- reported: then it is a skip too many, never one too few). A query sees none of those rows.
CREATE FUNCTION @extschema@._own_changes(relation pg_catalog.oid, attname pg_catalog.name,
                                         rewritten pg_catalog.oid[], written pg_catalog.oid[])
RETURNS pg_catalog.text LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_column
BEGIN
    RETURN (
        SELECT CASE
            WHEN $1 = ANY ($3) THEN
                pg_catalog.format('%s.%I was truncated or rewritten in this transaction, and its rows from before then '
                                  'come back if it rolls back: resync after it ends', $1::pg_catalog.regclass, $2)
            WHEN $1 = ANY ($4)
                 AND pg_catalog.pg_stat_get_xact_tuples_deleted($1) + pg_catalog.pg_stat_get_xact_tuples_updated($1) > 0 THEN
                pg_catalog.format('rows of %s.%I were deleted or updated in this transaction, and they come back if it '
                                  'rolls back: resync after it ends', $1::pg_catalog.regclass, $2)
        END);
END $$;

-- Citus (where it is installed): the tables whose rows it holds in shards, read through it.
-- Citus gives each node group its own range of a bigint sequence (group g from (g << 48) + 1;
-- the coordinator, group 0, below group 1's), so only the rows in this node's range bound this
-- node's sequence; a narrower sequence only the coordinator draws from.

-- The tables Citus holds in shards (distributed, reference, single-shard): none without Citus.
CREATE FUNCTION @extschema@._citus_tables()
RETURNS pg_catalog.oid[] LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    held pg_catalog.oid[];
BEGIN
    IF pg_catalog.to_regclass('pg_catalog.pg_dist_partition') IS NULL THEN
        RETURN '{}';
    END IF;
    EXECUTE 'SELECT pg_catalog.array_agg(p.logicalrelid::pg_catalog.oid) FROM pg_catalog.pg_dist_partition AS p'
       INTO held;
    RETURN COALESCE(held, '{}');
END $$;

-- The values of sequence `seq` this node draws, when `relation` is a table Citus holds: `held`,
-- and `low`/`high` (NULL for no limit); `reason` when this node draws none of them.
CREATE FUNCTION @extschema@._citus_range(seq pg_catalog.oid, relation pg_catalog.oid,
                                         OUT held pg_catalog.bool, OUT low pg_catalog.int8,
                                         OUT high pg_catalog.int8, OUT reason text)
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    node_group pg_catalog.int4;
BEGIN
    held := relation = ANY (@extschema@._citus_tables());
    IF NOT held THEN
        RETURN;
    END IF;
    -- The query runs on the nodes that hold the shards, which are the owner's to change there
    -- (citus.enable_manual_changes_to_shards is anyone's setting): only the owner runs it.
    IF (SELECT c.relowner FROM pg_catalog.pg_class AS c WHERE c.oid = relation)
       <> (SELECT r.oid FROM pg_catalog.pg_roles AS r WHERE r.rolname = current_user) THEN
        reason := pg_catalog.format('the SQL edition reads %s, a table Citus holds in shards, only as its owner: '
                                    'a query over its shards runs the code its owner may put there as the caller; '
                                    'resync as %I', relation::pg_catalog.regclass,
                                    (SELECT pg_catalog.pg_get_userbyid(c.relowner) FROM pg_catalog.pg_class AS c
                                      WHERE c.oid = relation));
        RETURN;
    END IF;
    EXECUTE 'SELECT pg_catalog.min(g.groupid) FROM pg_catalog.pg_dist_local_group AS g' INTO node_group;
    IF node_group IS NULL THEN
        reason := 'this node''s Citus group cannot be read from pg_catalog.pg_dist_local_group, so which of the '
                  'sequence''s values this node draws is not known';
    ELSIF (SELECT q.seqtypid FROM pg_catalog.pg_sequence AS q WHERE q.seqrelid = seq) = 'pg_catalog.int8'::pg_catalog.regtype THEN
        IF node_group = 0 THEN
            high := 281474976710656;  -- 2^48: group 1 starts above it
        ELSE
            low := (node_group::pg_catalog.int8 << 48) + 1;
            high := (node_group::pg_catalog.int8 + 1) << 48;
        END IF;
    ELSIF node_group <> 0 THEN
        reason := 'Citus lets only the coordinator draw from a sequence narrower than bigint (nextval() fails '
                  'on the other nodes), so it is resynced there, not on this node';
    END IF;
END $$;

-- MAX (MIN when descending) of the consumer columns of sequence `seq`, rounded to a whole number on
-- the safe side; NULL when they hold no value. Raises 55P03 when a lock is not had in time,
-- 42501 when the caller may not take one, and 0A000 (naming the object) when reading a table
-- would run another role's code, or would rest on rows this transaction changed (unless
-- `own_changes_matter` is false: automatic resync). Rows being written into a table of
-- `watched` are left to that writer's trigger.
CREATE FUNCTION @extschema@._data_bound(seq pg_catalog.oid, descending pg_catalog.bool,
                                         refs @extschema@._reference[], rewritten pg_catalog.oid[],
                                         written pg_catalog.oid[], watched pg_catalog.oid[],
                                         own_changes_matter pg_catalog.bool, wait_ms pg_catalog.int4,
                                         wait_setting text)
RETURNS pg_catalog.int8 LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp
SET row_security = off AS $$
DECLARE
    consumer record;
    tables pg_catalog.oid[];
    t pg_catalog.oid;
    hazard text;
    value pg_catalog.numeric;
    best pg_catalog.numeric;
    citus record;
    deadline pg_catalog.timestamptz := pg_catalog.clock_timestamp()
                                       + pg_catalog.make_interval(secs => wait_ms / 1000.0);
BEGIN
    FOR consumer IN
        SELECT r.relation, r.attnum, r.attname, r.display FROM pg_catalog.unnest(refs) AS r
         WHERE r.sequence = seq AND r.is_root
    LOOP
        citus := @extschema@._citus_range(seq, consumer.relation);
        IF citus.reason IS NOT NULL THEN
            RAISE EXCEPTION '%', citus.reason USING ERRCODE = 'feature_not_supported';
        END IF;
        BEGIN
            IF citus.held THEN
                -- Bounds the lock waits on the other nodes too: Citus sends a SET LOCAL on to
                -- them (the block's rollback takes it back everywhere).
                EXECUTE 'SET LOCAL citus.propagate_set_commands = local';
                EXECUTE pg_catalog.format('SET LOCAL lock_timeout = %s', GREATEST(wait_ms, 1));
            END IF;
            tables := @extschema@._keep_ddl_out(ARRAY[consumer.relation], false, deadline, wait_ms, wait_setting);
            FOREACH t IN ARRAY tables LOOP
                hazard := @extschema@._query_hazard(t);
                -- An answer must not rest on rows a rollback brings back (automatic resync only
                -- moves forward, which a rollback never makes wrong: it goes on).
                IF hazard IS NULL AND own_changes_matter THEN
                    hazard := @extschema@._own_changes(t, consumer.attname, rewritten, written);
                END IF;
                IF hazard IS NOT NULL THEN
                    RAISE EXCEPTION '%', hazard USING ERRCODE = 'feature_not_supported';
                END IF;
            END LOOP;
            FOREACH t IN ARRAY tables LOOP
                IF t <> ALL (watched) THEN
                    PERFORM @extschema@._keep_writers_out(t, deadline, wait_ms, wait_setting);
                END IF;
            END LOOP;
            -- In a table Citus holds, only the rows in this node's range of the sequence.
            EXECUTE pg_catalog.format('SELECT pg_catalog.%s(%I)::pg_catalog.numeric FROM %s%s',
                                      CASE WHEN descending THEN 'min' ELSE 'max' END,
                                      consumer.attname, consumer.relation::pg_catalog.regclass,
                                      CASE WHEN citus.held THEN pg_catalog.format(
                                          ' WHERE %1$I OPERATOR(pg_catalog.>=) COALESCE($1, %2$s)'
                                          ' AND %1$I OPERATOR(pg_catalog.<=) COALESCE($2, %3$s)',
                                          consumer.attname, '(-9223372036854775807 - 1)', '9223372036854775807')
                                      ELSE '' END)
               INTO value USING citus.low, citus.high;
            RAISE EXCEPTION USING ERRCODE = 'PSQ01';  -- read: release the locks
        EXCEPTION WHEN SQLSTATE 'PSQ01' THEN
            NULL;
        END;
        IF value IS NOT NULL THEN
            value := CASE WHEN descending THEN pg_catalog.floor(value) ELSE pg_catalog.ceil(value) END;
            IF value > 9223372036854775807 OR value < -9223372036854775808 THEN
                RAISE EXCEPTION 'the data in % holds %, which no bigint sequence can follow', consumer.display, value
                    USING ERRCODE = 'numeric_value_out_of_range';
            END IF;
            best := CASE
                WHEN best IS NULL THEN value
                WHEN descending THEN LEAST(best, value)
                ELSE GREATEST(best, value)
            END;
        END IF;
    END LOOP;
    RETURN best::pg_catalog.int8;
END $$;

-- Where sequence `seq` stands, read in a block rolled back after, which releases the read's
-- lock at once (nextval()'s and setval()'s own lock on a sequence lasts until the transaction
-- ends, whatever block took it: a sweep would pile one up for every sequence).
CREATE FUNCTION @extschema@._position(seq pg_catalog.oid, OUT last_value pg_catalog.int8, OUT is_called pg_catalog.bool)
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    BEGIN
        EXECUTE pg_catalog.format('SELECT last_value, is_called FROM %s', seq::pg_catalog.regclass)
           INTO last_value, is_called;
        RAISE EXCEPTION USING ERRCODE = 'PSQ01';
    EXCEPTION WHEN SQLSTATE 'PSQ01' THEN
        NULL;
    END;
END $$;

-- The native edition's decision for a sequence at (`last_value`, `is_called`) whose data
-- reaches `bound` (NULL: no rows): its next value now and after, the action and why.
CREATE FUNCTION @extschema@._decide(bound pg_catalog.int8, last_value pg_catalog.int8, is_called pg_catalog.bool,
                                    increment pg_catalog.int8, min_value pg_catalog.int8,
                                    max_value pg_catalog.int8, start_value pg_catalog.int8,
                                    margin pg_catalog.int8, allow_backward pg_catalog.bool,
                                    OUT old_next pg_catalog.int8, OUT new_next pg_catalog.int8,
                                    OUT action text, OUT detail text)
LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    step pg_catalog.int8 := pg_catalog.sign(increment::pg_catalog.numeric)::pg_catalog.int8;
    target pg_catalog.numeric := COALESCE(bound::pg_catalog.numeric + increment, start_value) + step * margin;
    ahead pg_catalog.numeric;
BEGIN
    old_next := CASE
        WHEN NOT is_called THEN last_value
        WHEN last_value::pg_catalog.numeric + increment BETWEEN min_value AND max_value THEN last_value + increment
    END;
    IF old_next IS NOT NULL THEN
        ahead := (old_next - target) * step;
        IF ahead = 0 OR (ahead > 0 AND NOT allow_backward) THEN
            new_next := old_next;
            action := 'none';
            IF ahead > 0 THEN
                detail := pg_catalog.format('sequence is ahead of its data by %s (next value %s, target %s)',
                                            ahead, old_next, target);
            END IF;
            RETURN;
        END IF;
    END IF;
    IF target > max_value OR target < min_value THEN
        action := 'error';
        detail := pg_catalog.format('%s, %s the sequence''s %s %s',
            CASE WHEN bound IS NULL THEN pg_catalog.format('empty data needs next value %s', target)
                 ELSE pg_catalog.format('data bound %s needs next value %s', bound, target) END,
            CASE WHEN target > max_value THEN 'above' ELSE 'below' END,
            CASE WHEN target > max_value THEN 'MAXVALUE' ELSE 'MINVALUE' END,
            CASE WHEN target > max_value THEN max_value ELSE min_value END);
        RETURN;
    END IF;
    IF old_next IS NULL THEN
        detail := pg_catalog.format('sequence is exhausted (last value %s is at its %s)', last_value,
                                    CASE WHEN increment > 0 THEN 'MAXVALUE' ELSE 'MINVALUE' END);
        IF allow_backward THEN
            action := 'lower';
            new_next := target;
        ELSE
            action := 'none';
        END IF;
        RETURN;
    END IF;
    new_next := target;
    IF ahead < 0 THEN
        action := 'advance';
    ELSE
        action := 'lower';
        detail := pg_catalog.format('back by %s from next value %s (allow_backward)', ahead, old_next);
    END IF;
END $$;

-- The statement that locks sequence `seq` against nextval() and setval() and changes nothing:
-- ALTER SEQUENCE (LOCK TABLE takes no sequence) with OWNED BY as it is, which takes SHARE ROW
-- EXCLUSIVE (readers of the sequence, pg_dump among them, do not hold it up) and gives it no
-- new storage (that would undo the setval with the block it is taken in); an identity
-- sequence refuses OWNED BY, so its own owner is set again with OWNER TO, which takes ACCESS
-- EXCLUSIVE. Both need to own the sequence.
CREATE FUNCTION @extschema@._lock_statement(seq pg_catalog.oid) RETURNS text
-- (PL/pgSQL, not SQL: its query is planned once per session, not once per call)
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    owner_link record;
BEGIN
    SELECT d.deptype, n.nspname, t.relname, a.attname
      INTO owner_link
      FROM pg_catalog.pg_depend AS d
      JOIN pg_catalog.pg_class AS t ON t.oid = d.refobjid
      JOIN pg_catalog.pg_namespace AS n ON n.oid = t.relnamespace
      JOIN pg_catalog.pg_attribute AS a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
     WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.objid = seq
       AND d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.refobjsubid > 0
       AND d.deptype IN ('a', 'i')
     LIMIT 1;
    IF owner_link.deptype = 'i' THEN
        RETURN pg_catalog.format('ALTER SEQUENCE %s OWNER TO %I', seq::pg_catalog.regclass,
                                 (SELECT pg_catalog.pg_get_userbyid(c.relowner) FROM pg_catalog.pg_class AS c
                                   WHERE c.oid = seq));
    ELSIF owner_link.deptype = 'a' THEN
        RETURN pg_catalog.format('ALTER SEQUENCE %s OWNED BY %I.%I.%I', seq::pg_catalog.regclass,
                                 owner_link.nspname, owner_link.relname, owner_link.attname);
    END IF;
    RETURN pg_catalog.format('ALTER SEQUENCE %s OWNED BY NONE', seq::pg_catalog.regclass);
END $$;

-- Decides again under a lock that nextval() and setval() conflict with (_lock_statement), and
-- moves the sequence: no value is handed out between the read below and the setval. The lock
-- is taken in a block rolled back after the setval (which stays, as setval() always does), so
-- it is held no longer than the move, and waited for at most lock_timeout (_resync sets it).
CREATE FUNCTION @extschema@._move(seq pg_catalog.oid, owner pg_catalog.oid, bound pg_catalog.int8,
                                  increment pg_catalog.int8, min_value pg_catalog.int8,
                                  max_value pg_catalog.int8, start_value pg_catalog.int8,
                                  margin pg_catalog.int8, allow_backward pg_catalog.bool,
                                  OUT old_next pg_catalog.int8, OUT new_next pg_catalog.int8,
                                  OUT action text, OUT detail text)
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    state record;
BEGIN
    IF NOT pg_catalog.pg_has_role(owner, 'USAGE') THEN
        RAISE EXCEPTION 'moving sequence % needs to be its owner in the SQL edition', seq::pg_catalog.regclass
            USING ERRCODE = 'insufficient_privilege',
                  HINT = 'Resync as the sequence''s owner (a member of its role), or call with dry_run => true.';
    END IF;
    BEGIN
        -- Database-wide mode's event trigger passes over this DDL of ours.
        PERFORM pg_catalog.set_config('pg_seqsync.locking_sequence', 'on', true);
        -- Citus refuses ALTER SEQUENCE on a sequence its tables use unless the statement stays on
        -- this node, which is all a lock needs (the block's rollback restores the setting).
        IF pg_catalog.current_setting('citus.enable_ddl_propagation', true) IS NOT NULL THEN
            PERFORM pg_catalog.set_config('citus.enable_ddl_propagation', 'off', true);
        END IF;
        EXECUTE @extschema@._lock_statement(seq);
        EXECUTE pg_catalog.format('SELECT last_value, is_called FROM %s', seq::pg_catalog.regclass) INTO state;
        SELECT * INTO old_next, new_next, action, detail
          FROM @extschema@._decide(bound, state.last_value, state.is_called, increment, min_value, max_value,
                                   start_value, margin, allow_backward);
        IF action IN ('advance', 'lower') THEN
            PERFORM pg_catalog.setval(seq, new_next, false);
        END IF;
        RAISE EXCEPTION USING ERRCODE = 'PSQ01';  -- moved: release the lock
    EXCEPTION WHEN SQLSTATE 'PSQ01' THEN
        NULL;
    END;
END $$;

-- A sequence's failure as its report row: what the caller can act on (a lock held past the
-- limit, a privilege, an object the edition does not read) is a skip; the rest an error.
CREATE FUNCTION @extschema@._failure(err_code text, err_text text, OUT action text, OUT detail text)
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT CASE WHEN $1 IN ('55P03', '42501', '0A000') THEN 'skip' ELSE 'error' END,
           CASE WHEN $1 IN ('55P03', '42501', '0A000') OR ($1 = '22003' AND $2 LIKE 'the data in % holds %') THEN $2
                ELSE pg_catalog.format('%s (SQLSTATE %s)', $2, $1) END
$$;

-- A sequence's options and owner, as the decision and the move need them.
CREATE TYPE @extschema@._options AS (
    increment pg_catalog.int8, min_value pg_catalog.int8, max_value pg_catalog.int8,
    start_value pg_catalog.int8, relowner pg_catalog.oid);
REVOKE USAGE ON TYPE @extschema@._options FROM PUBLIC;

-- The common case, read for a whole chunk at once: sequences (at position n of `chunk`) whose
-- every reference is a consumer column of type smallint, integer or bigint drawing plainly from
-- it, readable by the caller, not CYCLE, whose tables need no closer look (_plain_tables) and
-- hold no change of this transaction's. In one block, rolled back at the end: the three locks
-- on all their tables without waiting (rows being written into a table of `watched` are left
-- to their writer's trigger), then each bound and each position with a query.
-- Anything unusual, a lock not had at once, or any failure, leaves a sequence to _resync_one.
CREATE FUNCTION @extschema@._read_fast(chunk pg_catalog.oid[], refs @extschema@._reference[],
                                       dry_run pg_catalog.bool, rewritten pg_catalog.oid[],
                                       written pg_catalog.oid[], watched pg_catalog.oid[],
                                       own_changes_matter pg_catalog.bool)
RETURNS TABLE (n pg_catalog.int4, bound pg_catalog.int8, last_value pg_catalog.int8,
               is_called pg_catalog.bool, consumers text, options @extschema@._options)
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp SET row_security = off AS $$
DECLARE
    picked record;
    candidates pg_catalog.int4[];
    positions pg_catalog.int4[] := '{}';
    names text[] := '{}';
    bounds pg_catalog.int8[] := '{}';
    last_values pg_catalog.int8[] := '{}';
    called pg_catalog.bool[] := '{}';
    settings @extschema@._options[] := '{}';
    roots pg_catalog.oid[];
    tables pg_catalog.oid[];
    plain pg_catalog.oid[];
    value pg_catalog.int8;
    position_value pg_catalog.int8;
    position_called pg_catalog.bool;
    writers text;
    citus_tables pg_catalog.oid[] := @extschema@._citus_tables();
BEGIN
    -- The candidates, by the catalog alone (a table Citus holds is read on its own, in its
    -- node's range).
    SELECT pg_catalog.array_agg(f.n), COALESCE(pg_catalog.array_agg(DISTINCT r) FILTER (WHERE r IS NOT NULL), '{}')
      INTO candidates, roots
      FROM (
        SELECT c.n, per.root_relations
          FROM pg_catalog.unnest(chunk) WITH ORDINALITY AS c(s, n)
          JOIN (SELECT x.sequence,
                       pg_catalog.bool_and(x.is_consumer
                           AND x.relation <> ALL (citus_tables)
                           AND x.type_oid IN ('pg_catalog.int2'::pg_catalog.regtype, 'pg_catalog.int4'::pg_catalog.regtype,
                                              'pg_catalog.int8'::pg_catalog.regtype)
                           AND COALESCE(x.default_use, 'plain') = 'plain'
                           -- (and may lock: one that may not would send the whole chunk the slow way)
                           AND (NOT x.is_root
                                OR (pg_catalog.has_column_privilege(x.relation, x.attnum, 'SELECT')
                                    AND pg_catalog.has_table_privilege(x.relation, 'UPDATE, DELETE, TRUNCATE')))) AS simple,
                       pg_catalog.array_agg(x.relation) FILTER (WHERE x.is_root) AS root_relations
                  FROM pg_catalog.unnest(refs) AS x
                 GROUP BY x.sequence) AS per ON per.sequence = c.s
          JOIN pg_catalog.pg_sequence AS q ON q.seqrelid = c.s
         WHERE per.simple AND per.root_relations IS NOT NULL AND NOT q.seqcycle
           AND pg_catalog.has_sequence_privilege(c.s, 'SELECT')
           AND (dry_run OR pg_catalog.has_sequence_privilege(c.s, 'UPDATE'))) AS f
      LEFT JOIN LATERAL pg_catalog.unnest(f.root_relations) AS r ON true;
    IF candidates IS NULL THEN
        RETURN;
    END IF;
    BEGIN
        tables := @extschema@._keep_ddl_out(roots, true, NULL::pg_catalog.timestamptz, NULL::pg_catalog.int4, NULL::text);
        plain := @extschema@._plain_tables(tables);
        IF own_changes_matter AND pg_catalog.cardinality(rewritten) + pg_catalog.cardinality(written) > 0 THEN
            plain := ARRAY(SELECT t FROM pg_catalog.unnest(plain) AS t
                            WHERE @extschema@._own_changes(t, ''::pg_catalog.name, rewritten, written) IS NULL);
        END IF;
        writers := @extschema@._lock_targets(ARRAY(SELECT t FROM pg_catalog.unnest(plain) AS t WHERE t <> ALL (watched)));
        IF writers IS NOT NULL THEN
            EXECUTE 'LOCK TABLE ' || writers || ' IN SHARE MODE NOWAIT';
        END IF;
        FOR picked IN
            WITH per AS (
                SELECT x.sequence, pg_catalog.array_agg(x.display ORDER BY x.display) AS names,
                       -- one query for the bound, the greatest (least when descending) value
                       -- of every root consumer column (all of them integers), and the
                       -- sequence's position; each column's value as max() plans it, without
                       -- planning the aggregate too
                       pg_catalog.format('SELECT %s(%s), s.last_value, s.is_called FROM %s AS s',
                           CASE WHEN q.seqincrement < 0 THEN 'LEAST' ELSE 'GREATEST' END,
                           pg_catalog.string_agg(pg_catalog.format('(SELECT %1$I FROM %2$s WHERE %1$I IS NOT NULL ORDER BY %1$I %3$s LIMIT 1)::pg_catalog.int8',
                                                                   x.attname, x.relation::pg_catalog.regclass,
                                                                   CASE WHEN q.seqincrement < 0 THEN 'ASC' ELSE 'DESC' END),
                                                 ', '),
                           x.sequence::pg_catalog.regclass) AS read_sql,
                       -- every table the bound reads is plain: the roots, and below those with children
                       pg_catalog.bool_and(x.relation = ANY (plain)
                                           AND (NOT k.relhassubclass
                                                OR @extschema@._tables_below(ARRAY[x.relation]) <@ plain)) AS readable,
                       ROW(q.seqincrement, q.seqmin, q.seqmax, q.seqstart, o.relowner)::@extschema@._options AS options
                  FROM pg_catalog.unnest(refs) AS x
                  JOIN pg_catalog.pg_class AS k ON k.oid = x.relation
                  JOIN pg_catalog.pg_sequence AS q ON q.seqrelid = x.sequence
                  JOIN pg_catalog.pg_class AS o ON o.oid = x.sequence
                 WHERE x.is_root
                 GROUP BY x.sequence, q.seqincrement, q.seqmin, q.seqmax, q.seqstart, o.relowner
            )
            SELECT c.n, per.names, per.read_sql, per.options
              FROM pg_catalog.unnest(chunk) WITH ORDINALITY AS c(s, n)
              JOIN per ON per.sequence = c.s
             WHERE c.n = ANY (candidates) AND per.readable
             ORDER BY c.n
        LOOP
            EXECUTE picked.read_sql INTO value, position_value, position_called;
            positions := positions || picked.n::pg_catalog.int4;
            names := names || picked.names::text;
            bounds := bounds || value;
            last_values := last_values || position_value;
            called := called || position_called;
            settings := settings || picked.options;
        END LOOP;
        RAISE EXCEPTION USING ERRCODE = 'PSQ01';  -- read: release the locks
    EXCEPTION
        WHEN SQLSTATE 'PSQ01' THEN
            NULL;
        WHEN query_canceled OR admin_shutdown OR crash_shutdown OR cannot_connect_now OR out_of_memory THEN
            RAISE;
        WHEN OTHERS THEN
            RETURN;  -- each sequence then on its own, where a failure is a row of its own
    END;
    RETURN QUERY SELECT positions[i], bounds[i], last_values[i], called[i], names[i], settings[i]
                   FROM pg_catalog.generate_subscripts(positions, 1) AS i;
END $$;

-- One sequence on its own, with everything the native edition checks. `rewritten` and
-- `written` are the tables this transaction rewrote and wrote into, `watched` those with
-- automatic resync on (for automatic resync). `deliberate` marks a skip by design (nothing
-- draws from it, CYCLE, a consumer whose values cannot bound it), which automatic resync passes
-- over in silence as the native edition does.
CREATE FUNCTION @extschema@._resync_one(target_sequence pg_catalog.oid, refs @extschema@._reference[],
                                        dry_run pg_catalog.bool,
                                        allow_backward pg_catalog.bool, margin pg_catalog.int8,
                                        explicit pg_catalog.bool, rewritten pg_catalog.oid[],
                                        written pg_catalog.oid[], watched pg_catalog.oid[],
                                        automatic pg_catalog.bool, wait_ms pg_catalog.int4)
RETURNS TABLE (sequence pg_catalog.oid, consumers pg_catalog.text[], data_bound pg_catalog.int8,
               old_next pg_catalog.int8, new_next pg_catalog.int8, action pg_catalog.text,
               detail pg_catalog.text, deliberate pg_catalog.bool)
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    seq pg_catalog.oid := $1;
    opts record;
    state record;
    names text[];
    ignored text[];
    unusable text;
    bound pg_catalog.int8;
    decided record;
    err_code text;
    err_text text;
    denied_message text;
    denied_hint text;
BEGIN
    SELECT s.seqincrement AS increment, s.seqmin AS min_value, s.seqmax AS max_value,
           s.seqstart AS start_value, s.seqcycle AS cycle, c.relowner
      INTO opts
      FROM pg_catalog.pg_sequence AS s JOIN pg_catalog.pg_class AS c ON c.oid = s.seqrelid
     WHERE s.seqrelid = seq;
    refs := ARRAY(SELECT r::@extschema@._reference FROM pg_catalog.unnest(refs) AS r WHERE r.sequence = seq);
    SELECT COALESCE(pg_catalog.array_agg(r.display ORDER BY r.display), '{}')
      INTO names
      FROM pg_catalog.unnest(refs) AS r
     WHERE r.is_root;
    SELECT pg_catalog.array_agg(pg_catalog.format('%s (%s)', r.display, r.reason) ORDER BY r.display)
      INTO ignored
      FROM pg_catalog.unnest(refs) AS r
     WHERE NOT r.is_consumer;

    sequence := seq;
    consumers := names;
    deliberate := false;
    IF NOT pg_catalog.has_sequence_privilege(seq, 'SELECT') THEN
        IF explicit THEN
            RAISE EXCEPTION 'permission denied for sequence %: reading it needs SELECT', seq::pg_catalog.regclass
                USING ERRCODE = 'insufficient_privilege',
                      HINT = pg_catalog.format('GRANT SELECT ON SEQUENCE %s TO %I;', seq::pg_catalog.regclass, current_user);
        END IF;
        action := 'skip';
        detail := pg_catalog.format('permission denied for sequence %s: reading it needs SELECT', seq::pg_catalog.regclass);
    ELSIF NOT dry_run AND NOT pg_catalog.has_sequence_privilege(seq, 'UPDATE') THEN
        IF explicit THEN
            RAISE EXCEPTION 'permission denied for sequence %: moving it needs UPDATE', seq::pg_catalog.regclass
                USING ERRCODE = 'insufficient_privilege',
                      HINT = pg_catalog.format('GRANT UPDATE ON SEQUENCE %s TO %I; or call with dry_run => true.',
                                               seq::pg_catalog.regclass, current_user);
        END IF;
        action := 'skip';
        detail := pg_catalog.format('permission denied for sequence %s: moving it needs UPDATE', seq::pg_catalog.regclass);
    ELSIF pg_catalog.cardinality(names) = 0 THEN
        action := 'skip';
        deliberate := true;
        detail := 'no column draws from this sequence, so there is no data to bound it';
    ELSIF opts.cycle THEN
        action := 'skip';
        deliberate := true;
        detail := pg_catalog.format('CYCLE sequence: after a wrap-around the %s value in the data is not the last one issued',
                                    CASE WHEN opts.increment > 0 THEN 'largest' ELSE 'smallest' END);
    ELSE
        SELECT pg_catalog.format('%s has type %s, so its values cannot bound the sequence', r.display, r.type_name)
          INTO unusable
          FROM pg_catalog.unnest(refs) AS r
         WHERE r.is_consumer
           AND pg_catalog.format_type(COALESCE((SELECT t.typbasetype FROM pg_catalog.pg_type AS t
                                                  WHERE t.oid = r.type_oid AND t.typtype = 'd'), r.type_oid), NULL)
               NOT IN ('smallint', 'integer', 'bigint', 'numeric')
         ORDER BY r.display LIMIT 1;
        IF unusable IS NULL THEN
            SELECT CASE r.default_use
                       WHEN 'too_deep' THEN pg_catalog.format('%s''s default is too large to read, so how it uses the sequence is not read', r.display)
                       WHEN 'wrapped' THEN pg_catalog.format('%s uses the sequence inside an expression, %s, so its values cannot bound it',
                                                             r.display, (SELECT pg_catalog.pg_get_expr(ad.adbin, 0)
                                                                           FROM pg_catalog.pg_attrdef AS ad
                                                                          WHERE ad.adrelid = r.relation AND ad.adnum = r.attnum))
                       ELSE pg_catalog.format('%s rounds the values nextval() gives it (%s), so its values cannot bound the sequence',
                                              r.display, CASE WHEN r.type_name ~ '^numeric\([0-9]+,-[0-9]+\)$' THEN r.type_name
                                                              ELSE (SELECT pg_catalog.pg_get_expr(ad.adbin, 0)
                                                                      FROM pg_catalog.pg_attrdef AS ad
                                                                     WHERE ad.adrelid = r.relation AND ad.adnum = r.attnum) END)
                   END
              INTO unusable
              FROM pg_catalog.unnest(refs) AS r
             WHERE r.is_consumer AND (r.default_use IN ('too_deep', 'wrapped', 'rounded')
                                      OR r.type_name ~ '^numeric\([0-9]+,-[0-9]+\)$')
             ORDER BY CASE r.default_use WHEN 'too_deep' THEN 0 WHEN 'wrapped' THEN 1 ELSE 2 END, r.display
             LIMIT 1;
        END IF;
        deliberate := unusable IS NOT NULL;
        IF unusable IS NULL THEN
            -- What the caller may not read, as the native edition says it.
            SELECT pg_catalog.format('permission denied for table %s: reading the data bound needs SELECT on column %I',
                                     r.relation::pg_catalog.regclass, a.attname),
                   pg_catalog.format('GRANT SELECT (%I) ON %s TO %I;', a.attname, r.relation::pg_catalog.regclass, current_user)
              INTO denied_message, denied_hint
              FROM pg_catalog.unnest(refs) AS r
              JOIN pg_catalog.pg_attribute AS a ON a.attrelid = r.relation AND a.attnum = r.attnum
             WHERE r.is_consumer AND r.display = ANY (names)
               AND NOT pg_catalog.has_column_privilege(r.relation, r.attnum, 'SELECT')
             ORDER BY r.display LIMIT 1;
            IF denied_message IS NULL THEN
                SELECT pg_catalog.format('row-level security on %s may hide rows from this role, so the data bound could be too low',
                                         r.relation::pg_catalog.regclass),
                       'Run as a role with BYPASSRLS, or as the table''s owner while FORCE ROW LEVEL SECURITY is off.'
                  INTO denied_message, denied_hint
                  FROM pg_catalog.unnest(refs) AS r
                 WHERE r.is_consumer AND r.display = ANY (names)
                   AND pg_catalog.row_security_active(r.relation)
                 ORDER BY r.display LIMIT 1;
            END IF;
            IF denied_message IS NOT NULL AND explicit THEN
                RAISE EXCEPTION '%', denied_message USING ERRCODE = 'insufficient_privilege', HINT = denied_hint;
            END IF;
            unusable := denied_message;
        END IF;
        IF unusable IS NOT NULL THEN
            action := 'skip';
            detail := unusable;
        ELSE
            BEGIN
                bound := @extschema@._data_bound(seq, opts.increment < 0, refs, rewritten, written, watched,
                                                 NOT automatic, wait_ms,
                                                 CASE WHEN automatic THEN 'pg_seqsync.automatic_lock_timeout'
                                                      ELSE 'pg_seqsync.lock_timeout' END);
                data_bound := bound;
                state := @extschema@._position(seq);
                decided := @extschema@._decide(bound, state.last_value, state.is_called, opts.increment, opts.min_value,
                                               opts.max_value, opts.start_value, margin, allow_backward);
                IF NOT dry_run AND (allow_backward OR decided.action IN ('advance', 'lower')) THEN
                    decided := @extschema@._move(seq, opts.relowner, bound, opts.increment, opts.min_value,
                                                 opts.max_value, opts.start_value, margin, allow_backward);
                END IF;
                old_next := decided.old_next;
                new_next := decided.new_next;
                action := decided.action;
                detail := decided.detail;
            EXCEPTION
                WHEN query_canceled OR admin_shutdown OR crash_shutdown OR cannot_connect_now
                     OR out_of_memory THEN
                    RAISE;
                WHEN OTHERS THEN
                    GET STACKED DIAGNOSTICS err_code = RETURNED_SQLSTATE, err_text = MESSAGE_TEXT;
                    IF err_code = '42501' AND explicit THEN
                        RAISE;
                    END IF;
                    data_bound := NULL;
                    old_next := NULL;
                    new_next := NULL;
                    SELECT f.action, f.detail INTO action, detail FROM @extschema@._failure(err_code, err_text) AS f;
            END;
        END IF;
    END IF;
    IF ignored IS NOT NULL THEN
        detail := CASE WHEN detail IS NULL THEN '' ELSE detail || '; ' END
                  || 'ignored: ' || pg_catalog.array_to_string(ignored[1:20], ', ')
                  || CASE WHEN pg_catalog.cardinality(ignored) > 20
                          THEN pg_catalog.format(' and %s more', pg_catalog.cardinality(ignored) - 20) ELSE '' END;
    END IF;
    RETURN NEXT;
END $$;

-- The report row of a sequence _read_fast read (its consumers, bound and position, its
-- options): decided, and moved under the lock where it must be.
CREATE FUNCTION @extschema@._resync_read(seq pg_catalog.oid, names text[], bound pg_catalog.int8,
                                         last_value pg_catalog.int8, is_called pg_catalog.bool,
                                         opts @extschema@._options,
                                         dry_run pg_catalog.bool, allow_backward pg_catalog.bool,
                                         margin pg_catalog.int8, explicit pg_catalog.bool,
                                         OUT sequence pg_catalog.oid, OUT consumers text[], OUT data_bound pg_catalog.int8,
                                         OUT old_next pg_catalog.int8, OUT new_next pg_catalog.int8, OUT action text,
                                         OUT detail text, OUT deliberate pg_catalog.bool)
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    decided record;
    err_code text;
    err_text text;
BEGIN
    sequence := seq;
    consumers := names;
    deliberate := false;
    decided := @extschema@._decide(bound, last_value, is_called, opts.increment, opts.min_value, opts.max_value,
                                   opts.start_value, margin, allow_backward);
    IF NOT dry_run AND (allow_backward OR decided.action IN ('advance', 'lower')) THEN
        BEGIN
            decided := @extschema@._move(seq, opts.relowner, bound, opts.increment, opts.min_value,
                                         opts.max_value, opts.start_value, margin, allow_backward);
        EXCEPTION
            WHEN query_canceled OR admin_shutdown OR crash_shutdown OR cannot_connect_now OR out_of_memory THEN
                RAISE;
            WHEN OTHERS THEN
                GET STACKED DIAGNOSTICS err_code = RETURNED_SQLSTATE, err_text = MESSAGE_TEXT;
                IF err_code = '42501' AND explicit THEN
                    RAISE;
                END IF;
                SELECT f.action, f.detail INTO action, detail FROM @extschema@._failure(err_code, err_text) AS f;
                RETURN;
        END;
    END IF;
    data_bound := bound;
    old_next := decided.old_next;
    new_next := decided.new_next;
    action := decided.action;
    detail := decided.detail;
END $$;

-- Every sequence in `sequences`, in order, one row each; a NOTICE sums them up. With
-- `warn_cause` (automatic resync), every row that needs attention is also a WARNING naming it.
-- By chunks of 256 sequences: their references, which of their tables need a closer look
-- before a query, and whether any is being written, are each found once per chunk.
CREATE FUNCTION @extschema@._resync(sequences pg_catalog.oid[], dry_run pg_catalog.bool,
                                    allow_backward pg_catalog.bool, margin pg_catalog.int8,
                                    explicit pg_catalog.bool, quiet pg_catalog.bool,
                                    warn_cause pg_catalog.text DEFAULT NULL)
RETURNS TABLE (sequence pg_catalog.regclass, consumers pg_catalog.text[], data_bound pg_catalog.int8,
               old_next pg_catalog.int8, new_next pg_catalog.int8, action pg_catalog.text,
               detail pg_catalog.text)
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    item record;
    r record;
    counts pg_catalog.int8[] := '{0,0,0,0,0}';  -- advanced, lowered, skipped, errors, checked
    chunk pg_catalog.oid[];
    chunk_refs @extschema@._reference[];
    rewritten pg_catalog.oid[];
    written pg_catalog.oid[];
    watched pg_catalog.oid[];
    fast_n pg_catalog.int4[];
    fast_bound pg_catalog.int8[];
    fast_last_value pg_catalog.int8[];
    fast_called pg_catalog.bool[];
    fast_consumers text[];
    fast_options @extschema@._options[];
    k pg_catalog.int4;
    first pg_catalog.int4;
    wait_ms pg_catalog.int4;
    saved_timeout text;
BEGIN
    IF dry_run IS NULL OR allow_backward IS NULL OR margin IS NULL THEN
        RAISE EXCEPTION '% must not be NULL',
                CASE WHEN dry_run IS NULL THEN 'dry_run' WHEN allow_backward IS NULL THEN 'allow_backward' ELSE 'margin' END
            USING ERRCODE = 'null_value_not_allowed', HINT = 'Leave the argument out to use its default.';
    END IF;
    IF margin < 0 THEN
        RAISE EXCEPTION 'margin must not be negative, got %', margin
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'margin is how many values to leave unused past the data; use 0 for none.';
    END IF;
    PERFORM @extschema@._require_read_committed();
    -- Automatic resync waits as long as the automatic setting says, as in the native edition
    -- (here any role may set it: it bounds only the writer's own statement).
    wait_ms := @extschema@._setting_ms(CASE WHEN warn_cause IS NULL THEN 'pg_seqsync.lock_timeout'
                                           ELSE 'pg_seqsync.automatic_lock_timeout' END::text);
    -- Every lock any statement below waits for (a sequence read, planning a query over a table
    -- someone keeps locked) waits at most the limit; 0 would mean forever to PostgreSQL.
    saved_timeout := pg_catalog.current_setting('lock_timeout');
    PERFORM pg_catalog.set_config('lock_timeout', GREATEST(wait_ms, 1)::pg_catalog.text || 'ms', true);
    -- What this transaction truncated or rewrote, and wrote into, before the call (the call
    -- itself writes into no table). Automatic resync, which only moves forward, needs neither.
    rewritten := '{}';
    written := '{}';
    IF warn_cause IS NULL THEN
        SELECT COALESCE(pg_catalog.array_agg(l.relation) FILTER (WHERE l.mode = 'AccessExclusiveLock'), '{}'),
               COALESCE(pg_catalog.array_agg(l.relation) FILTER (WHERE l.mode = 'RowExclusiveLock'), '{}')
          INTO rewritten, written
          FROM pg_catalog.pg_locks AS l
         WHERE l.pid = pg_catalog.pg_backend_pid() AND l.locktype = 'relation' AND l.relation IS NOT NULL
           AND l.mode IN ('AccessExclusiveLock', 'RowExclusiveLock');
    END IF;
    FOR first IN 1 .. COALESCE(pg_catalog.array_length(sequences, 1), 0) BY 256 LOOP
        -- Sequences only, in order (one dropped meanwhile has no row).
        chunk := ARRAY(SELECT c.s FROM pg_catalog.unnest(sequences[first : first + 255]) WITH ORDINALITY AS c(s, n)
                        WHERE EXISTS (SELECT FROM pg_catalog.pg_sequence AS q WHERE q.seqrelid = c.s)
                        ORDER BY c.n);
        chunk_refs := ARRAY(SELECT x::@extschema@._reference FROM @extschema@._references(chunk) AS x);
        -- Automatic resync leaves rows another transaction is writing into a table with
        -- automatic resync to that transaction's own trigger, which runs when its statement
        -- ends (as the native edition does); rows of other tables are waited for.
        watched := CASE WHEN warn_cause IS NULL THEN '{}'
                        ELSE @extschema@._watched_tables(@extschema@._tables_below(ARRAY(
                                 SELECT x.relation FROM pg_catalog.unnest(chunk_refs) AS x))) END;
        SELECT COALESCE(pg_catalog.array_agg(f.n ORDER BY f.n), '{}'), pg_catalog.array_agg(f.bound ORDER BY f.n),
               pg_catalog.array_agg(f.last_value ORDER BY f.n), pg_catalog.array_agg(f.is_called ORDER BY f.n),
               pg_catalog.array_agg(f.consumers ORDER BY f.n),
               pg_catalog.array_agg(f.options ORDER BY f.n)
          INTO fast_n, fast_bound, fast_last_value, fast_called, fast_consumers, fast_options
          FROM @extschema@._read_fast(chunk, chunk_refs, dry_run, rewritten, written, watched,
                                      warn_cause IS NULL) AS f;
        k := 1;
        FOR item IN
            SELECT c.s, c.n, COALESCE(g.refs, '{}') AS refs
              FROM pg_catalog.unnest(chunk) WITH ORDINALITY AS c(s, n)
              LEFT JOIN (SELECT x.sequence, pg_catalog.array_agg(x) AS refs
                           FROM pg_catalog.unnest(chunk_refs) AS x GROUP BY x.sequence) AS g
                ON g.sequence = c.s
             ORDER BY c.n
        LOOP
            IF k <= pg_catalog.cardinality(fast_n) AND fast_n[k] = item.n THEN
                r := @extschema@._resync_read(item.s, fast_consumers[k]::text[], fast_bound[k], fast_last_value[k],
                                              fast_called[k], fast_options[k], dry_run, allow_backward, margin,
                                              explicit);
                k := k + 1;
            ELSE
                SELECT * INTO r FROM @extschema@._resync_one(item.s, item.refs, dry_run, allow_backward, margin,
                                                             explicit, rewritten, written, watched,
                                                             warn_cause IS NOT NULL, wait_ms);
            END IF;
            CONTINUE WHEN r.sequence IS NULL;
            sequence := r.sequence;
            consumers := r.consumers;
            data_bound := r.data_bound;
            old_next := r.old_next;
            new_next := r.new_next;
            action := r.action;
            detail := r.detail;
            counts[5] := counts[5] + 1;
            CASE r.action
                WHEN 'advance' THEN counts[1] := counts[1] + 1;
                WHEN 'lower' THEN counts[2] := counts[2] + 1;
                WHEN 'skip' THEN counts[3] := counts[3] + 1;
                WHEN 'error' THEN counts[4] := counts[4] + 1;
                ELSE NULL;
            END CASE;
            IF warn_cause IS NOT NULL AND r.action IN ('skip', 'error') AND NOT r.deliberate THEN
                RAISE WARNING 'pg_seqsync: automatic resync after % could not % %: %', warn_cause,
                    CASE WHEN r.action = 'error' THEN 'resync' ELSE 'check' END, r.sequence::pg_catalog.regclass, r.detail;
            END IF;
            RETURN NEXT;
        END LOOP;
    END LOOP;
    PERFORM pg_catalog.set_config('lock_timeout', saved_timeout, true);
    IF NOT quiet THEN
        IF dry_run THEN
            RAISE NOTICE 'pg_seqsync (dry run, nothing changed): % % checked, % to advance, % to lower, % skipped, % errors',
                counts[5], CASE WHEN counts[5] = 1 THEN 'sequence' ELSE 'sequences' END,
                counts[1], counts[2], counts[3], counts[4];
        ELSE
            RAISE NOTICE 'pg_seqsync: % % checked, % advanced, % lowered, % skipped, % errors',
                counts[5], CASE WHEN counts[5] = 1 THEN 'sequence' ELSE 'sequences' END,
                counts[1], counts[2], counts[3], counts[4];
        END IF;
    END IF;
END $$;

-- The sequences `target` (and `column_name`) stand for, as the native edition resolves them: a
-- sequence itself, or those behind the table's columns (its ancestors' included), by name; the
-- native edition's errors for anything else.
CREATE FUNCTION @extschema@._target_sequences(target pg_catalog.regclass, column_name pg_catalog.name)
RETURNS pg_catalog.oid[] LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    kind "char";
    sequences pg_catalog.oid[];
BEGIN
    IF target IS NULL THEN
        RAISE EXCEPTION 'target must not be NULL' USING ERRCODE = 'null_value_not_allowed',
            HINT = 'Pass a table or a sequence, e.g. resync_sequence(''public.orders'').';
    END IF;
    SELECT c.relkind INTO kind FROM pg_catalog.pg_class AS c WHERE c.oid = target;
    IF kind IS NULL THEN
        RAISE EXCEPTION 'relation with OID % does not exist', target::pg_catalog.oid
            USING ERRCODE = 'undefined_table',
                  HINT = 'The relation may have been dropped; pass its name instead of an OID.';
    END IF;
    IF kind = 'S' THEN
        IF column_name IS NOT NULL THEN
            RAISE EXCEPTION 'column_name cannot be given when the target "%" is a sequence', target
                USING ERRCODE = 'invalid_parameter_value',
                      HINT = 'Name the table with column_name, or the sequence alone: it is checked against every column that draws from it.';
        END IF;
        sequences := ARRAY[target::pg_catalog.oid];
    ELSIF kind IN ('r', 'p') THEN
        IF column_name IS NOT NULL AND NOT EXISTS (
            SELECT FROM pg_catalog.pg_attribute AS a
             WHERE a.attrelid = target AND a.attname = column_name AND a.attnum > 0 AND NOT a.attisdropped) THEN
            RAISE EXCEPTION 'column "%" of relation "%" does not exist', column_name, target
                USING ERRCODE = 'undefined_column',
                      HINT = 'Check the column''s spelling; names are case-sensitive when quoted.';
        END IF;
        SELECT pg_catalog.array_agg(DISTINCT r.sequence) INTO sequences
          FROM @extschema@._references(
                   ARRAY(SELECT d.objid FROM pg_catalog.pg_depend AS d
                          WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass
                            AND d.refobjid IN (SELECT @extschema@._self_and_ancestors(target))
                            AND d.deptype IN ('a', 'i')
                         UNION
                         SELECT d.refobjid FROM pg_catalog.pg_depend AS d
                           JOIN pg_catalog.pg_attrdef AS ad ON ad.oid = d.objid
                          WHERE d.classid = 'pg_catalog.pg_attrdef'::pg_catalog.regclass
                            AND ad.adrelid IN (SELECT @extschema@._self_and_ancestors(target))
                            AND d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass)) AS r
          JOIN pg_catalog.pg_attribute AS a ON a.attrelid = r.relation AND a.attnum = r.attnum
         WHERE r.is_consumer
           AND r.relation IN (SELECT @extschema@._self_and_ancestors(target))
           AND (column_name IS NULL OR a.attname = column_name);
        IF sequences IS NULL THEN
            IF column_name IS NOT NULL THEN
                RAISE EXCEPTION 'column "%" of relation "%" does not draw from a sequence', column_name, target
                    USING ERRCODE = 'object_not_in_prerequisite_state',
                          HINT = 'Only serial, identity, OWNED BY and DEFAULT nextval(...) columns have a sequence to resync.';
            END IF;
            RAISE EXCEPTION 'relation "%" has no column that draws from a sequence', target
                USING ERRCODE = 'object_not_in_prerequisite_state',
                      HINT = 'Only serial, identity, OWNED BY and DEFAULT nextval(...) columns have a sequence to resync.';
        END IF;
        sequences := ARRAY(SELECT u FROM pg_catalog.unnest(sequences) AS u
                            ORDER BY (SELECT pg_catalog.format('%I.%I', n.nspname, c.relname)
                                        FROM pg_catalog.pg_class AS c
                                        JOIN pg_catalog.pg_namespace AS n ON n.oid = c.relnamespace
                                       WHERE c.oid = u));
    ELSE
        RAISE EXCEPTION '"%" is %, not a table or sequence', target, @extschema@._kind_name(kind)
            USING ERRCODE = 'wrong_object_type',
                  HINT = 'resync_sequence() takes a table, a partitioned table or a sequence.';
    END IF;
    RETURN sequences;
END $$;

CREATE FUNCTION @extschema@.resync_sequence(
    target         pg_catalog.regclass,
    column_name    pg_catalog.name    DEFAULT NULL,
    dry_run        pg_catalog.bool    DEFAULT false,
    allow_backward pg_catalog.bool    DEFAULT false,
    margin         pg_catalog.int8    DEFAULT 0)
RETURNS TABLE (sequence pg_catalog.regclass, consumers pg_catalog.text[],
               data_bound pg_catalog.int8, old_next pg_catalog.int8, new_next pg_catalog.int8,
               action pg_catalog.text, detail pg_catalog.text)
LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
    SELECT * FROM @extschema@._resync(@extschema@._target_sequences(target::pg_catalog.regclass, column_name::pg_catalog.name),
                                      dry_run, allow_backward, margin, true, true)
$$;
COMMENT ON FUNCTION @extschema@.resync_sequence(pg_catalog.regclass, pg_catalog.name, pg_catalog.bool, pg_catalog.bool, pg_catalog.int8) IS
'Move the sequence (or a table''s sequences) past the data that uses it: one row per sequence (SQL edition).';

CREATE FUNCTION @extschema@.resync_all_sequences(
    schemas         pg_catalog.name[] DEFAULT NULL,
    exclude_schemas pg_catalog.name[] DEFAULT NULL,
    dry_run         pg_catalog.bool   DEFAULT false,
    allow_backward  pg_catalog.bool   DEFAULT false,
    margin          pg_catalog.int8   DEFAULT 0)
RETURNS TABLE (sequence pg_catalog.regclass, consumers pg_catalog.text[],
               data_bound pg_catalog.int8, old_next pg_catalog.int8, new_next pg_catalog.int8,
               action pg_catalog.text, detail pg_catalog.text)
LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
    SELECT * FROM @extschema@._resync(
        @extschema@._sequences_in_scope(schemas::pg_catalog.text[], exclude_schemas::pg_catalog.text[]),
        dry_run, allow_backward, margin, false, false)
$$;
COMMENT ON FUNCTION @extschema@.resync_all_sequences(pg_catalog.name[], pg_catalog.name[], pg_catalog.bool, pg_catalog.bool, pg_catalog.int8) IS
'resync_sequence() for every sequence in the database (or in some schemas): one row per sequence (SQL edition).';

-- One batch of the procedure: resyncs `sequences` and adds them to `summary`.
CREATE FUNCTION @extschema@._resync_batch(sequences pg_catalog.oid[], summary pg_catalog.jsonb,
                                          dry_run pg_catalog.bool, allow_backward pg_catalog.bool,
                                          margin pg_catalog.int8)
RETURNS pg_catalog.jsonb LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    r record;
    s pg_catalog.jsonb := COALESCE(summary, pg_catalog.jsonb_build_object(
        'batches', 0, 'checked', 0, 'advanced', 0, 'lowered', 0, 'unchanged', 0, 'skipped', 0, 'errors', 0,
        'problems', '[]'::pg_catalog.jsonb));
    key text;
BEGIN
    FOR r IN SELECT * FROM @extschema@._resync(sequences, dry_run, allow_backward, margin, false, true) LOOP
        s := pg_catalog.jsonb_set(s, '{checked}', pg_catalog.to_jsonb((s->>'checked')::pg_catalog.int8 + 1));
        key := CASE r.action WHEN 'advance' THEN 'advanced' WHEN 'lower' THEN 'lowered' WHEN 'none' THEN 'unchanged'
                             WHEN 'skip' THEN 'skipped' WHEN 'error' THEN 'errors' END;
        IF key IS NOT NULL THEN
            s := pg_catalog.jsonb_set(s, ARRAY[key], pg_catalog.to_jsonb((s->>key)::pg_catalog.int8 + 1));
        END IF;
        IF r.action IN ('skip', 'error') THEN
            s := pg_catalog.jsonb_set(s, '{problems}', (s->'problems') || pg_catalog.jsonb_build_array(
                     pg_catalog.jsonb_build_object('sequence', r.sequence::pg_catalog.text,
                                                   'action', r.action, 'detail', r.detail)));
        END IF;
    END LOOP;
    IF pg_catalog.cardinality(sequences) > 0 THEN
        s := pg_catalog.jsonb_set(s, '{batches}', pg_catalog.to_jsonb((s->>'batches')::pg_catalog.int8 + 1));
    END IF;
    RETURN s;
END $$;

CREATE PROCEDURE @extschema@.resync_all_sequences_in_batches(
    schemas         pg_catalog.name[] DEFAULT NULL,
    exclude_schemas pg_catalog.name[] DEFAULT NULL,
    dry_run         pg_catalog.bool   DEFAULT false,
    allow_backward  pg_catalog.bool   DEFAULT false,
    margin          pg_catalog.int8   DEFAULT 0,
    batch_size      pg_catalog.int4   DEFAULT 500,
    INOUT summary   pg_catalog.jsonb  DEFAULT NULL)
LANGUAGE plpgsql
-- No SET clause: a procedure with one cannot COMMIT. Every name is schema-qualified, every
-- operator too, and every argument typed.
AS $$
DECLARE
    all_sequences pg_catalog.oid[];
    total pg_catalog.int4;
    done pg_catalog.int4 := 0;
    started pg_catalog.timestamptz := pg_catalog.clock_timestamp();
    last_notice pg_catalog.timestamptz := pg_catalog.clock_timestamp();
BEGIN
    IF batch_size IS NULL OR batch_size OPERATOR(pg_catalog.<) 1 THEN
        RAISE EXCEPTION 'batch_size must be at least 1, got %', batch_size
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Each batch is resynced and committed before the next; 500 is a good size.';
    END IF;
    all_sequences := @extschema@._sequences_in_scope(schemas::pg_catalog.text[],
                                                     exclude_schemas::pg_catalog.text[]);
    total := COALESCE(pg_catalog.array_length(all_sequences, 1), 0);
    summary := NULL;
    WHILE done OPERATOR(pg_catalog.<) total LOOP
        summary := @extschema@._resync_batch(
            all_sequences[done OPERATOR(pg_catalog.+) 1 : done OPERATOR(pg_catalog.+) batch_size],
            summary, dry_run, allow_backward, margin);
        done := LEAST(done OPERATOR(pg_catalog.+) batch_size, total);
        COMMIT;
        -- Progress at most every five seconds, and at the end, as the native edition reports it.
        IF pg_catalog.clock_timestamp() OPERATOR(pg_catalog.-) last_notice
               OPERATOR(pg_catalog.>=) '5 seconds'::pg_catalog.interval
           OR done OPERATOR(pg_catalog.=) total THEN
            RAISE NOTICE 'pg_seqsync: resynced % / % sequences',
                pg_catalog.to_char(done, 'FM999,999,999,999'), pg_catalog.to_char(total, 'FM999,999,999,999');
            last_notice := pg_catalog.clock_timestamp();
        END IF;
    END LOOP;
    summary := pg_catalog.jsonb_set(
        COALESCE(summary, @extschema@._resync_batch('{}'::pg_catalog.oid[], NULL::pg_catalog.jsonb,
                                                    dry_run, allow_backward, margin)),
        '{elapsed_seconds}'::pg_catalog.text[],
        pg_catalog.to_jsonb(pg_catalog.round(pg_catalog.date_part('epoch'::pg_catalog.text,
            pg_catalog.clock_timestamp() OPERATOR(pg_catalog.-) started)::pg_catalog.numeric, 3)));
END
$$;
COMMENT ON PROCEDURE @extschema@.resync_all_sequences_in_batches(pg_catalog.name[], pg_catalog.name[], pg_catalog.bool, pg_catalog.bool, pg_catalog.int8, pg_catalog.int4, pg_catalog.jsonb) IS
'resync_all_sequences() for very large or live databases: commits after every batch_size sequences and returns a summary (SQL edition).';

CREATE FUNCTION @extschema@.sequence_health(schemas pg_catalog.name[] DEFAULT NULL)
RETURNS TABLE (sequence pg_catalog.regclass, consumers pg_catalog.text[],
               data_bound pg_catalog.int8, next_value pg_catalog.int8,
               behind pg_catalog.bool, behind_by pg_catalog.int8,
               values_left pg_catalog.numeric, fraction_used pg_catalog.float8,
               narrower_than_consumer pg_catalog.bool, detail pg_catalog.text,
               limited_by pg_catalog.text)
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    r record;
    opts record;
    state record;
    col record;
    next_v pg_catalog.numeric;
    limit_v pg_catalog.numeric;
    low pg_catalog.numeric;
    high pg_catalog.numeric;
    step pg_catalog.numeric;
    left_v pg_catalog.numeric;
    target pg_catalog.numeric;
    narrow text;
    scope pg_catalog.oid[];
    chunk pg_catalog.oid[];
    chunk_refs @extschema@._reference[];
    first pg_catalog.int4;
    saved_timeout text := pg_catalog.current_setting('lock_timeout');
BEGIN
    PERFORM @extschema@._require_read_committed();
    PERFORM pg_catalog.set_config('lock_timeout', GREATEST(@extschema@._wait_limit_ms(), 1)::pg_catalog.text || 'ms', true);
    scope := @extschema@._sequences_in_scope(schemas::pg_catalog.text[], NULL::pg_catalog.text[]);
    -- By chunks of sequences: their references read once per chunk.
    FOR first IN 1 .. COALESCE(pg_catalog.array_length(scope, 1), 0) BY 256 LOOP
    chunk := scope[first : first + 255];
    chunk_refs := ARRAY(SELECT x::@extschema@._reference FROM @extschema@._references(chunk) AS x WHERE x.is_root);
    FOR r IN SELECT * FROM @extschema@._resync(chunk, true, false, 0::pg_catalog.int8, false, true)
    LOOP
        sequence := r.sequence;
        consumers := r.consumers;
        data_bound := r.data_bound;
        detail := CASE WHEN r.action IN ('skip', 'error') OR r.detail LIKE 'ignored: %' THEN r.detail END;
        next_value := NULL; behind := NULL; behind_by := NULL; values_left := NULL;
        fraction_used := NULL; narrower_than_consumer := false; limited_by := NULL;
        state := NULL;
        IF pg_catalog.has_sequence_privilege(r.sequence, 'SELECT') THEN
            SELECT s.seqincrement AS increment, s.seqmin AS min_value, s.seqmax AS max_value, s.seqcycle AS cycle
              INTO opts FROM pg_catalog.pg_sequence AS s WHERE s.seqrelid = r.sequence;
            -- Its position, or why it could not be read (a lock held past the limit, ...): one
            -- sequence's problem never ends the call.
            BEGIN
                state := @extschema@._position(r.sequence);
            EXCEPTION
                WHEN query_canceled OR admin_shutdown OR out_of_memory THEN RAISE;
                WHEN OTHERS THEN
                    detail := SQLERRM;
            END;
        END IF;
        IF state IS NOT NULL THEN
            next_v := CASE WHEN NOT state.is_called THEN state.last_value
                           WHEN state.last_value::pg_catalog.numeric + opts.increment BETWEEN opts.min_value AND opts.max_value
                               THEN state.last_value + opts.increment END;
            next_value := next_v;
            step := pg_catalog.abs(opts.increment::pg_catalog.numeric);
            limit_v := CASE WHEN opts.increment > 0 THEN opts.max_value ELSE opts.min_value END;
            limited_by := 'sequence';
            narrow := NULL;
            FOR col IN
                SELECT x.display, x.type_name, x.highest,
                       CASE WHEN x.base = 'numeric'::pg_catalog.regtype THEN -x.highest ELSE -x.highest - 1 END AS lowest
                  FROM (SELECT y.display, y.type_name, y.base,
                               CASE WHEN y.base = 'smallint'::pg_catalog.regtype THEN 32767::pg_catalog.numeric
                                    WHEN y.base = 'integer'::pg_catalog.regtype THEN 2147483647::pg_catalog.numeric
                                    WHEN y.base = 'bigint'::pg_catalog.regtype THEN 9223372036854775807::pg_catalog.numeric
                                    -- numeric(p, s): 10^(p - s) - 1; beyond 19 digits every bigint fits
                                    WHEN y.base = 'numeric'::pg_catalog.regtype AND y.typmod >= 4 AND y.digits <= 19
                                        THEN pg_catalog.trunc(pg_catalog.power(10::pg_catalog.numeric, GREATEST(y.digits, 0))) - 1
                               END AS highest
                          FROM (SELECT rf.display, rf.type_name, rf.typmod,
                                       COALESCE((SELECT t.typbasetype FROM pg_catalog.pg_type AS t
                                                  WHERE t.oid = rf.type_oid AND t.typtype = 'd'), rf.type_oid) AS base,
                                       (((rf.typmod - 4) >> 16) & 65535)
                                         - ((((rf.typmod - 4) & 2047) # 1024) - 1024) AS digits
                                  FROM pg_catalog.unnest(chunk_refs) AS rf
                                 WHERE rf.sequence = r.sequence) AS y) AS x
                 ORDER BY x.display
            LOOP
                CONTINUE WHEN col.highest IS NULL;
                IF opts.increment > 0 AND col.highest < limit_v THEN
                    limit_v := col.highest;
                    limited_by := pg_catalog.format('%s (%s)', col.display, col.type_name);
                ELSIF opts.increment < 0 AND col.lowest > limit_v THEN
                    limit_v := col.lowest;
                    limited_by := pg_catalog.format('%s (%s)', col.display, col.type_name);
                END IF;
                IF narrow IS NULL AND ((opts.increment > 0 AND opts.max_value < col.highest)
                                       OR (opts.increment < 0 AND opts.min_value > col.lowest)) THEN
                    narrow := pg_catalog.format('%s can hold values past the sequence''s %s %s', col.display,
                        CASE WHEN opts.increment > 0 THEN 'MAXVALUE' ELSE 'MINVALUE' END,
                        CASE WHEN opts.increment > 0 THEN opts.max_value ELSE opts.min_value END);
                END IF;
            END LOOP;
            IF narrow IS NOT NULL THEN
                narrower_than_consumer := true;
                detail := CASE WHEN detail IS NULL THEN narrow ELSE narrow || '; ' || detail END;
            END IF;
            IF NOT opts.cycle THEN
                IF opts.increment > 0 THEN
                    low := opts.min_value; high := limit_v;
                ELSE
                    low := limit_v; high := opts.max_value;
                END IF;
                left_v := CASE
                    WHEN next_v IS NULL THEN 0
                    WHEN opts.increment > 0 AND next_v > high THEN 0
                    WHEN opts.increment > 0 THEN pg_catalog.div(high - next_v, step) + 1
                    WHEN next_v < low THEN 0
                    ELSE pg_catalog.div(next_v - low, step) + 1 END;
                values_left := left_v;
                fraction_used := GREATEST(0.0, LEAST(1.0,
                    1.0 - (left_v * step)::pg_catalog.float8 / GREATEST(high - low + 1, 1)::pg_catalog.float8));
            END IF;
            -- Behind wherever the bound is known: an error row that the data needs a value past
            -- the sequence's limit is behind too.
            IF r.action <> 'skip' THEN
                IF r.data_bound IS NOT NULL THEN
                    target := r.data_bound::pg_catalog.numeric + opts.increment;
                    next_v := COALESCE(next_v, target + pg_catalog.sign(opts.increment::pg_catalog.numeric));
                    -- At most the largest bigint, as the native edition reports it.
                    behind_by := LEAST(GREATEST(0, (target - next_v) * pg_catalog.sign(opts.increment::pg_catalog.numeric)),
                                       9223372036854775807)::pg_catalog.int8;
                    behind := behind_by > 0;
                END IF;
            END IF;
        ELSIF NOT pg_catalog.has_sequence_privilege(r.sequence, 'SELECT') THEN
            detail := pg_catalog.format('permission denied for sequence %s', r.sequence);
            limited_by := NULL;
        END IF;
        RETURN NEXT;
    END LOOP;
    END LOOP;
    PERFORM pg_catalog.set_config('lock_timeout', saved_timeout, true);
END $$;
COMMENT ON FUNCTION @extschema@.sequence_health(pg_catalog.name[]) IS
'One row per sequence: is it behind its data, how many values are left before its first limit (SQL edition).';

-- The sequences the columns of `relation` (or of a table it inherits from or is a partition
-- of) draw from.
CREATE FUNCTION @extschema@._sequences_of_table(relation pg_catalog.oid)
RETURNS pg_catalog.oid[] LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_column
BEGIN
    RETURN (
        SELECT ARRAY(
            SELECT DISTINCT x.sequence FROM @extschema@._references(
                ARRAY(SELECT d.objid FROM pg_catalog.pg_depend AS d
                       WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass
                         AND d.refobjid IN (SELECT @extschema@._self_and_ancestors($1))
                         AND d.deptype IN ('a', 'i')
                      UNION
                      SELECT d.refobjid FROM pg_catalog.pg_depend AS d
                        JOIN pg_catalog.pg_attrdef AS ad ON ad.oid = d.objid
                       WHERE d.classid = 'pg_catalog.pg_attrdef'::pg_catalog.regclass
                         AND ad.adrelid IN (SELECT @extschema@._self_and_ancestors($1))
                         AND d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass)) AS x
             WHERE x.is_consumer AND x.relation IN (SELECT @extschema@._self_and_ancestors($1))));
END $$;

-- Resyncs `sequences` forward, quietly, and turns every row that needs attention into a
-- WARNING naming `cause`.
CREATE FUNCTION @extschema@._resync_and_warn(sequences pg_catalog.oid[], cause pg_catalog.text)
RETURNS void LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    PERFORM FROM @extschema@._resync(sequences, false, false, 0::pg_catalog.int8, false, true, cause);
END $$;

-- Automatic resync: a statement trigger that resyncs the table's sequences forward after
-- INSERT (and COPY). It runs as the writer, so it moves only what the writer may move: a
-- sequence the writer may not update is a WARNING, never an error that fails the write.
CREATE FUNCTION @extschema@._auto_resync_trigger() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    -- Placed by hand some other way, it refuses, as the native edition's does (a direct call is
    -- refused by PostgreSQL itself, with 0A000).
    IF TG_WHEN <> 'AFTER' OR TG_LEVEL <> 'STATEMENT' OR TG_OP <> 'INSERT' THEN
        RAISE EXCEPTION '_auto_resync_trigger() must be fired AFTER INSERT FOR EACH STATEMENT'
            USING ERRCODE = '39P01', HINT = 'Place it with enable_auto_resync(''schema.table'').';
    END IF;
    BEGIN
        PERFORM @extschema@._resync_and_warn(@extschema@._sequences_of_table(TG_RELID), 'a write'::pg_catalog.text);
    EXCEPTION
        WHEN query_canceled OR admin_shutdown OR out_of_memory THEN RAISE;
        WHEN OTHERS THEN
            RAISE WARNING 'pg_seqsync: automatic resync after a write failed: %', SQLERRM;
    END;
    RETURN NULL;
END $$;

-- Places `trigger_name` on `relation` unless it has one of the two automatic-resync triggers;
-- the number placed (0 or 1).
CREATE FUNCTION @extschema@._place_trigger(relation pg_catalog.oid, trigger_name pg_catalog.text)
RETURNS pg_catalog.int4 LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF EXISTS (SELECT FROM pg_catalog.pg_trigger AS g
                WHERE g.tgrelid = relation
                  AND g.tgname IN ('pg_seqsync_auto_resync', 'pg_seqsync_auto_resync_db'))
       OR (SELECT c.relkind FROM pg_catalog.pg_class AS c WHERE c.oid = relation) NOT IN ('r', 'p') THEN
        RETURN 0;
    END IF;
    EXECUTE pg_catalog.format(
        'CREATE TRIGGER %I AFTER INSERT ON %s FOR EACH STATEMENT EXECUTE FUNCTION %s',
        trigger_name, relation::pg_catalog.regclass, '@extschema@._auto_resync_trigger()'::pg_catalog.regprocedure);
    RETURN 1;
END $$;

-- Database-wide mode: places its trigger on every table of `relations` and below, each in a
-- block of its own (a table that cannot get one is a WARNING naming it, and the rest goes on).
CREATE FUNCTION @extschema@._place_database_triggers(relations pg_catalog.oid[])
RETURNS pg_catalog.int4 LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    t pg_catalog.oid;
    placed pg_catalog.int4 := 0;
BEGIN
    FOR t IN SELECT DISTINCT d FROM pg_catalog.unnest(relations) AS r,
                                    pg_catalog.unnest(@extschema@._tables_below(ARRAY[r])) AS d ORDER BY 1 LOOP
        BEGIN
            placed := placed + @extschema@._place_trigger(t, 'pg_seqsync_auto_resync_db'::pg_catalog.text);
        EXCEPTION
            WHEN query_canceled OR admin_shutdown OR out_of_memory THEN RAISE;
            WHEN OTHERS THEN
                RAISE WARNING 'pg_seqsync: could not place the automatic resync trigger on %: %',
                    t::pg_catalog.regclass, SQLERRM;
        END;
    END LOOP;
    RETURN placed;
END $$;

-- After DDL in database-wide mode: a table (or sequence) created or changed gets its trigger
-- where a column draws from a sequence, and those sequences are resynced forward.
CREATE FUNCTION @extschema@._auto_resync_ddl() RETURNS event_trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    object pg_catalog.oid;
    kind "char";
    tables pg_catalog.oid[];
    sequences pg_catalog.oid[];
BEGIN
    IF pg_catalog.current_setting('pg_seqsync.locking_sequence', true) = 'on' THEN
        RETURN;  -- the ALTER SEQUENCE a resync takes its lock with
    END IF;
    FOR object IN
        SELECT DISTINCT c.objid FROM pg_catalog.pg_event_trigger_ddl_commands() AS c
         WHERE c.classid = 'pg_catalog.pg_class'::pg_catalog.regclass
    LOOP
        -- Never fail the user's DDL: a problem becomes a WARNING.
        BEGIN
            SELECT c.relkind INTO kind FROM pg_catalog.pg_class AS c WHERE c.oid = object;
            IF kind IN ('r', 'p') THEN
                sequences := @extschema@._sequences_of_table(object);
                tables := CASE WHEN pg_catalog.cardinality(sequences) > 0 THEN ARRAY[object] END;
            ELSIF kind = 'S' THEN
                sequences := ARRAY[object];
                tables := ARRAY(SELECT r.relation FROM @extschema@._references(ARRAY[object]) AS r
                                 WHERE r.is_consumer);
            ELSE
                CONTINUE;
            END IF;
            IF pg_catalog.cardinality(tables) > 0 THEN
                PERFORM @extschema@._place_database_triggers(tables);
                PERFORM @extschema@._resync_and_warn(sequences, 'DDL'::pg_catalog.text);
            END IF;
        EXCEPTION
            WHEN query_canceled OR admin_shutdown OR out_of_memory THEN RAISE;
            WHEN OTHERS THEN
                RAISE WARNING 'pg_seqsync: automatic resync after DDL on % failed: %', object, SQLERRM;
        END;
    END LOOP;
END $$;

-- A table or partitioned table the caller owns (is a member of its owner), or the native
-- edition's error for `function`.
CREATE FUNCTION @extschema@._require_own_table(target pg_catalog.regclass, function pg_catalog.text)
RETURNS void LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    rel record;
BEGIN
    SELECT c.relkind, c.relowner, c.relname INTO rel FROM pg_catalog.pg_class AS c WHERE c.oid = target;
    IF rel.relkind NOT IN ('r', 'p') THEN
        RAISE EXCEPTION '"%" is %, not a table', target, @extschema@._kind_name(rel.relkind)
            USING ERRCODE = 'wrong_object_type',
                  HINT = pg_catalog.format('%s() takes a table or a partitioned table, or NULL for the whole database.', function);
    END IF;
    IF NOT pg_catalog.pg_has_role(rel.relowner, 'USAGE') THEN
        RAISE EXCEPTION 'permission denied for table %', rel.relname USING ERRCODE = 'insufficient_privilege';
    END IF;
END $$;

CREATE FUNCTION @extschema@.enable_auto_resync(target pg_catalog.regclass DEFAULT NULL)
RETURNS pg_catalog.int4 LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    t pg_catalog.oid;
    placed pg_catalog.int4 := 0;
    saved_timeout text := pg_catalog.current_setting('lock_timeout');
BEGIN
    -- Placing a trigger waits for the table's lock at most pg_seqsync.lock_timeout.
    PERFORM pg_catalog.set_config('lock_timeout', GREATEST(@extschema@._wait_limit_ms(), 1)::pg_catalog.text || 'ms', true);
    IF target IS NULL THEN
        -- Database-wide mode needs an event trigger, which only some roles may create (a
        -- superuser; on some services their administrator role).
        IF NOT EXISTS (SELECT FROM pg_catalog.pg_event_trigger AS e
                        WHERE e.evtname = 'pg_seqsync_auto_resync') THEN
            BEGIN
                EXECUTE pg_catalog.format(
                    'CREATE EVENT TRIGGER pg_seqsync_auto_resync ON ddl_command_end EXECUTE FUNCTION %s',
                    '@extschema@._auto_resync_ddl()'::pg_catalog.regprocedure);
            EXCEPTION WHEN insufficient_privilege THEN
                RAISE EXCEPTION 'database-wide automatic resync needs a role that may create event triggers'
                    USING ERRCODE = 'insufficient_privilege',
                          HINT = 'A table''s owner can switch it on per table: SELECT enable_auto_resync(''schema.table'');';
            END;
        END IF;
        placed := @extschema@._place_database_triggers(ARRAY(
            SELECT DISTINCT r.relation
              FROM @extschema@._references(@extschema@._sequences_in_scope(NULL::pg_catalog.text[], NULL::pg_catalog.text[])) AS r
             WHERE r.is_consumer));
        PERFORM pg_catalog.set_config('lock_timeout', saved_timeout, true);
        RETURN placed;
    END IF;
    PERFORM @extschema@._require_own_table(target, 'enable_auto_resync'::pg_catalog.text);
    PERFORM @extschema@._target_sequences(target, NULL::pg_catalog.name);
    FOR t IN SELECT pg_catalog.unnest(@extschema@._tables_below(ARRAY[target::pg_catalog.oid])) LOOP
        -- The table's own trigger replaces database-wide mode's.
        IF EXISTS (SELECT FROM pg_catalog.pg_trigger AS g
                    WHERE g.tgrelid = t AND g.tgname = 'pg_seqsync_auto_resync_db') THEN
            EXECUTE pg_catalog.format('DROP TRIGGER pg_seqsync_auto_resync_db ON %s', t::pg_catalog.regclass);
        END IF;
        placed := placed + @extschema@._place_trigger(t, 'pg_seqsync_auto_resync'::pg_catalog.text);
    END LOOP;
    PERFORM pg_catalog.set_config('lock_timeout', saved_timeout, true);
    RETURN placed;
END $$;
COMMENT ON FUNCTION @extschema@.enable_auto_resync(pg_catalog.regclass) IS
'Resync a table''s sequences automatically after every INSERT or COPY (NULL: every table, now and later, and after DDL). Returns the number of triggers placed (SQL edition).';

CREATE FUNCTION @extschema@.disable_auto_resync(target pg_catalog.regclass DEFAULT NULL)
RETURNS pg_catalog.int4 LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    t pg_catalog.oid;
    removed pg_catalog.int4 := 0;
    tg text := CASE WHEN target IS NULL THEN 'pg_seqsync_auto_resync_db' ELSE 'pg_seqsync_auto_resync' END;
    saved_timeout text := pg_catalog.current_setting('lock_timeout');
BEGIN
    -- Removing a trigger waits for the table's lock at most pg_seqsync.lock_timeout.
    PERFORM pg_catalog.set_config('lock_timeout', GREATEST(@extschema@._wait_limit_ms(), 1)::pg_catalog.text || 'ms', true);
    IF target IS NULL THEN
        IF EXISTS (SELECT FROM pg_catalog.pg_event_trigger AS e WHERE e.evtname = 'pg_seqsync_auto_resync') THEN
            DROP EVENT TRIGGER pg_seqsync_auto_resync;
        END IF;
    ELSE
        PERFORM @extschema@._require_own_table(target, 'disable_auto_resync'::pg_catalog.text);
    END IF;
    FOR t IN SELECT g.tgrelid FROM pg_catalog.pg_trigger AS g
              WHERE g.tgname = tg AND g.tgparentid = 0
                AND g.tgfoid = '@extschema@._auto_resync_trigger()'::pg_catalog.regprocedure
                AND (target IS NULL OR g.tgrelid = ANY (@extschema@._tables_below(ARRAY[target::pg_catalog.oid])))
    LOOP
        BEGIN
            EXECUTE pg_catalog.format('DROP TRIGGER %I ON %s', tg, t::pg_catalog.regclass);
            removed := removed + 1;
        EXCEPTION
            WHEN query_canceled OR admin_shutdown OR out_of_memory THEN RAISE;
            WHEN OTHERS THEN
                RAISE WARNING 'pg_seqsync: could not remove the automatic resync trigger on %: %',
                    t::pg_catalog.regclass, SQLERRM;
        END;
    END LOOP;
    PERFORM pg_catalog.set_config('lock_timeout', saved_timeout, true);
    RETURN removed;
END $$;
COMMENT ON FUNCTION @extschema@.disable_auto_resync(pg_catalog.regclass) IS
'Remove what enable_auto_resync placed for this table (NULL: the database-wide event trigger and its triggers). Returns the number of triggers removed (SQL edition).';

CREATE FUNCTION @extschema@.auto_resync_status()
RETURNS TABLE (relation pg_catalog.regclass, mode pg_catalog.text, trigger_name pg_catalog.text,
               sequences pg_catalog.regclass[])
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT NULL::pg_catalog.regclass, 'database'::pg_catalog.text, e.evtname::pg_catalog.text,
           '{}'::pg_catalog.regclass[]
      FROM pg_catalog.pg_event_trigger AS e
     WHERE e.evtname = 'pg_seqsync_auto_resync' AND e.evtenabled <> 'D'
    UNION ALL
    SELECT * FROM (
        SELECT g.tgrelid::pg_catalog.regclass,
               CASE g.tgname WHEN 'pg_seqsync_auto_resync' THEN 'table' ELSE 'database' END,
               g.tgname::pg_catalog.text,
               @extschema@._sequences_of_table(g.tgrelid)::pg_catalog.regclass[]
          FROM pg_catalog.pg_trigger AS g
         WHERE g.tgname IN ('pg_seqsync_auto_resync', 'pg_seqsync_auto_resync_db')
           AND g.tgfoid = '@extschema@._auto_resync_trigger()'::pg_catalog.regprocedure
         ORDER BY g.tgrelid::pg_catalog.regclass::pg_catalog.text) AS t
$$;
COMMENT ON FUNCTION @extschema@.auto_resync_status() IS
'One row per table covered by automatic resync (mode table or database), plus a row with relation NULL when database-wide mode is on (SQL edition).';

-- Which edition this is, for scripts that must tell them apart.
CREATE FUNCTION @extschema@.pg_seqsync_edition() RETURNS pg_catalog.text
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$ SELECT 'sql @VERSION@'::pg_catalog.text $$;
