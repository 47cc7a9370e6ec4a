// After a batch rolled back, one row in loader.failed_batches says which hours it covered and why it
// failed, so the status grid can show `failed` (the batch's own rows are gone with the rollback).
import { buildFailedBatchRecord, floorToHour } from "@kr/copy-builder";
import { type PlannedFile, totalBytes } from "../s3-objects";
import { type Connect, endQuietly } from "../warehouse";

export async function recordFailedBatch(
  connect: Connect,
  attempt: {
    batchId: string;
    stream: string;
    files: readonly PlannedFile[];
    error: string;
    failedAt: Date;
    driver: string;
    timedOut: boolean;
  },
): Promise<boolean> {
  if (attempt.files.length === 0) return false;
  const hours = attempt.files.map((f) => floorToHour(f.hour).getTime());
  let client: Awaited<ReturnType<Connect>> | undefined;
  try {
    // A fresh connection: the batch's own may be the reason it failed.
    client = await connect();
    await client.query(
      buildFailedBatchRecord({
        batchId: attempt.batchId,
        stream: attempt.stream,
        fileHourFrom: new Date(Math.min(...hours)),
        fileHourTo: new Date(Math.max(...hours)),
        files: attempt.files.length,
        bytes: totalBytes(attempt.files),
        error: attempt.error,
        failedAt: attempt.failedAt,
        driver: attempt.driver,
        timedOut: attempt.timedOut,
      }),
    );
    return true;
  } catch {
    // Best effort: the batch's own error is what the caller reports; the grid then shows `pending`.
    return false;
  } finally {
    await endQuietly(client);
  }
}
