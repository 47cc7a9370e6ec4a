// The stream tables of the data contract. A new stream is one entry here (its DDL) plus its name in
// KR_STREAMS: the loader reads each table's columns from the catalog, so nothing else changes.

export type ColumnType =
  | { kind: "varchar"; length: number }
  | { kind: "timestamptz" }
  | { kind: "json" }
  | { kind: "bigint" }
  | { kind: "integer" }
  | { kind: "double" }
  | { kind: "boolean" };

export interface ColumnSpec {
  name: string;
  type: ColumnType;
  nullable: boolean;
}

export interface StreamTableSpec {
  columns: readonly ColumnSpec[];
  /** Idempotency key: one row per value after every load. */
  key: string;
  /** Redshift sort key; the merge bounds its delete by this column's staged range. */
  sortKey: string;
  /** Redshift distribution key (the merge joins staging to the table on `key`, so it is `key`). */
  distKey: string;
}

const varchar = (length: number): ColumnType => ({ kind: "varchar", length });
const timestamptz: ColumnType = { kind: "timestamptz" };
const json: ColumnType = { kind: "json" };
const required = (name: string, type: ColumnType): ColumnSpec => ({ name, type, nullable: false });
const optional = (name: string, type: ColumnType): ColumnSpec => ({ name, type, nullable: true });

const eventKeys = { key: "event_id", sortKey: "occurred_at", distKey: "event_id" } as const;

/** Known stream tables by stream name (`events` and `utm` always present). */
export interface StreamTables {
  readonly events: StreamTableSpec;
  readonly utm: StreamTableSpec;
  readonly [stream: string]: StreamTableSpec | undefined;
}

export const STREAM_TABLES: StreamTables = Object.freeze({
  events: {
    ...eventKeys,
    columns: [
      required("event_id", varchar(64)),
      required("event_type", varchar(128)),
      required("occurred_at", timestamptz),
      optional("user_id", varchar(128)),
      optional("anonymous_id", varchar(128)),
      optional("session_id", varchar(128)),
      optional("page_url", varchar(2048)),
      optional("referrer", varchar(2048)),
      optional("user_agent", varchar(1024)),
      optional("properties", json),
    ],
  },
  utm: {
    ...eventKeys,
    columns: [
      required("event_id", varchar(64)),
      required("occurred_at", timestamptz),
      optional("session_id", varchar(128)),
      optional("user_id", varchar(128)),
      optional("utm_source", varchar(256)),
      optional("utm_medium", varchar(256)),
      optional("utm_campaign", varchar(256)),
      optional("utm_term", varchar(256)),
      optional("utm_content", varchar(256)),
      optional("landing_page", varchar(2048)),
    ],
  },
});

/** Key columns every stream table must have (read from the catalog for streams without a spec). */
export const DEFAULT_KEYS = eventKeys;
