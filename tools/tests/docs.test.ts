import { readFileSync } from "node:fs";
import { expect, it } from "vitest";

const root = new URL("../../", import.meta.url);
const read = (path: string) => readFileSync(new URL(path, root), "utf8");

it("README documents every setting of .env.example and every variable of build.tfvars.example", () => {
  const readme = read("README.md");
  const settings = [...read(".env.example").matchAll(/^([A-Z][A-Z0-9_]*)=/gm)].map((m) => m[1] as string);
  const variables = [...read("build.tfvars.example").matchAll(/^([a-z_]+)\s*=/gm)].map((m) => m[1] as string);
  expect(settings.length).toBeGreaterThan(20);
  // A setting counts as documented when its name, or its `…_SUFFIX` shorthand, is in a table row.
  const rows = readme.split("\n").filter((line) => line.startsWith("|"));
  const documented = (name: string) =>
    rows.some(
      (row) => row.includes(`\`${name}\``) || row.includes(`\`…_${name.split("_").slice(2).join("_")}\``),
    );
  expect(settings.filter((name) => !documented(name))).toEqual([]);
  expect(variables.filter((name) => !documented(name))).toEqual([]);
});
