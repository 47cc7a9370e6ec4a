import { seededRandom } from "@kr/test-utils";
import { describe, expect, it } from "vitest";
import { compileColumn } from "../../src/staging/column-types";
import { RecordEncoder } from "../../src/staging/record-encoder";
import { RowBuffer } from "../../src/staging/row-buffer";
import type { StagingColumn } from "../../src/staging/types";
import { RecordMapper } from "./reference-mapper";

const COLUMNS: StagingColumn[] = [
  { name: "id", type: "text", nullable: false },
  { name: "Label", type: "varchar(5)", nullable: true },
  { name: "at", type: "timestamptz", nullable: true },
  { name: "n", type: "bigint", nullable: true },
  { name: "small", type: "integer", nullable: true },
  { name: "x", type: "double precision", nullable: true },
  { name: "ok", type: "boolean", nullable: true },
  { name: "props", type: "jsonb", nullable: true },
];
const compiled = COLUMNS.map(compileColumn);

/** Encodes one line; returns the row's fields (COPY text format undone) or the rejection reason. */
function encode(line: string | Buffer): (string | null)[] | string {
  const encoder = new RecordEncoder(compiled);
  const out = new RowBuffer(64);
  const bytes = Buffer.from(line);
  const reason = encoder.encode(bytes, 0, bytes.length, out);
  if (reason !== null) {
    expect(out.used).toBe(0);
    return reason;
  }
  const row = out.buf.toString("utf8", 0, out.used);
  expect(row.endsWith("\n")).toBe(true);
  return row
    .slice(0, -1)
    .split("\t")
    .map((field) =>
      field === "\\N"
        ? null
        : field.replace(/\\(.)/g, (_, c: string) =>
            c === "t" ? "\t" : c === "n" ? "\n" : c === "r" ? "\r" : c,
          ),
    );
}

describe("RecordEncoder", () => {
  it("writes each column in table order whatever the key order and case, NULL for missing keys", () => {
    expect(encode('{"OK":true,"ID":"a","extra":[1,{"b":2}],"props":{"k":[1,"two"]}}')).toEqual([
      "a",
      null,
      null,
      null,
      null,
      null,
      "true",
      '{"k":[1,"two"]}',
    ]);
  });

  it("escapes for COPY text format and decodes JSON escapes in text columns", () => {
    const fields = encode(JSON.stringify({ id: 'tab\tnl\ncr\rbs\\q"é🚀', props: { s: "a\\b\tc" } }));
    expect(fields).toEqual([
      'tab\tnl\ncr\rbs\\q"é🚀',
      null,
      null,
      null,
      null,
      null,
      null,
      '{"s":"a\\\\b\\tc"}',
    ]);
  });

  it("keeps number text exactly, beyond double precision", () => {
    expect(
      encode('{"id":"a","n":9007199254740993,"x":0.1000000000000000055511151231257827,"props":1e400}'),
    ).toEqual([
      "a",
      null,
      null,
      "9007199254740993",
      null,
      "0.1000000000000000055511151231257827",
      null,
      "1e400",
    ]);
  });

  it("matches keys in column order without a lookup, and still tells near misses apart", () => {
    // In order: each key is the next column's name (the encoder's fast path), any case.
    expect(encode('{"id":"a","LABEL":"b","at":"2026-11-23T05:00:00Z","n":1}')).toEqual([
      "a",
      "b",
      "2026-11-23T05:00:00Z",
      "1",
      null,
      null,
      null,
      null,
    ]);
    // Where "label" is expected: a prefix, a longer key, an escaped spelling and an unterminated one.
    expect(encode('{"id":"a","lab":"x","labels":"y","n":2}')).toEqual([
      "a",
      null,
      null,
      "2",
      null,
      null,
      null,
      null,
    ]);
    expect(encode('{"id":"a","\u006Cabel":"esc"}')).toEqual(["a", "esc", null, null, null, null, null, null]);
    expect(encode('{"id":"a","label')).toBe("invalid JSON");
    expect(encode('{"id":"a","label}')).toBe("invalid JSON");
    // One encoder across lines: the order it learned does not carry a wrong guess over.
    const encoder = new RecordEncoder(compiled);
    const out = new RowBuffer(64);
    for (const line of ['{"id":"a","label":"b"}', '{"label":"c","id":"d"}', '{"id":"e","n":3}']) {
      const bytes = Buffer.from(line);
      expect(encoder.encode(bytes, 0, bytes.length, out)).toBeNull();
    }
    const row = (...fields: (string | null)[]) =>
      `${[...fields, ...Array(8 - fields.length).fill(null)].map((f) => f ?? "\\N").join("\t")}\n`;
    expect(out.buf.toString("utf8", 0, out.used)).toBe(
      row("a", "b") + row("d", "c") + row("e", null, null, "3"),
    );
  });

  it("lets the last of duplicate keys win", () => {
    expect(encode('{"id":"first","ID":"second"}')).toEqual([
      "second",
      null,
      null,
      null,
      null,
      null,
      null,
      null,
    ]);
  });

  it.each([
    ['{"id":"a",}', "invalid JSON"],
    ['{"id":"a"} x', "invalid JSON"],
    ['{"id":"a\\x"}', "invalid JSON"],
    ['{"id":"a\tb"}', "invalid JSON"],
    ['{"id":01}', "invalid JSON"],
    ['{"id":"a","props":[1,2,]}', "invalid JSON"],
    [`{"id":"a","props":${"[".repeat(300)}${"]".repeat(300)}}`, "invalid JSON"],
    ["[]", "not a JSON object"],
    ["  42  ", "not a JSON object"],
    ['{"id":"a","props":"\\ud800"}', "lone surrogate"],
    ['{"id":"a","props":{"x":1e200000}}', "out of range"],
    ['{"id":"a","small":2147483648}', "column small"],
    ['{"id":"a","n":1.5}', "column n"],
    ['{"id":"a","x":"1e999"}', "column x"],
    ['{"id":"a","ok":"perhaps"}', "column ok"],
    ['{"id":"a","at":"2026-11-23T25:00:00Z"}', "column at"],
    ['{"id":"a","at":{"t":1}}', "column at"],
  ])("rejects %s", (line, reason) => {
    expect(encode(line)).toEqual(expect.stringContaining(reason));
  });

  it("cuts varchar(n) text to n bytes at a character boundary, as Redshift's VARCHAR(n) holds it", () => {
    const label = (line: string) => (encode(line) as (string | null)[])[1];
    expect(label('{"id":"a","Label":"toolong"}')).toBe("toolo");
    // 水 is 3 bytes: two of them (6 bytes) do not fit 5, and half a character is never kept.
    expect(label('{"id":"a","Label":"水水水"}')).toBe("水");
    expect(label('{"id":"a","Label":"\\u6c34\\u6c34"}')).toBe("水");
    expect(label('{"id":"a","Label":"ab\\tcdef"}')).toBe("ab\tcd");
    expect(label('{"id":"a","Label":1234567}')).toBe("12345");
  });

  it("agrees with the JSON.parse reference on random and corrupted records", () => {
    const random = seededRandom(20261123);
    const pick = <T>(items: T[]): T => items[Math.floor(random() * items.length)] as T;
    const strings = [
      "",
      "plain",
      "tab\there",
      'q"uote',
      "back\\slash",
      "é水🚀",
      "\u0001ctl",
      "\u0000nul",
      "toolongvalue",
    ];
    const values: (() => unknown)[] = [
      () => pick(strings),
      () => null,
      () => Math.floor(random() * 2 ** 40) * (random() < 0.5 ? -1 : 1),
      () => random() * 1000,
      () => pick([0, 1, -1, 2147483647, 2147483648, 1e21, 1.5e-7]),
      () => random() < 0.5,
      () =>
        pick(["2026-11-23T05:00:00Z", "2026-11-23 05:00:00.123+01:00", "2026-02-30", "soon", "2026-11-23"]),
      () => pick(["12", " 7 ", "1e3", "NaN", "true", "no", "x"]),
      () => ({ a: pick(strings), b: [1, { c: null }], d: random() }),
      () => [pick(strings), random() < 0.5],
    ];
    const keys = [
      "id",
      "ID",
      "Id",
      "label",
      "LABEL",
      "at",
      "n",
      "small",
      "x",
      "ok",
      "props",
      "Props",
      "other",
    ];
    const corruptions = [",", "}", "{", '"', ":", " ", "\t", "\\", "x", "1", "]"];
    const encoder = new RecordEncoder(compiled);
    const reference = new RecordMapper(compiled);
    for (let i = 0; i < 3000; i++) {
      const record: Record<string, unknown> = {};
      const count = Math.floor(random() * 8);
      for (let k = 0; k < count; k++) record[pick(keys)] = pick(values)();
      let line = JSON.stringify(record);
      if (random() < 0.3) {
        const at = Math.floor(random() * (line.length + 1));
        line =
          random() < 0.5
            ? line.slice(0, at) + pick(corruptions) + line.slice(at)
            : line.slice(0, at) + line.slice(at + 1);
      }
      const bytes = Buffer.from(line);
      const out = new RowBuffer(64);
      const reason = encoder.encode(bytes, 0, bytes.length, out);
      const expected = reference.map(bytes, 0, bytes.length);
      expect([line, reason === null]).toEqual([line, expected === null]);
      if (reason !== null) continue;
      const fields = encode(line) as (string | null)[];
      fields.forEach((field, c) => {
        const want = reference.values[c] ?? null;
        if (field === want || field === null || want === null) {
          expect([line, c, field]).toEqual([line, c, want]);
        } else if (COLUMNS[c]?.type === "jsonb" || /^[[{]/.test(want)) {
          // Same JSON value; the encoder keeps the record's own spelling (whitespace, number text).
          expect([line, c, JSON.parse(field)]).toEqual([line, c, JSON.parse(want)]);
        } else if (want.trim() !== "" && !Number.isNaN(Number(want))) {
          // Same number; the encoder keeps the record's own spelling (1e+2 stays 1e+2).
          expect([line, c, Number(field)]).toEqual([line, c, Number(want)]);
        } else {
          // Lone surrogates become U+FFFD in UTF-8 either way.
          expect([line, c, field]).toEqual([line, c, Buffer.from(want).toString()]);
        }
      });
    }
  });
});

describe("the target's checks (targetChecks), made with the line at hand", () => {
  const staged = [
    { name: "event_id", type: "varchar(65535)", nullable: true },
    { name: "occurred_at", type: "timestamptz", nullable: true },
    { name: "note", type: "varchar(10)", nullable: true },
  ].map(compileColumn);
  const checks = [
    { column: "event_id", required: true, maxBytes: 4 },
    { column: "occurred_at", required: true, maxBytes: null },
  ];
  const reasonOf = (line: string) => {
    const out = new RowBuffer(64);
    const bytes = Buffer.from(line);
    const reason = new RecordEncoder(staged, checks).encode(bytes, 0, bytes.length, out);
    if (reason !== null) expect(out.used).toBe(0);
    return reason;
  };

  it("rejects a missing or null required field and a key over the target's bytes, in the SQL's words", () => {
    expect(reasonOf('{"event_id":"abcd","occurred_at":"2026-12-03T05:00:00Z"}')).toBeNull();
    expect(reasonOf('{"occurred_at":"2026-12-03T05:00:00Z"}')).toBe("event_id: missing or null (required)");
    expect(reasonOf('{"event_id":"abcd","occurred_at":null}')).toBe(
      "occurred_at: missing or null (required)",
    );
    expect(reasonOf('{"event_id":"abcde","occurred_at":"2026-12-03T05:00:00Z"}')).toBe(
      "event_id: longer than 4 bytes",
    );
    // Bytes, not characters; escapes count as what they decode to.
    expect(reasonOf('{"event_id":"ééé","occurred_at":"2026-12-03T05:00:00Z"}')).toBe(
      "event_id: longer than 4 bytes",
    );
    expect(reasonOf('{"event_id":"\\u0061bcd","occurred_at":"2026-12-03T05:00:00Z"}')).toBeNull();
    expect(reasonOf('{"event_id":12345,"occurred_at":"2026-12-03T05:00:00Z"}')).toBe(
      "event_id: longer than 4 bytes",
    );
    // The key is checked before the sort key, as in the SQL step.
    expect(reasonOf("{}")).toBe("event_id: missing or null (required)");
    // A value the column cannot take is reported first (the stage came before the SQL step).
    expect(reasonOf('{"event_id":"abcdef","occurred_at":"yesterday"}')).toMatch(
      /^column occurred_at: unparseable/,
    );
  });
});
