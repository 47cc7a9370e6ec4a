import { describe, expect, it } from "vitest";
import { LineSplitter } from "../../src/staging/line-splitter";

function split(chunks: (string | Buffer)[]): [number, string][] {
  const lines: [number, string][] = [];
  const splitter = new LineSplitter((buf, start, end, line) =>
    lines.push([line, buf.toString("utf8", start, end)]),
  );
  for (const chunk of chunks) splitter.push(Buffer.from(chunk));
  splitter.end();
  return lines;
}

describe("LineSplitter", () => {
  it("numbers every physical line, blank ones included", () => {
    expect(split(["a\n\nb\n"])).toEqual([
      [1, "a"],
      [2, ""],
      [3, "b"],
    ]);
  });

  it("emits a last line that has no newline", () => {
    expect(split(["a\nlast"])).toEqual([
      [1, "a"],
      [2, "last"],
    ]);
  });

  it("joins a line spread over many chunks, at every split position", () => {
    const text = '{"a":"xé水"}\n{"b":2}\n{"c":3}';
    const bytes = Buffer.from(text);
    for (let size = 1; size <= bytes.length; size++) {
      const chunks: Buffer[] = [];
      for (let i = 0; i < bytes.length; i += size) chunks.push(bytes.subarray(i, i + size));
      expect(split(chunks)).toEqual([
        [1, '{"a":"xé水"}'],
        [2, '{"b":2}'],
        [3, '{"c":3}'],
      ]);
    }
  });

  it("emits nothing for empty input and no phantom line after a trailing newline", () => {
    expect(split([])).toEqual([]);
    expect(split(["", "a\n", ""])).toEqual([[1, "a"]]);
  });
});
