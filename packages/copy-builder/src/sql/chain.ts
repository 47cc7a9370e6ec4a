// The drain chain's lease: a scheduled Lambda run that ends with work pending invokes itself again,
// and the lease makes sure two such chains never run at once. One row; a chain holds it while its
// expiry is ahead, renews it at every step, and gives it up when it ends.
import { qualifiedName } from "../identifiers";
import { LEDGER_SCHEMA } from "./ddl";
import { type Statement, timestampText } from "./dialect";

const LEASE = "drain";

export function chainLeaseDdl(dialect: "redshift" | "postgres", ledgerSchema = LEDGER_SCHEMA): string {
  return `CREATE TABLE IF NOT EXISTS ${qualifiedName(ledgerSchema, "drain_chain")} (
  "name" VARCHAR(32) NOT NULL,
  "chain_id" VARCHAR(64) NOT NULL,
  "expires_at" TIMESTAMPTZ NOT NULL,
  PRIMARY KEY ("name")
)${dialect === "redshift" ? "\nDISTSTYLE ALL" : ""}`;
}

/** Takes or renews the lease: succeeds (1 row) when this chain holds it or it has expired. */
export function buildChainClaim(
  chainId: string,
  expiresAt: Date,
  now: Date,
  ledgerSchema = LEDGER_SCHEMA,
): Statement {
  return {
    text: `UPDATE ${qualifiedName(ledgerSchema, "drain_chain")} SET "chain_id" = $1, "expires_at" = $2 WHERE "name" = $3 AND ("chain_id" = $1 OR "expires_at" <= $4)`,
    values: [chainId, timestampText(expiresAt), LEASE, timestampText(now)],
  };
}

/** The first claim ever: the row does not exist yet (1 row inserted = taken). */
export function buildChainCreate(chainId: string, expiresAt: Date, ledgerSchema = LEDGER_SCHEMA): Statement {
  const table = qualifiedName(ledgerSchema, "drain_chain");
  return {
    text: `INSERT INTO ${table} ("name", "chain_id", "expires_at") SELECT CAST($1 AS VARCHAR(32)), CAST($2 AS VARCHAR(64)), CAST($3 AS TIMESTAMPTZ) WHERE NOT EXISTS (SELECT 1 FROM ${table} WHERE "name" = $1)`,
    values: [LEASE, chainId, timestampText(expiresAt)],
  };
}

/** Gives the lease up (the chain ended): the next scheduled run may start a chain at once. */
export function buildChainRelease(chainId: string, now: Date, ledgerSchema = LEDGER_SCHEMA): Statement {
  return {
    text: `UPDATE ${qualifiedName(ledgerSchema, "drain_chain")} SET "expires_at" = $1 WHERE "name" = $2 AND "chain_id" = $3`,
    values: [timestampText(now), LEASE, chainId],
  };
}
