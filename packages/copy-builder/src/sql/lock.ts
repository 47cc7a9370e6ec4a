// One loader at a time per stream: the batch transaction starts by locking. This is where the
// dialects differ most, so both texts are pinned by tests.
import { qualifiedName } from "../identifiers";
import { LEDGER_SCHEMA } from "./ddl";
import type { Dialect } from "./dialect";

/**
 * Redshift: LOCK has one mode (ACCESS EXCLUSIVE). The ledger tables (and the quarantine, which a
 * batch writes and a replay reads and updates) are locked too, because two
 * transactions that both read and write the ledger can fail each other with a serializable-isolation
 * error; with the lock they queue instead. Locking first also makes the transaction's snapshot start
 * after the previous holder committed.
 * PostgreSQL: SHARE ROW EXCLUSIVE conflicts with itself (loaders queue) but not with readers, and
 * other streams' loaders only touch their own ledger rows, so they run in parallel.
 */
export function buildLock(
  dialect: Dialect,
  target: { schema: string; table: string },
  ledgerSchema = LEDGER_SCHEMA,
): string {
  const table = qualifiedName(target.schema, target.table);
  if (dialect === "redshift") {
    return `LOCK ${table}, ${qualifiedName(ledgerSchema, "loaded_files")}, ${qualifiedName(ledgerSchema, "batches")}, ${qualifiedName(ledgerSchema, "rejected_records")}`;
  }
  return `LOCK TABLE ${table} IN SHARE ROW EXCLUSIVE MODE`;
}
