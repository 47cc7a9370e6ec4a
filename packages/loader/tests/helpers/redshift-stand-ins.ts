// Redshift system tables the loader reads, as views over PostgreSQL's own catalog (columns as the
// AWS docs list them, times in UTC like Redshift's), so the Redshift statement sequence runs on
// PostgreSQL unchanged: STV_SESSIONS and STL_CONNECTION_LOG (the stale-session sweep), GETDATE(), and
// STV_SLICES (batch sizing; four slices, as on 2 × ra3.xlplus), SYS_LOAD_ERROR_DETAIL and
// PG_LAST_COPY_ID (the COPY's rejects), and the JSON and cast functions of the parse of raw lines.
import type { TestStack } from "./stack";

export async function createRedshiftStandIns(stack: Pick<TestStack, "query">): Promise<void> {
  await stack.query(`CREATE VIEW public.stv_sessions AS
    SELECT (backend_start AT TIME ZONE 'UTC') AS starttime, pid AS process, usename::text AS user_name,
           datname::text AS db_name, 0 AS timeout_sec
    FROM pg_stat_activity WHERE backend_type = 'client backend'`);
  await stack.query(`CREATE VIEW public.stl_connection_log AS
    SELECT 'initiating session'::text AS event, (backend_start AT TIME ZONE 'UTC') AS recordtime, pid,
           application_name::text AS application_name
    FROM pg_stat_activity WHERE backend_type = 'client backend'`);
  await stack.query(
    "CREATE FUNCTION public.getdate() RETURNS timestamp LANGUAGE sql AS $$ SELECT now() AT TIME ZONE 'UTC' $$",
  );
  await stack.query(
    "CREATE VIEW public.stv_slices AS SELECT s AS slice, s / 2 AS node FROM generate_series(0, 3) AS s",
  );
  // SYS_LOAD_ERROR_DETAIL's columns that the loader reads, filled by the emulated COPY (./redshift.ts)
  // under a new query id, which pg_last_copy_id() then returns for the session.
  await stack.query(`CREATE TABLE public.sys_load_error_detail (
    query_id bigint, session_id integer, start_time timestamp, file_name text, line_number bigint,
    column_name text, error_message text)`);
  await stack.query("CREATE SEQUENCE public.kr_copy_ids");
  await stack.query(`CREATE FUNCTION public.pg_last_copy_id() RETURNS bigint LANGUAGE sql AS
    $$ SELECT COALESCE(NULLIF(current_setting('kr.last_copy_id', true), ''), '-1')::bigint $$`);
  for (const statement of REDSHIFT_FUNCTION_STAND_INS) await stack.query(statement);
}

/**
 * Redshift's JSON and cast functions used by the parse of raw lines (copy-builder raw-lines.ts), as
 * PostgreSQL functions with the documented behaviour; redshiftOnPostgres (./redshift.ts) calls them.
 */
export const REDSHIFT_FUNCTION_STAND_INS = [
  // CAN_JSON_PARSE: "returns true if the result can be converted to a SUPER value using JSON_PARSE".
  `CREATE OR REPLACE FUNCTION public.rs_can_json_parse(t text) RETURNS boolean LANGUAGE plpgsql AS $$
   BEGIN IF t IS NULL THEN RETURN NULL; END IF; PERFORM t::jsonb; RETURN true;
   EXCEPTION WHEN others THEN RETURN false; END $$`,
  // TRY_CAST: "If casting fails because of conversion errors, the operation returns null".
  `CREATE OR REPLACE FUNCTION public.rs_try_timestamptz(t text) RETURNS timestamptz LANGUAGE plpgsql AS $$
   BEGIN RETURN t::timestamptz; EXCEPTION WHEN others THEN RETURN NULL; END $$`,
  // CAST(… AS VARCHAR(n)): Redshift's n counts bytes; whole characters within n bytes are kept.
  `CREATE OR REPLACE FUNCTION public.rs_varchar_bytes(t text, n int) RETURNS text LANGUAGE plpgsql AS $$
   DECLARE k int := least(length(t), n);
   BEGIN IF t IS NULL THEN RETURN NULL; END IF;
     WHILE octet_length(left(t, k)) > n LOOP k := k - 1; END LOOP; RETURN left(t, k); END $$`,
];
