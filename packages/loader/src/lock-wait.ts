// PostgreSQL's autovacuum and the merge's lock. Autovacuum holds SHARE UPDATE EXCLUSIVE on a table it
// vacuums, which the merge's SHARE ROW EXCLUSIVE conflicts with. It gives way to a waiting lock
// request ("lock acquisition will interrupt the autovacuum", PostgreSQL docs, The Autovacuum Daemon),
// but only when the waiter's deadlock check runs, deadlock_timeout (1 s by default) into the wait. In
// the bench that cost a re-import 1 s (4.1 s instead of 3.0 s) and cut a drain batch whose budget
// left it less than that. So the merge's session asks for a short deadlock_timeout, which only a
// superuser may set (otherwise the server's stays), and a budgeted merge's statement_timeout leaves
// room for whichever applies.
import { buildDeadlockTimeout, DEADLOCK_TIMEOUT_QUERY, type Dialect } from "@kr/copy-builder";
import type pg from "pg";
import { hasSqlState } from "./warehouse";

/** The deadlock_timeout the merge's session asks for: autovacuum yields this soon. */
export const LOCK_WAIT_CHECK_MS = 100;

/** Per connection: the session's deadlock_timeout once set (a session keeps it). */
const prepared = new WeakMap<pg.ClientBase, number>();

/**
 * Outside a transaction, once per connection: on PostgreSQL sets the session's deadlock_timeout to
 * LOCK_WAIT_CHECK_MS where permitted, and returns the session's deadlock_timeout (ms): how long the
 * merge's lock may wait for autovacuum to give way. Redshift: 0 (its LOCK meets no autovacuum).
 */
export async function prepareLockWait(client: pg.ClientBase, dialect: Dialect): Promise<number> {
  if (dialect !== "postgres") return 0;
  const known = prepared.get(client);
  if (known !== undefined) return known;
  try {
    await client.query(buildDeadlockTimeout(LOCK_WAIT_CHECK_MS));
  } catch (error) {
    if (!isInsufficientPrivilege(error)) throw error;
  }
  const { rows } = await client.query<{ ms: unknown }>(DEADLOCK_TIMEOUT_QUERY);
  const ms = Math.max(0, Number(rows[0]?.ms ?? 0));
  prepared.set(client, ms);
  return ms;
}

/** SQLSTATE 42501: not a superuser, so the server's deadlock_timeout stays. */
function isInsufficientPrivilege(error: unknown): boolean {
  return hasSqlState(error, "42501");
}
