// Test records from one place: the generator's own events (what `pnpm run generate` sends), shaped to
// the stream table specs. A column added to a spec shows up here without touching a test: the
// generator's value when it writes that field, else a seeded value of the column's type.
import {
  type ColumnSpec,
  columnSqlType,
  STREAM_TABLES,
  type StreamTableSpec,
  type TargetColumn,
} from "@kr/copy-builder";
import { generateRecords, Random, STREAMS, type StreamName } from "@kr/generator";

/** One parsed record: the columns of its stream's table, in the table's order. */
export type TestRecord = Record<string, unknown> & { event_id: string; occurred_at: string };

export interface RecordOptions {
  count: number;
  /** Same seed, same records; `count: n` is the first n records of any larger count. */
  seed: number;
  /** occurred_at falls in [start, end). */
  start: Date;
  end: Date;
}

/**
 * The generator draws users from a population (default: count / 8); a fixed one keeps a record the
 * same whatever the count, so a test can rebuild the first record of a file with `count: 1`.
 */
const USERS = 200;
/** Fill values draw from their own sequence, so the generator's events stay the same. */
const FILL_SALT = 0x27d4eb2f;

function tableSpec(stream: string): StreamTableSpec {
  const spec = STREAM_TABLES[stream];
  if (!spec)
    throw new Error(`no table spec for stream "${stream}": add it to STREAM_TABLES (@kr/copy-builder)`);
  return spec;
}

/** A seeded value of the column's type, for a spec column the generator does not write. */
function fill(column: ColumnSpec, random: Random, options: RecordOptions): unknown {
  switch (column.type.kind) {
    case "varchar":
      return random.uuid().slice(0, column.type.length);
    case "timestamptz": {
      const start = options.start.getTime();
      return new Date(start + Math.floor(random.next() * (options.end.getTime() - start))).toISOString();
    }
    case "json":
      return { [column.name]: random.int(0, 999) };
    case "bigint":
      return random.int(0, 2 ** 40);
    case "integer":
      return random.int(0, 1_000_000);
    case "double":
      return random.int(0, 1_000_000) / 100;
    case "boolean":
      return random.chance(0.5);
  }
}

/**
 * `count` records of `stream`, deterministic for the seed: the generator's events (sessions of page
 * views, clicks, UTM touches — no duplicates, no malformed lines) with exactly the columns of the
 * stream's table. A stream the generator does not know gets every column filled from its spec.
 * A test that needs a malformed or edge-case record overrides fields of a generated one. `spec`
 * defaults to the stream's entry in STREAM_TABLES.
 */
export function streamRecords(
  stream: string,
  options: RecordOptions,
  spec: StreamTableSpec = tableSpec(stream),
): TestRecord[] {
  const filler = new Random((options.seed ^ FILL_SALT) >>> 0);
  const events: Record<string, unknown>[] = (STREAMS as readonly string[]).includes(stream)
    ? Array.from(
        generateRecords({
          count: options.count,
          streams: [stream as StreamName],
          seed: options.seed,
          start: options.start,
          end: options.end,
          users: USERS,
        }),
        (record) => JSON.parse(record.data.toString("utf8")) as Record<string, unknown>,
      )
    : Array.from({ length: options.count }, () => ({}));
  return events.map(
    (event) =>
      Object.fromEntries(
        spec.columns.map((column) => [
          column.name,
          Object.hasOwn(event, column.name) ? event[column.name] : fill(column, filler, options),
        ]),
      ) as TestRecord,
  );
}

/** Records of one stream that arrived during `hour` (occurred up to 2 minutes earlier). */
export function makeRecords(stream: string, hour: Date, count: number, seed: number): TestRecord[] {
  return streamRecords(stream, {
    count,
    seed,
    start: new Date(hour.getTime() - 120_000),
    end: new Date(hour.getTime() + 3_600_000),
  });
}

/** The columns of a stream's table as PostgreSQL declares them (name, lower-case type, nullable). */
export function streamColumns(stream: string): TargetColumn[] {
  return tableSpec(stream).columns.map((column) => ({
    name: column.name,
    type: columnSqlType(column.type, "postgres").toLowerCase(),
    nullable: column.nullable,
  }));
}

/** A session temp table of these columns (for tests that stage into their own table). */
export function tempTableDdl(table: string, columns: readonly TargetColumn[]): string {
  const list = columns.map((c) => `${c.name} ${c.type}${c.nullable ? "" : " NOT NULL"}`).join(", ");
  return `CREATE TEMP TABLE ${table} (${list})`;
}

/** The generator's seeded PRNG as a `() => number` in [0, 1), for tests that draw their own values. */
export function seededRandom(seed: number): () => number {
  const random = new Random(seed);
  return () => random.next();
}
