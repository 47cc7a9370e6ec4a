// The reject step, the same SQL on both engines: after the stage, the staged rows the target would
// refuse (a key longer than its column, a missing required field) are counted, reported and removed.
// Together with the stage's own rejects they spend one LOAD_MAX_ERRORS budget per stream per batch.
// A safety net on PostgreSQL, whose stage makes these checks with the line at hand: what it still
// finds goes into the batch's rejects table without a line (raw_line NULL), like Redshift's.
import {
  buildDeleteStagingRejects,
  buildRejectsFromStaging,
  buildStagingRejects,
  type MergeTarget,
  type TargetColumn,
} from "@kr/copy-builder";
import type pg from "pg";
import type { StageOutcome } from "./drivers/types";
import { LoadFailedError, TooManyRejectedError } from "./errors";
import type { RejectedRecord } from "./staging/index";

const SAMPLE = 100;

export interface StagingRejectsInput {
  client: pg.ClientBase;
  stream: string;
  target: MergeTarget;
  /** The target's columns (their NOT NULL and lengths are what is checked). */
  columns: readonly TargetColumn[];
  maxErrors: number;
  /** What the stage rejected before. */
  staged: StageOutcome;
  /**
   * A replay: a staged row found here cannot be traced back to its quarantined line, so it would be
   * marked replayed without loading. The replay fails instead (nothing changes).
   */
  replay?: boolean;
}

/**
 * Runs the reject step and returns the stage outcome with its rejects added. Throws
 * TooManyRejectedError when the two together exceed `maxErrors` (the caller rolls back).
 */
export async function rejectInStaging(input: StagingRejectsInput): Promise<StageOutcome> {
  const { client, staged } = input;
  const { rows } = await client.query<{ key_prefix: string | null; reason: string; total: string | number }>(
    buildStagingRejects(input.target, input.columns, SAMPLE),
  );
  const count = Number(rows[0]?.total ?? 0);
  if (count === 0) return staged;
  // The staging row no longer knows its file and line; the key's start identifies the record.
  const records: RejectedRecord[] = rows.map((row) => ({
    key: "(staging)",
    line: 0,
    reason: row.reason,
    raw: row.key_prefix === null ? "" : `${input.target.key}=${row.key_prefix}`,
  }));
  const rejectedCount = staged.rejectedCount + count;
  const rejected = [...staged.rejected, ...records].slice(0, SAMPLE);
  if (rejectedCount > input.maxErrors)
    throw new TooManyRejectedError(input.stream, rejectedCount, input.maxErrors, rejected);
  if (input.replay) {
    throw new LoadFailedError(
      `${input.stream}: ${count} replayed rows failed the SQL reject step (${rows[0]?.reason}), which cannot tell their quarantined lines; the replay rolled back and nothing changed`,
    );
  }
  await client.query(buildRejectsFromStaging(input.target, input.columns));
  await client.query(buildDeleteStagingRejects(input.target, input.columns));
  return { ...staged, rejectedCount, rejected };
}
