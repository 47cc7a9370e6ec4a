import { openTestWarehouse, type TestWarehouse } from "@kr/test-utils";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  detectStagingMethod,
  type StageResult,
  type StageSource,
  type StagingColumn,
  type StagingMethod,
  stageObjects,
  TooManyRejectedRecordsError,
} from "../../src/staging/index";
import {
  EVENT_COLUMNS,
  EVENTS_DDL,
  gzip,
  jsonLines,
  makeEvents,
  memorySource,
  openTestS3,
  pageVisibility,
  type TestS3,
} from "./helpers";

let warehouse: TestWarehouse;
let client: pg.Client;
let s3: TestS3;
// openTestWarehouse serves PGlite unless PG_URL names a server. PGlite's socket server cannot take
// COPY FROM STDIN; a server runs both paths.
const methods: StagingMethod[] = process.env.PG_URL ? ["copy-from-stdin", "bulk-insert"] : ["bulk-insert"];

beforeAll(async () => {
  warehouse = await openTestWarehouse({ serverUrl: process.env.PG_URL });
  client = new pg.Client(warehouse.url);
  await client.connect();
  s3 = await openTestS3();
});
afterAll(async () => {
  await client?.end();
  await s3?.close();
  await warehouse?.close();
});

const TABLE = "stage_events";

/** Stages into a fresh temp table inside a transaction, reads the rows back in insertion order, rolls back. */
async function stage(
  method: StagingMethod,
  sources: StageSource[],
  options: { maxErrors?: number; columns?: StagingColumn[]; ddl?: string; concurrency?: number } = {},
): Promise<{ result: StageResult; rows: Record<string, unknown>[] }> {
  await client.query("BEGIN");
  try {
    await client.query(options.ddl ?? EVENTS_DDL(TABLE));
    // Numbers rows as they are inserted: ctid order is not insertion order once rows of varied
    // sizes fill free space left in earlier pages.
    await client.query(`ALTER TABLE ${TABLE} ADD COLUMN staged_order bigint GENERATED ALWAYS AS IDENTITY`);
    const result = await stageObjects(
      client,
      { table: TABLE, columns: options.columns ?? EVENT_COLUMNS },
      sources,
      { maxErrors: options.maxErrors ?? 0, method, concurrency: options.concurrency },
    );
    const { rows } = await client.query(`SELECT * FROM ${TABLE} ORDER BY staged_order`);
    return { result, rows: rows.map(({ staged_order: _, ...row }) => row) };
  } finally {
    await client.query("ROLLBACK");
  }
}

/** What a staged event row should read back as. */
function expectedRow(event: Record<string, unknown>): Record<string, unknown> {
  return { ...event, occurred_at: new Date(event.occurred_at as string) };
}

it("detects the staging method from the server it is connected to", async () => {
  expect(await detectStagingMethod(client)).toBe(
    warehouse.kind === "postgres" ? "copy-from-stdin" : "bulk-insert",
  );
});

it("stages identical rows with every method the backend supports", async () => {
  const events = makeEvents(1200, 11);
  const sources = [
    await s3.put("same/a.gz", gzip(jsonLines(events.slice(0, 700)))),
    await s3.put("same/b.json", jsonLines(events.slice(700))),
  ];
  const dumps: Record<string, unknown>[][] = [];
  for (const method of methods) {
    const { result, rows } = await stage(method, sources);
    expect(result.rowsStaged).toBe(1200);
    expect(rows).toEqual(events.map(expectedRow));
    dumps.push(rows);
  }
  for (const dump of dumps) expect(dump).toEqual(dumps[0]);
});

describe.each(methods.map((m) => [m]))("%s", (method) => {
  const run = it;

  run("stages gzipped objects from S3 in source order, with per-file counts and bytes", async () => {
    const events = makeEvents(900, 3);
    const bodies = [
      gzip(jsonLines(events.slice(0, 500))),
      gzip(jsonLines(events.slice(500, 510))),
      gzip(jsonLines(events.slice(510))),
    ];
    const sources = await Promise.all(bodies.map((body, i) => s3.put(`order/${method}/${i}.gz`, body)));
    const { result, rows } = await stage(method, sources, { concurrency: 3 });
    expect(rows).toEqual(events.map(expectedRow));
    expect(result).toMatchObject({
      rowsStaged: 900,
      rejectedCount: 0,
      rejected: [],
      bytesRead: bodies.reduce((sum, b) => sum + b.length, 0),
      files: [
        { key: `order/${method}/0.gz`, rows: 500, rejected: 0 },
        { key: `order/${method}/1.gz`, rows: 10, rejected: 0 },
        { key: `order/${method}/2.gz`, rows: 390, rejected: 0 },
      ],
    });
  });

  run("matches keys to columns case-insensitively, NULLs missing keys and ignores extra keys", async () => {
    const lines = [
      {
        EVENT_ID: "e1",
        Event_Type: "click",
        OCCURRED_AT: "2026-11-23T05:00:00Z",
        Extra: 1,
        PROPERTIES: { A: 1 },
      },
      { event_id: "e2", event_type: "view", occurred_at: "2026-11-23 05:00:01+02:00", user_id: null },
    ];
    const { rows } = await stage(method, [memorySource("case.json", jsonLines(lines))]);
    expect(rows).toEqual([
      {
        event_id: "e1",
        event_type: "click",
        occurred_at: new Date("2026-11-23T05:00:00Z"),
        user_id: null,
        anonymous_id: null,
        session_id: null,
        page_url: null,
        referrer: null,
        user_agent: null,
        properties: { A: 1 },
      },
      expect.objectContaining({
        event_id: "e2",
        occurred_at: new Date("2026-11-23T03:00:01Z"),
        properties: null,
      }),
    ]);
  });

  run("round-trips nested properties and text that needs escaping", async () => {
    const properties = {
      s: 'quote " backslash \\ tab \t newline \n cr \r',
      unicode: "zß水🚀",
      list: [1, 2.5, -3e-7, true, false, null, { deep: [[]] }],
      empty: {},
    };
    const line = {
      event_id: "e\\1\t2",
      event_type: "multi\nline\r\n",
      occurred_at: "2026-11-23T05:00:00.123456Z",
      page_url: "\\N",
      referrer: "",
      user_agent: 'tab\there "quoted", comma',
      user_id: 42,
      session_id: true,
      anonymous_id: ["x", { y: 1 }],
      properties,
    };
    const { rows } = await stage(method, [memorySource("escape.json", `${JSON.stringify(line)}\n`)]);
    expect(rows).toEqual([
      {
        ...line,
        occurred_at: new Date("2026-11-23T05:00:00.123Z"),
        user_id: "42",
        session_id: "true",
        anonymous_id: '["x",{"y":1}]',
      },
    ]);
  });

  run(
    "rejects each kind of malformed record with its key, line and reason, and stages the rest",
    async () => {
      const good = (id: string) =>
        JSON.stringify({ event_id: id, event_type: "t", occurred_at: "2026-11-23T05:00:00Z" });
      const body = [
        good("ok1"),
        "{not json",
        "[1,2]",
        '"a string"',
        JSON.stringify({ event_id: null, event_type: "t", occurred_at: "2026-11-23T05:00:00Z" }),
        JSON.stringify({ event_type: "t", occurred_at: "2026-11-23T05:00:00Z" }),
        JSON.stringify({ event_id: "x", event_type: "t", occurred_at: "yesterday" }),
        JSON.stringify({ event_id: "x", event_type: "t", occurred_at: "2026-02-30T05:00:00Z" }),
        JSON.stringify({ event_id: "x", event_type: "t", occurred_at: 1700000000 }),
        JSON.stringify({ event_id: "x\u0000y", event_type: "t", occurred_at: "2026-11-23T05:00:00Z" }),
        JSON.stringify({
          event_id: "x",
          event_type: "t",
          occurred_at: "2026-11-23T05:00:00Z",
          properties: { a: "\u0000" },
        }),
        "",
        good("ok2"),
      ].join("\n");
      const bad = Buffer.concat([
        Buffer.from(`${body}\n`),
        Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0x22, 0x7d, 0x0a]) /* {"a":"\xff"} */,
      ]);
      const { result, rows } = await stage(method, [memorySource("bad.json", bad)], { maxErrors: 100 });
      expect(rows.map((r) => r.event_id)).toEqual(["ok1", "ok2"]);
      expect(result.rowsStaged).toBe(2);
      expect(result.rejectedCount).toBe(11);
      expect(result.files).toEqual([{ key: "bad.json", rows: 2, rejected: 11 }]);
      const reasons = result.rejected.map((r) => [r.key, r.line, r.reason]);
      expect(reasons).toEqual([
        ["bad.json", 2, expect.stringMatching(/invalid JSON/)],
        ["bad.json", 3, expect.stringMatching(/not a JSON object/)],
        ["bad.json", 4, expect.stringMatching(/not a JSON object/)],
        ["bad.json", 5, expect.stringMatching(/event_id.*null.*NOT NULL/)],
        ["bad.json", 6, expect.stringMatching(/event_id.*missing.*NOT NULL/)],
        ["bad.json", 7, expect.stringMatching(/occurred_at.*timestamp/)],
        ["bad.json", 8, expect.stringMatching(/occurred_at.*timestamp/)],
        ["bad.json", 9, expect.stringMatching(/occurred_at.*timestamp/)],
        ["bad.json", 10, expect.stringMatching(/event_id.*NUL/)],
        ["bad.json", 11, expect.stringMatching(/properties/)],
        ["bad.json", 14, expect.stringMatching(/UTF-8/)],
      ]);
      expect(result.rejected[0]?.raw).toBe("{not json");
    },
  );

  run("rejects non-numeric and out-of-range values for numeric and boolean columns", async () => {
    const columns: StagingColumn[] = [
      { name: "id", type: "integer", nullable: false },
      { name: "big", type: "bigint", nullable: true },
      { name: "score", type: "double precision", nullable: true },
      { name: "flag", type: "boolean", nullable: true },
      { name: "label", type: "varchar(5)", nullable: true },
    ];
    const ddl = `CREATE TEMP TABLE ${TABLE} (id integer NOT NULL, big bigint, score double precision, flag boolean, label varchar(5))`;
    const lines = [
      { id: 1, big: "9223372036854775807", score: 1.5, flag: true, label: "abcde" },
      { id: "2", big: -5, score: "1e-300", flag: "no", label: "水水水" },
      { id: 1.5 },
      { id: "abc" },
      { id: 2147483648 },
      { id: 3, big: "9223372036854775808" },
      { id: 4, score: "fast" },
      { id: 5, score: "1e-400" },
      { id: 6, flag: "maybe" },
      { id: 7, label: "abcdef" },
      { id: 9, label: "水水" },
      { id: 8, score: true },
    ];
    const { result, rows } = await stage(method, [memorySource("types.json", jsonLines(lines))], {
      columns,
      ddl,
      maxErrors: 100,
    });
    expect(rows).toEqual([
      { id: 1, big: "9223372036854775807", score: 1.5, flag: true, label: "abcde" },
      { id: 2, big: "-5", score: 1e-300, flag: false, label: "水" },
      // varchar(5): cut to 5 bytes as Redshift's VARCHAR(5) cast would, never half a character.
      { id: 7, big: null, score: null, flag: null, label: "abcde" },
      { id: 9, big: null, score: null, flag: null, label: "水" },
    ]);
    expect(result.rejected.map((r) => [r.line, r.reason.split(":")[0]])).toEqual([
      [3, "column id"],
      [4, "column id"],
      [5, "column id"],
      [6, "column big"],
      [7, "column score"],
      [8, "column score"],
      [9, "column flag"],
      [12, "column score"],
    ]);
  });

  run(
    "accepts exactly maxErrors rejected records and throws on one more, leaving the rollback to the caller",
    async () => {
      const events = makeEvents(50, 5);
      const lines = events.map((e) => JSON.stringify(e));
      for (const at of [3, 17, 40]) lines[at] = "garbage";
      const source = memorySource("max.json", `${lines.join("\n")}\n`, 100);
      const ok = await stage(method, [source], { maxErrors: 3 });
      expect(ok.result.rejectedCount).toBe(3);
      expect(ok.rows).toHaveLength(47);

      const failure = await stage(method, [source], { maxErrors: 2 }).catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(TooManyRejectedRecordsError);
      const { result } = failure as TooManyRejectedRecordsError;
      expect(result.rejectedCount).toBe(3);
      expect(result.rejected.map((r) => r.line)).toEqual([4, 18, 41]);
      // The connection is usable again once the caller has rolled back.
      expect((await client.query("SELECT 1 AS one")).rows).toEqual([{ one: 1 }]);
    },
  );

  run(
    "passes on an error the server raises mid-stage, leaving the connection usable after rollback",
    async () => {
      // The caller declared user_id nullable but the table says NOT NULL: only the server can tell.
      const ddl = EVENTS_DDL(TABLE, ["user_id"]);
      const events = makeEvents(3000, 4).map((e) => ({ ...e, user_id: null }));
      const failure = await stage(method, [memorySource("server-error.json", jsonLines(events))], {
        ddl,
      }).catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(Error);
      expect((failure as Error).message).toMatch(/null value in column "user_id"/);
      expect((await client.query("SELECT 1 AS one")).rows).toEqual([{ one: 1 }]);
    },
  );

  run("joins lines split across chunks and gzip members, and keeps a last line without newline", async () => {
    const events = makeEvents(40, 9);
    const text = jsonLines(events).replace(/\n$/, "");
    const half = text.indexOf("\n", text.length / 2) + 7; // a member boundary inside a line
    const multiMember = Buffer.concat([gzip(text.slice(0, half)), gzip(text.slice(half))]);
    const sources = [
      memorySource("bytewise.json", text, 1),
      memorySource("odd.json", text.replace(/\n/g, "\r\n"), 7),
      memorySource("members.gz", multiMember, 13),
      await s3.put(`split/${method}/members-no-suffix`, multiMember),
    ];
    const { result, rows } = await stage(method, sources);
    expect(result.files.map((f) => f.rows)).toEqual([40, 40, 40, 40]);
    expect(result.rejectedCount).toBe(0);
    const expected = events.map(expectedRow);
    expect(rows).toEqual([...expected, ...expected, ...expected, ...expected]);
  });

  run("stages nothing from empty objects, plain or gzipped", async () => {
    const sources = [
      await s3.put(`empty/${method}/zero.gz`, Buffer.alloc(0)),
      await s3.put(`empty/${method}/zero.json`, ""),
      await s3.put(`empty/${method}/empty-member.gz`, gzip("")),
      memorySource("newlines.json", "\n\n\r\n"),
    ];
    const { result, rows } = await stage(method, sources);
    expect(rows).toEqual([]);
    expect(result.rowsStaged).toBe(0);
    expect(result.rejectedCount).toBe(0);
    expect(result.files).toHaveLength(4);
  });

  run("reports progress per file", async () => {
    const events = makeEvents(30, 2);
    const sources = [
      memorySource("p1.json", jsonLines(events.slice(0, 10))),
      memorySource("p2.json", jsonLines(events.slice(10))),
    ];
    const seen: { filesDone: number; rowsStaged: number }[] = [];
    await client.query("BEGIN");
    try {
      await client.query(EVENTS_DDL(TABLE));
      await stageObjects(client, { table: TABLE, columns: EVENT_COLUMNS }, sources, {
        maxErrors: 0,
        method,
        onProgress: ({ filesDone, rowsStaged }) => seen.push({ filesDone, rowsStaged }),
      });
    } finally {
      await client.query("ROLLBACK");
    }
    expect(seen).toEqual([
      { filesDone: 1, rowsStaged: 10 },
      { filesDone: 2, rowsStaged: 30 },
    ]);
  });
});

describe.runIf(process.env.PG_URL)("COPY into a table new in the transaction (PostgreSQL server)", () => {
  /** relpages and relallvisible of the staged table, after ANALYZE, inside the stage's transaction. */
  async function visibility(createdInTransaction: boolean): Promise<{ pages: number; allVisible: number }> {
    const source = memorySource("freeze.json", jsonLines(makeEvents(2000, 12)));
    await client.query("BEGIN");
    try {
      await client.query(EVENTS_DDL(TABLE));
      await stageObjects(client, { table: TABLE, columns: EVENT_COLUMNS, createdInTransaction }, [source], {
        maxErrors: 0,
        method: "copy-from-stdin",
      });
      return await pageVisibility(client, TABLE);
    } finally {
      await client.query("ROLLBACK");
    }
  }

  it("writes the rows frozen (COPY FREEZE): no page is left for the first reader after the commit to rewrite", async () => {
    const frozen = await visibility(true);
    expect(frozen.pages).toBeGreaterThan(10);
    expect(frozen.allVisible).toBe(frozen.pages);
    // The same COPY without it: every page waits for a reader to set its hint bits.
    expect((await visibility(false)).allVisible).toBe(0);
  });
});
