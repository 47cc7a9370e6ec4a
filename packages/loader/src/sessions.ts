// Orphans: a loader killed at its deadline (a Lambda timeout freezes the process, the socket may stay
// open) can leave a session behind that still holds the table lock, and the next run would queue
// behind it. Every run starts by terminating loader sessions older than any run can be.
import { buildStaleSessionsQuery, buildTerminateSession, type Dialect } from "@kr/copy-builder";
import type pg from "pg";

export interface StaleSessionOptions {
  dialect: Dialect;
  /** `kr-loader:<project>`: only this project's loader sessions are candidates. */
  applicationName: string;
  /** LOAD_STALE_SESSION_SECONDS; 0 turns the sweep off. */
  olderThanSeconds: number;
}

/** Terminates stale loader sessions; returns their pids (the server rolls their transactions back). */
export async function terminateStaleSessions(
  client: pg.ClientBase,
  options: StaleSessionOptions,
): Promise<number[]> {
  if (options.olderThanSeconds <= 0) return [];
  const { rows } = await client.query<{ pid: number | string }>(
    buildStaleSessionsQuery(options.dialect, options.applicationName, options.olderThanSeconds),
  );
  const terminated: number[] = [];
  for (const row of rows) {
    const pid = Number(row.pid);
    await client.query(buildTerminateSession(options.dialect, pid));
    terminated.push(pid);
  }
  return terminated;
}
