// Read-only checks the demo reports: objects per hour in S3, rows per hour in the warehouse, and
// whether every delivered event is in its table exactly once.
import { ListObjectsV2Command, type S3Client } from "@aws-sdk/client-s3";
import { formatHour, hourPrefix } from "@kr/copy-builder";
import type pg from "pg";

export interface HourCount {
  hour: string;
  count: number;
  bytes?: number;
}

export interface ExactlyOnce {
  stream: string;
  table: string;
  expected: number;
  rows: number;
  distinct: number;
  missing: number;
  unexpected: number;
  ok: boolean;
}

export async function countObjectsPerHour(
  s3: S3Client,
  bucket: string,
  prefixes: Record<string, string>,
  hours: Date[],
): Promise<Record<string, HourCount[]>> {
  const result: Record<string, HourCount[]> = {};
  for (const [stream, prefix] of Object.entries(prefixes)) {
    result[stream] = [];
    for (const hour of hours) {
      let count = 0;
      let bytes = 0;
      let token: string | undefined;
      do {
        const page = await s3.send(
          new ListObjectsV2Command({
            Bucket: bucket,
            Prefix: hourPrefix(prefix, hour),
            ContinuationToken: token,
          }),
        );
        for (const object of page.Contents ?? []) {
          count++;
          bytes += object.Size ?? 0;
        }
        token = page.NextContinuationToken;
      } while (token);
      result[stream].push({ hour: formatHour(hour), count, bytes });
    }
  }
  return result;
}

/** Rows per hour of occurred_at. `table` comes from validated config (schema.stream). */
export async function countRowsPerHour(client: pg.ClientBase, table: string): Promise<HourCount[]> {
  const { rows } = await client.query<{ hour: Date; n: string }>(
    `SELECT date_trunc('hour', occurred_at) AS hour, count(*) AS n FROM ${table} GROUP BY 1 ORDER BY 1`,
  );
  return rows.map((r) => ({ hour: formatHour(new Date(r.hour)), count: Number(r.n) }));
}

/** Compares the table's event ids with the distinct valid ids that reached Firehose. */
export async function verifyExactlyOnce(
  client: pg.ClientBase,
  stream: string,
  table: string,
  expectedIds: ReadonlySet<string>,
): Promise<ExactlyOnce> {
  const { rows } = await client.query<{ event_id: string }>(`SELECT event_id FROM ${table}`);
  const seen = new Set<string>();
  let unexpected = 0;
  for (const { event_id } of rows) {
    if (!expectedIds.has(event_id)) unexpected++;
    seen.add(event_id);
  }
  let missing = 0;
  for (const id of expectedIds) if (!seen.has(id)) missing++;
  const ok =
    missing === 0 && unexpected === 0 && seen.size === rows.length && rows.length === expectedIds.size;
  return {
    stream,
    table,
    expected: expectedIds.size,
    rows: rows.length,
    distinct: seen.size,
    missing,
    unexpected,
    ok,
  };
}
