// readSettings: the one way a package turns an environment into its settings.
import { deepFreeze } from "../freeze";
import type { SettingName, Settings } from "./definitions";
import { SETTINGS } from "./definitions";
import type { SettingDefinition } from "./setting";

export type EnvRecord = Readonly<Record<string, string | undefined>>;

type ValueOf<D> =
  D extends SettingDefinition<infer T, infer HasDefault>
    ? HasDefault extends true
      ? T
      : T | undefined
    : never;

/** The typed values of the settings `N`. */
export type SettingValues<N extends SettingName> = { readonly [K in N]: ValueOf<Settings[K]> };

/**
 * One or more settings are wrong. `problems` has one line per problem, each naming its setting;
 * packages add their cross-setting rules to the same list. Exit code 2.
 */
export class SettingsError extends Error {
  override readonly name = "SettingsError";
  readonly exitCode = 2;
  readonly problems: readonly string[];
  constructor(problems: string | readonly string[]) {
    const list = typeof problems === "string" ? [problems] : [...problems];
    super(list.length === 1 ? (list[0] ?? "") : `${list.length} settings are wrong:\n  ${list.join("\n  ")}`);
    this.problems = list;
  }
}

/** `NAME <message> (got "value")`; secrets are never echoed. */
export function settingProblem(name: SettingName, message: string, value: string): string {
  const secret = (SETTINGS[name] as SettingDefinition).secret;
  return `${name} ${message}${secret ? "" : ` (got ${JSON.stringify(value)})`}`;
}

/**
 * Reads `names` from `env`: empty or blank values count as unset, unset ones take their default.
 * Returns a frozen, typed object; throws one SettingsError naming every bad setting. `check` adds a
 * package's rules that span settings (run only when every value parsed).
 */
export function readSettings<const N extends SettingName>(
  env: EnvRecord,
  names: readonly N[],
  check?: (values: SettingValues<N>) => readonly string[],
): SettingValues<N> {
  const values: Record<string, unknown> = {};
  const problems: string[] = [];
  // Problems come in definition order, whatever order the package lists its names in.
  const order = Object.keys(SETTINGS);
  const sorted = [...names].sort((a, b) => order.indexOf(a) - order.indexOf(b));
  for (const name of sorted) {
    const def = SETTINGS[name] as SettingDefinition;
    const given = env[name]?.trim();
    const text = given || def.default;
    if (text === undefined) {
      values[name] = undefined;
      continue;
    }
    const result = def.reader.read(text);
    if (result.ok) values[name] = result.value;
    else problems.push(settingProblem(name, result.message, text));
  }
  if (problems.length === 0 && check) problems.push(...check(values as SettingValues<N>));
  if (problems.length > 0) throw new SettingsError(problems);
  return deepFreeze(values) as SettingValues<N>;
}

/** The names of the settings a package reads (for docs and conformance tests). */
export function settingsUsedBy(user: SettingDefinition["usedBy"][number]): SettingName[] {
  return (Object.keys(SETTINGS) as SettingName[]).filter((name) =>
    (SETTINGS[name] as SettingDefinition).usedBy.includes(user),
  );
}
