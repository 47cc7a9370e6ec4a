import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { DOC_FILES, renderSettingsDocs, settingsTable } from "../settings-docs";

const root = new URL("../../", import.meta.url);

describe("generated settings tables", () => {
  it.each(DOC_FILES)("%s matches the definitions (run `pnpm run docs`)", (file) => {
    const text = readFileSync(new URL(file, root), "utf8");
    expect(text).toContain("<!-- settings:begin ");
    expect(renderSettingsDocs(text)).toBe(text);
  });

  it("lists one row per setting with its default or what unset means", () => {
    const table = settingsTable("used-by:bench");
    expect(table.split("\n")).toHaveLength(2 + 3);
    expect(table).toContain("| `FIREHOSE_BUFFER_SIZE_MB` | `64` | whole number 1-128 |");
    expect(table).toContain("| `PG_URL` | unset: PGlite (embedded) |");
  });

  it("rewrites only between markers", () => {
    const text = "before\n<!-- settings:begin group:bench -->\nstale\n<!-- settings:end -->\nafter\n";
    const out = renderSettingsDocs(text);
    expect(out.startsWith("before\n<!-- settings:begin group:bench -->\n")).toBe(true);
    expect(out.endsWith("<!-- settings:end -->\nafter\n")).toBe(true);
    expect(out).not.toContain("stale");
  });
});
