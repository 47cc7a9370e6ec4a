// Backlog drain in the Lambda: a scheduled run that ends with work pending invokes its own function
// again (asynchronously, InvocationType Event) with a chain step, up to LOAD_CHAIN_MAX per schedule
// tick. A lease row in the ledger (loader.drain_chain) keeps two chains from running at once: a
// scheduled tick that finds another chain's lease alive does nothing; the chain renews the lease at
// every step and gives it up when it ends. Reserved concurrency alone would not do: it queues async
// invocations rather than refusing them, so a second chain would still run after the first.
import { InvokeCommand } from "@aws-sdk/client-lambda";
import { buildChainClaim, buildChainCreate, buildChainRelease } from "@kr/copy-builder";
import type { LambdaInvoker } from "./aws-invoke";
import type { LoaderPayload } from "./lambda-event";
import type { LoadReport } from "./report";
import type { Connect } from "./warehouse";
import { endQuietly } from "./warehouse";

export interface ChainStep {
  chainId: string;
  /** 0 for the scheduled run, 1.. for its continuations. */
  step: number;
}

/** How long past the current invocation a lease stays alive: the continuation must start by then. */
export const LEASE_SLACK_MS = 5 * 60_000;

/** Takes or renews the lease for this chain; false when another chain holds it. */
export async function claimChain(
  connect: Connect,
  chain: ChainStep,
  expiresAt: Date,
  now: Date,
): Promise<boolean> {
  const client = await connect();
  try {
    const claimed = await client.query(buildChainClaim(chain.chainId, expiresAt, now));
    if (claimed.rowCount === 1) return true;
    try {
      const created = await client.query(buildChainCreate(chain.chainId, expiresAt));
      return created.rowCount === 1;
    } catch {
      // Another chain created the row at the same moment (primary key, or Redshift's serializable
      // isolation): it holds the lease.
      return false;
    }
  } finally {
    await endQuietly(client);
  }
}

export async function releaseChain(connect: Connect, chain: ChainStep, now: Date): Promise<void> {
  const client = await connect();
  try {
    await client.query(buildChainRelease(chain.chainId, now));
  } finally {
    await endQuietly(client);
  }
}

/** Continue when work is pending and the chain has steps left (a fresh invocation has a fresh budget). */
export function shouldContinue(report: LoadReport, chain: ChainStep, chainMax: number): boolean {
  return !report.dryRun && report.pending.files > 0 && chain.step < chainMax;
}

export function continuationPayload(chain: ChainStep): LoaderPayload {
  return { action: "load", continuation: { chainId: chain.chainId, step: chain.step + 1 } };
}

/** Invokes the function itself, asynchronously: this invocation ends, the next one starts fresh. */
export async function invokeContinuation(
  lambda: LambdaInvoker,
  functionName: string,
  chain: ChainStep,
): Promise<LoaderPayload> {
  const payload = continuationPayload(chain);
  await lambda.send(
    new InvokeCommand({
      FunctionName: functionName,
      InvocationType: "Event",
      Payload: JSON.stringify(payload),
    }),
  );
  return payload;
}
