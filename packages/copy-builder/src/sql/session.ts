// Session hygiene: every loader connection is tagged, bounded in time, and a run starts by ending the
// loader sessions that outlived any run (a Lambda killed at its timeout can leave its session, and
// the lock it holds, behind). Pinned per dialect; the Redshift texts follow the AWS docs quoted in
// docs/loading.md.
import type { Dialect, Statement } from "./dialect";

/** Prefix of every loader session's application_name; the project follows it. */
export const LOADER_APPLICATION_PREFIX = "kr-loader:";

/** `kr-loader:<project>`: how a run recognises its own kind among the warehouse's sessions. */
export function loaderApplicationName(project: string): string {
  if (!/^[a-z][a-z0-9-]{0,29}$/.test(project)) throw new RangeError(`invalid project name ${project}`);
  return `${LOADER_APPLICATION_PREFIX}${project}`;
}

/**
 * `SET statement_timeout TO <ms>`: both dialects take milliseconds, 0 turns the limit off. Redshift
 * counts planning and WLM queueing in it too.
 */
export function buildStatementTimeout(milliseconds: number): string {
  if (!Number.isInteger(milliseconds) || milliseconds < 0)
    throw new RangeError("statement_timeout must be whole milliseconds ≥ 0");
  return `SET statement_timeout TO ${milliseconds}`;
}

/**
 * PostgreSQL only: the session's deadlock_timeout in milliseconds (one row, `ms`). A lock request
 * blocked by autovacuum interrupts it only when the waiter's deadlock check runs, this long into the
 * wait.
 */
export const DEADLOCK_TIMEOUT_QUERY =
  "SELECT setting::int AS ms FROM pg_settings WHERE name = 'deadlock_timeout'";

/**
 * PostgreSQL only, outside a transaction: `SET deadlock_timeout TO <ms>` for the session. Only a
 * superuser may set it (SQLSTATE 42501 otherwise, which leaves the server's value).
 */
export function buildDeadlockTimeout(milliseconds: number): string {
  if (!Number.isInteger(milliseconds) || milliseconds < 1)
    throw new RangeError("deadlock_timeout must be whole milliseconds ≥ 1");
  return `SET deadlock_timeout TO ${milliseconds}`;
}

/**
 * PostgreSQL only, inside a transaction: memory for the merge's hash joins and sorts, so they stay in
 * memory instead of spilling to disk; LOCAL ends with the transaction. Redshift has no work_mem: a
 * query's memory is its WLM queue slot.
 */
export function buildWorkMem(megabytes: number): string {
  if (!Number.isInteger(megabytes) || megabytes < 1) throw new RangeError("work_mem must be whole MB ≥ 1");
  return `SET LOCAL work_mem = '${megabytes}MB'`;
}

/**
 * Loader sessions of this application older than `olderThanSeconds`, except the caller's own. One
 * column: pid.
 * PostgreSQL: pg_stat_activity has application_name and backend_start.
 * Redshift: STV_SESSIONS lists the active sessions (starttime, process) but not their
 * application_name; STL_CONNECTION_LOG records it with the pid at 'initiating session'. Both are
 * visible to a superuser for every user (the loader connects as the cluster's master user).
 */
export function buildStaleSessionsQuery(
  dialect: Dialect,
  applicationName: string,
  olderThanSeconds: number,
): Statement {
  if (!applicationName.startsWith(LOADER_APPLICATION_PREFIX))
    throw new RangeError(`not a loader application name: ${applicationName}`);
  if (!Number.isInteger(olderThanSeconds) || olderThanSeconds < 1)
    throw new RangeError("the stale-session age must be whole seconds ≥ 1");
  if (dialect === "redshift") {
    return {
      text: [
        "SELECT DISTINCT s.process AS pid",
        "FROM stv_sessions AS s",
        "JOIN stl_connection_log AS c",
        "  ON c.pid = s.process AND c.event = 'initiating session' AND c.recordtime >= s.starttime - INTERVAL '1 minute'",
        "WHERE TRIM(c.application_name) = $1",
        "  AND s.process <> PG_BACKEND_PID()",
        `  AND s.starttime < GETDATE() - INTERVAL '${olderThanSeconds} seconds'`,
      ].join("\n"),
      values: [applicationName],
    };
  }
  return {
    text: [
      "SELECT pid FROM pg_stat_activity",
      "WHERE application_name = $1",
      "  AND pid <> pg_backend_pid()",
      "  AND datname = current_database()",
      `  AND backend_start < now() - INTERVAL '${olderThanSeconds} seconds'`,
    ].join("\n"),
    values: [applicationName],
  };
}

/**
 * Ends one session: its transaction rolls back and its locks are released. Redshift: "You can
 * terminate a session owned by your user. A superuser can terminate any session."
 */
export function buildTerminateSession(dialect: Dialect, pid: number): Statement {
  if (!Number.isInteger(pid) || pid <= 0) throw new RangeError(`invalid pid ${pid}`);
  return {
    text: dialect === "redshift" ? "SELECT PG_TERMINATE_BACKEND($1)" : "SELECT pg_terminate_backend($1)",
    values: [pid],
  };
}
