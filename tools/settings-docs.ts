// Settings tables in README.md and docs/*.md, generated from @kr/contract's definitions between
// markers, the way terraform-docs fills a module's Inputs table:
//   <!-- settings:begin all -->            every setting, with the packages that use it
//   <!-- settings:begin used-by:loader --> the settings one package reads
//   <!-- settings:begin group:firehose --> one group of the definitions
//   <!-- settings:end -->
// `pnpm run docs` rewrites the files; tools/tests/settings-docs.test.ts fails when they differ.
import { readFileSync, writeFileSync } from "node:fs";
import { SETTINGS, type SettingDefinition, type SettingName } from "../packages/contract/src/index";

/** The files that carry settings tables, relative to the repository root. */
export const DOC_FILES = [
  "README.md",
  "docs/infrastructure.md",
  "docs/loading.md",
  "docs/local-aws.md",
  "docs/generator.md",
  "docs/operations.md",
];

const MARKER = /<!-- settings:begin ([a-z:,-]+) -->\n[\s\S]*?<!-- settings:end -->/g;

const cell = (text: string) => text.replaceAll("|", "\\|").replaceAll("\n", " ");
const code = (text: string) => `\`${text}\``;

function defaultOf(def: SettingDefinition): string {
  if (def.default !== undefined) return def.default === "" ? "empty" : code(def.default);
  return `unset: ${def.unset ?? "—"}`;
}

function select(spec: string): SettingName[] {
  const names = Object.keys(SETTINGS) as SettingName[];
  const def = (name: SettingName) => SETTINGS[name] as SettingDefinition;
  if (spec === "all") return names;
  const [kind, values] = spec.split(":") as [string, string | undefined];
  const wanted = (values ?? "").split(",");
  if (kind === "used-by") return names.filter((n) => def(n).usedBy.some((u) => wanted.includes(u)));
  if (kind === "group") return names.filter((n) => wanted.includes(def(n).group));
  throw new Error(`unknown settings table "${spec}" (all, used-by:<package>, group:<group>)`);
}

/** The Markdown table for one marker. */
export function settingsTable(spec: string): string {
  const all = spec === "all";
  const head = all
    ? "| Setting | Default | Accepts | Used by | What it does |\n|---|---|---|---|---|"
    : "| Setting | Default | Accepts | What it does |\n|---|---|---|---|";
  const rows = select(spec).map((name) => {
    const def = SETTINGS[name] as SettingDefinition;
    const cells = [code(name), defaultOf(def), def.reader.accepts, ...(all ? [def.usedBy.join(", ")] : [])];
    return `| ${[...cells, def.description].map(cell).join(" | ")} |`;
  });
  return [head, ...rows].join("\n");
}

/** `text` with every settings table regenerated. */
export function renderSettingsDocs(text: string): string {
  return text.replace(MARKER, (_, spec: string) => {
    const note =
      "<!-- generated from packages/contract/src/settings/definitions.ts by `pnpm run docs`; edit there -->";
    return `<!-- settings:begin ${spec} -->\n${note}\n\n${settingsTable(spec)}\n\n<!-- settings:end -->`;
  });
}

/** Rewrites the files; returns the ones that changed. */
export function writeSettingsDocs(root: URL): string[] {
  const changed: string[] = [];
  for (const file of DOC_FILES) {
    const url = new URL(file, root);
    const before = readFileSync(url, "utf8");
    const after = renderSettingsDocs(before);
    if (after !== before) {
      writeFileSync(url, after);
      changed.push(file);
    }
  }
  return changed;
}
