/**
 * The two catalog reads of a plan: one for the cluster, one per database. Each is aggregated in
 * PostgreSQL into one JSON text (`state`), answered in chunks by `inChunks`, so a plan costs
 * 1 + (databases touched) Data API calls whatever the number of schemas and tables, and stays within
 * the Data API's limits at any catalog size (exceptions are capped per schema).
 *
 * Only privileges granted directly to the role count (`aclexplode` on the ACLs): what PUBLIC or a
 * parent role holds is not the role's own state and is never revoked by a plan.
 */

/**
 * How the provisioning user (the Data API's login: on Aurora the master, not a superuser) can act for
 * a role: it is that role, it holds its privileges (a member that inherits, or a superuser), it may
 * take them for a while (ADMIN OPTION: what a CREATEROLE user has on the roles it created), or none.
 * `role_name` is a column or expression holding a role name.
 */
const accessTo = (roleName: string) => `CASE
      WHEN ${roleName} = current_user THEN 'self'
      WHEN pg_has_role(${roleName}, 'USAGE') THEN 'member'
      WHEN pg_has_role(${roleName}, 'MEMBER WITH ADMIN OPTION') THEN 'admin'
      ELSE 'none' END`;

/** Parameters: `:role` (the generated role name), `:source` (the external parent, or ''). */
export const CLUSTER_STATE_SQL = `
WITH target AS (SELECT * FROM pg_roles WHERE rolname = :role)
SELECT json_build_object(
  'master', current_user,
  'exists', EXISTS (SELECT 1 FROM target),
  'attributes', (SELECT json_build_object(
      'SUPERUSER', rolsuper, 'INHERIT', rolinherit, 'CREATEROLE', rolcreaterole, 'CREATEDB', rolcreatedb,
      'LOGIN', rolcanlogin, 'REPLICATION', rolreplication, 'BYPASSRLS', rolbypassrls) FROM target),
  'memberships', COALESCE((SELECT json_agg(parent.rolname ORDER BY parent.rolname)
      FROM pg_auth_members m JOIN pg_roles parent ON parent.oid = m.roleid
      WHERE m.member = (SELECT oid FROM target)), '[]'::json),
  'source_exists', EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :source),
  -- Granting or revoking membership in a role needs ADMIN OPTION on it: the source, and every parent the role has.
  'grantable', COALESCE((SELECT json_object_agg(r.rolname, pg_has_role(r.rolname, 'MEMBER WITH ADMIN OPTION'))
      FROM pg_roles r WHERE r.rolname = :source OR r.oid IN (
        SELECT m.roleid FROM pg_auth_members m WHERE m.member = (SELECT oid FROM target))), '{}'::json),
  'databases', COALESCE((SELECT json_agg(json_build_object(
      'name', d.datname,
      'connect', EXISTS (SELECT 1 FROM aclexplode(d.datacl) a
                         WHERE a.grantee = (SELECT oid FROM target) AND a.privilege_type = 'CONNECT'))
      ORDER BY d.datname)
    FROM pg_database d WHERE NOT d.datistemplate AND d.datallowconn), '[]'::json)
)::text AS state`;

/** How many tables with privileges unlike the rest of their schema a plan lists, per schema. */
export const MAX_EXCEPTIONS_PER_SCHEMA = 20;

/**
 * Parameters: `:role`, `:schemas` (JSON array of the schema names asked for in this database). Answers
 * the asked schemas (with `exists`) and every other schema where the role holds anything, so that a
 * managed plan can take back what was not asked for.
 */
export const DATABASE_STATE_SQL = `
WITH target AS (SELECT oid FROM pg_roles WHERE rolname = :role),
asked AS (SELECT jsonb_array_elements_text(CAST(:schemas AS jsonb)) AS name),
schemas AS (
  SELECT n.oid, n.nspname AS name, pg_get_userbyid(n.nspowner) AS owner,
    EXISTS (SELECT 1 FROM aclexplode(n.nspacl) a WHERE a.grantee = (SELECT oid FROM target) AND a.privilege_type = 'USAGE') AS usage,
    EXISTS (SELECT 1 FROM aclexplode(n.nspacl) a WHERE a.grantee = (SELECT oid FROM target) AND a.privilege_type = 'CREATE') AS "create"
  FROM pg_namespace n
  WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
    AND n.nspname NOT LIKE 'pg\\_temp\\_%' AND n.nspname NOT LIKE 'pg\\_toast\\_temp\\_%'
),
relations AS (
  SELECT c.relnamespace AS schema_oid, c.relname AS name, pg_get_userbyid(c.relowner) AS owner,
    COALESCE((SELECT array_agg(a.privilege_type::text ORDER BY a.privilege_type) FROM aclexplode(c.relacl) a
              WHERE a.grantee = (SELECT oid FROM target)), '{}') AS privileges
  FROM pg_class c
  WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f') AND c.relnamespace IN (SELECT oid FROM schemas)
),
routines AS (
  SELECT p.pronamespace AS schema_oid, pg_get_userbyid(p.proowner) AS owner,
    EXISTS (SELECT 1 FROM aclexplode(p.proacl) a WHERE a.grantee = (SELECT oid FROM target) AND a.privilege_type = 'EXECUTE') AS execute
  FROM pg_proc p WHERE p.pronamespace IN (SELECT oid FROM schemas)
),
defaults AS (
  SELECT d.defaclnamespace AS schema_oid, pg_get_userbyid(d.defaclrole) AS owner, d.defaclobjtype AS objtype,
    array_agg(a.privilege_type::text ORDER BY a.privilege_type) AS privileges
  FROM pg_default_acl d, aclexplode(d.defaclacl) a
  WHERE d.defaclnamespace IN (SELECT oid FROM schemas) AND a.grantee = (SELECT oid FROM target)
  GROUP BY 1, 2, 3
),
privilege_counts AS (
  SELECT r.schema_oid, privilege, count(*) AS holders
  FROM relations r, unnest(r.privileges) AS privilege
  GROUP BY 1, 2
),
-- Whoever may create objects in the schema: its owner and every current owner of objects in it.
-- Predefined roles (pg_database_owner owns public) never create objects themselves.
owners AS (
  SELECT * FROM (
    SELECT s.oid AS schema_oid, s.owner FROM schemas s
    -- The provisioning user and the database owner create most objects, even in an empty schema.
    UNION SELECT s.oid, current_user::text FROM schemas s
    UNION SELECT s.oid, pg_get_userbyid(d.datdba) FROM schemas s, pg_database d WHERE d.datname = current_database()
    UNION SELECT schema_oid, owner FROM relations
    UNION SELECT schema_oid, owner FROM routines
    UNION SELECT schema_oid, owner FROM defaults
  ) o WHERE o.owner NOT LIKE 'pg\\_%'
),
-- Every role whose rights a statement of the plan may need here, and how the provisioning user can act for it.
access AS (
  SELECT o.owner, ${accessTo('o.owner')} AS access FROM (
    SELECT owner FROM schemas UNION SELECT owner FROM relations UNION SELECT owner FROM routines
    UNION SELECT owner FROM owners UNION SELECT pg_get_userbyid(d.datdba) FROM pg_database d WHERE d.datname = current_database()
  ) o
),
described AS (
  SELECT s.name, s.owner, s.usage, s."create",
    COALESCE((SELECT json_agg(DISTINCT r.owner) FROM relations r WHERE r.schema_oid = s.oid), '[]'::json) AS table_owners,
    COALESCE((SELECT json_agg(DISTINCT f.owner) FROM routines f WHERE f.schema_oid = s.oid), '[]'::json) AS routine_owners,
    (SELECT count(*) FROM relations r WHERE r.schema_oid = s.oid) AS table_count,
    COALESCE((SELECT json_object_agg(pc.privilege, pc.holders) FROM privilege_counts pc WHERE pc.schema_oid = s.oid), '{}'::json) AS table_privileges,
    (SELECT count(*) FROM routines f WHERE f.schema_oid = s.oid) AS routine_count,
    (SELECT count(*) FROM routines f WHERE f.schema_oid = s.oid AND f.execute) AS execute_count,
    COALESCE((SELECT json_agg(json_build_object(
        'owner', o.owner,
        'tables', COALESCE((SELECT d.privileges FROM defaults d WHERE d.schema_oid = s.oid AND d.owner = o.owner AND d.objtype = 'r'), '{}'),
        'routines', COALESCE((SELECT d.privileges FROM defaults d WHERE d.schema_oid = s.oid AND d.owner = o.owner AND d.objtype = 'f'), '{}'))
      ORDER BY o.owner) FROM owners o WHERE o.schema_oid = s.oid), '[]'::json) AS default_privileges,
    EXISTS (SELECT 1 FROM defaults d WHERE d.schema_oid = s.oid) AS has_defaults,
    s.oid
  FROM schemas s
)
SELECT json_build_object(
  'database', current_database(),
  'owner', (SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = current_database()),
  'access', (SELECT json_object_agg(a.owner, a.access) FROM access a),
  'schemas', COALESCE(json_agg(json_build_object(
    'name', d.name, 'owner', d.owner, 'usage', d.usage, 'create', d."create", 'table_count', d.table_count,
    'table_owners', d.table_owners, 'routine_owners', d.routine_owners,
    'table_privileges', d.table_privileges, 'routine_count', d.routine_count, 'execute_count', d.execute_count,
    'default_privileges', d.default_privileges,
    'exceptions', COALESCE((
      SELECT json_agg(json_build_object('table', e.name, 'privileges', e.privileges) ORDER BY e.name)
      FROM (SELECT r.name, r.privileges FROM relations r WHERE r.schema_oid = d.oid
              AND r.privileges IS DISTINCT FROM (
                SELECT COALESCE(array_agg(pc.privilege ORDER BY pc.privilege), '{}') FROM privilege_counts pc
                WHERE pc.schema_oid = d.oid AND pc.holders = d.table_count)
            ORDER BY r.name LIMIT ${MAX_EXCEPTIONS_PER_SCHEMA}) e), '[]'::json)
  ) ORDER BY d.name) FILTER (WHERE d.name IN (SELECT name FROM asked) OR d.usage OR d."create"
      OR d.table_privileges::text <> '{}' OR d.execute_count > 0 OR d.has_defaults), '[]'::json)
)::text AS state
FROM described d`;

/**
 * Characters per chunk: UTF-8 takes at most 4 bytes a character, so a chunk is at most 32,000 bytes,
 * under the Data API's 64 KB per row.
 */
export const CHUNK_CHARACTERS = 8_000;
/**
 * Bytes of chunks after which the next page starts: a page is at most this plus one chunk (932,000
 * bytes), under the Data API's 1 MiB per response. A state under it is answered in one call.
 */
export const PAGE_BYTES = 900_000;

/**
 * A state read (one row, one JSON text column `state`) answered as its text cut in chunks, in order,
 * one page of them per call. Parameter `:page` (from 0). Every row carries the number of pages and the
 * digest of the whole text, so that the reader can tell pages of two different states apart: each page
 * runs the read again.
 */
export const inChunks = (stateSql: string) => `
WITH answer AS (
  SELECT s.state, encode(sha256(convert_to(s.state, 'UTF8')), 'hex') AS digest FROM (${stateSql}) s
),
chunks AS (
  SELECT n, substr(a.state, (n - 1) * ${CHUNK_CHARACTERS} + 1, ${CHUNK_CHARACTERS}) AS chunk, a.digest
  FROM answer a, generate_series(1, greatest(1, ceil(length(a.state) / ${CHUNK_CHARACTERS}.0)::int)) AS n
),
placed AS (
  SELECT n, chunk, digest, (sum(octet_length(chunk)) OVER (ORDER BY n) - 1) / ${PAGE_BYTES} AS page FROM chunks
)
SELECT (SELECT max(p.page) FROM placed p) + 1 AS pages, digest, chunk FROM placed
WHERE page = CAST(:page AS int) ORDER BY n`;

/** The databases a DB role job provisions: every one that is not a template and accepts connections. */
export const JOB_DATABASES_SQL = `
SELECT datname AS name FROM pg_database
WHERE NOT datistemplate AND datallowconn AND datname NOT IN ('rdsadmin')
ORDER BY datname`;

/**
 * The schemas of a database a DB role job provisions, each with the roles whose future objects the
 * job's default privileges must cover (as in the plan's reads, predefined roles left out), and, for
 * every role whose rights its grants need (those, the schema's owner and the owners of its objects),
 * how the provisioning user can act for it.
 */
export const JOB_SCHEMAS_SQL = `
WITH schemas AS (
  SELECT n.oid, n.nspname, n.nspowner FROM pg_namespace n
  WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
    AND n.nspname NOT LIKE 'pg\\_temp\\_%' AND n.nspname NOT LIKE 'pg\\_toast\\_temp\\_%'
),
owners AS (
  SELECT s.oid AS schema_oid, pg_get_userbyid(s.nspowner) AS owner FROM schemas s
  UNION SELECT s.oid, current_user::text FROM schemas s
  UNION SELECT s.oid, pg_get_userbyid(d.datdba) FROM schemas s, pg_database d WHERE d.datname = current_database()
  UNION SELECT c.relnamespace, pg_get_userbyid(c.relowner) FROM pg_class c WHERE c.relnamespace IN (SELECT oid FROM schemas)
)
SELECT s.nspname AS name, current_user AS master,
  (SELECT json_agg(o.owner ORDER BY o.owner)::text FROM owners o WHERE o.schema_oid = s.oid AND o.owner NOT LIKE 'pg\\_%') AS owners,
  (SELECT json_object_agg(o.owner, ${accessTo('o.owner')})::text FROM owners o WHERE o.schema_oid = s.oid) AS access
FROM schemas s ORDER BY s.nspname`;

/**
 * JOB_SCHEMAS_SQL with, on every row, a fingerprint of the whole answer: a job builds its grants
 * from this read, then checks under the lock that the fingerprint is unchanged before it runs them.
 */
export const JOB_SCHEMAS_FINGERPRINT_SQL = `
WITH job_schemas AS (${JOB_SCHEMAS_SQL})
SELECT s.*, f.fingerprint
FROM job_schemas s, (SELECT md5(string_agg(j::text, ',' ORDER BY j.name)) AS fingerprint FROM job_schemas j) f
ORDER BY s.name`;
