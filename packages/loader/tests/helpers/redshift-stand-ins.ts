// Redshift system tables the loader reads, as views over PostgreSQL's own catalog (columns as the
// AWS docs list them, times in UTC like Redshift's), so the Redshift statement sequence runs on
// PostgreSQL unchanged: STV_SESSIONS and STL_CONNECTION_LOG (the stale-session sweep), GETDATE(), and
// STV_SLICES (batch sizing; four slices, as on 2 × ra3.xlplus).
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
}
