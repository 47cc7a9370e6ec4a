// What to tell the user when a batch's statement was cancelled by its statement_timeout: the run's
// deadline (the time budget) or LOAD_STATEMENT_TIMEOUT_SECONDS. The server's own text ("canceling
// statement due to statement timeout") says neither which limit it was nor what to change.
import { formatBytes } from "./units";
import { hasSqlState } from "./warehouse";

/** SQLSTATE 57014 (query_canceled): PostgreSQL and Redshift raise it when statement_timeout fires. */
export function isStatementCancelled(error: unknown): boolean {
  return hasSqlState(error, "57014");
}

export interface TimeoutLimits {
  /** The run's time budget (ms): every statement of a batch runs under the time left before it. */
  budgetMs?: number;
  /** From the Lambda's remaining time, not LOAD_TIME_BUDGET_SECONDS. */
  fromLambda?: boolean;
  /** LOAD_STATEMENT_TIMEOUT_SECONDS: the limit when the run has no budget (0 = none). */
  statementTimeoutSeconds: number;
}

/**
 * The failed stream's message for a cancelled statement: which limit cut it, that nothing of the
 * batch is loaded, and what to change. The server's text is kept at the end.
 */
export function statementCancelledMessage(
  stream: string,
  batch: { files: number; bytes: number },
  limits: TimeoutLimits,
  serverMessage: string,
): string {
  const what = `${stream}: a statement of the batch (${batch.files} file${batch.files === 1 ? "" : "s"}, ${formatBytes(batch.bytes)})`;
  const lost = "the batch rolled back and nothing of it is loaded";
  const server = ` (server: ${serverMessage})`;
  const halved = "the next batches of this stream take at most half these bytes";
  const smaller =
    "to make every batch smaller from the start, lower LOAD_BATCH_MAX_BYTES or LOAD_BATCH_MAX_FILES";
  const lock =
    "another session holding the table's lock delays a batch the same way (the next run ends loader sessions older than LOAD_STALE_SESSION_SECONDS; look for others in pg_stat_activity, on Redshift STV_SESSIONS)";
  if (limits.budgetMs !== undefined) {
    const budget = `${(limits.budgetMs / 1000).toFixed(1)} s`;
    const more = limits.fromLambda
      ? "give the function a longer timeout"
      : "give the run more time (LOAD_TIME_BUDGET_SECONDS)";
    return (
      `${what} was cancelled at this run's deadline (time budget ${budget}): the batch took longer than its estimate; ${lost}. ` +
      `Run the same command again: ${halved}. If a batch of one file is cut again, ${more}; ${smaller}; ${lock}${server}`
    );
  }
  if (limits.statementTimeoutSeconds > 0) {
    return (
      `${what} ran longer than LOAD_STATEMENT_TIMEOUT_SECONDS=${limits.statementTimeoutSeconds} and was cancelled; ${lost}. ` +
      `Run it again: ${halved}. If a batch of one file is cut again, raise LOAD_STATEMENT_TIMEOUT_SECONDS (0 = no limit); ${smaller}; ${lock}${server}`
    );
  }
  return `${what} was cancelled on the server (a statement_timeout set for the loader's user, or pg_cancel_backend); ${lost}; ${halved}${server}`;
}
