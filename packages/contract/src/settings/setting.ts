// One definition per setting: how its text is read, its default, what it is for, who reads it.
import type { Reader } from "./readers";

/** The packages that read settings (the docs list them per setting). */
export type SettingUser = "loader" | "generator" | "local-aws" | "infra" | "bench" | "demo" | "doctor";

/** The section of the docs a setting is listed in. */
export type SettingGroup =
  | "mode"
  | "accounts"
  | "s3"
  | "firehose"
  | "warehouse"
  | "loader"
  | "infra"
  | "alarms"
  | "bench";

export interface SettingDefinition<T = unknown, HasDefault extends boolean = boolean> {
  readonly reader: Reader<T>;
  /** The default as it would be written in .env; parsed by the reader like any other value. */
  readonly default: HasDefault extends true ? string : undefined;
  /** What unset means when there is no fixed default (e.g. "<KR_PROJECT>-loader"), for the docs. */
  readonly unset?: string;
  readonly description: string;
  readonly usedBy: readonly SettingUser[];
  readonly group: SettingGroup;
  /** Never echo the value in messages. */
  readonly secret?: boolean;
}

interface Common {
  unset?: string;
  description: string;
  usedBy: readonly SettingUser[];
  group: SettingGroup;
  secret?: boolean;
}

/** A setting with a default: always has a value. */
export function setting<T>(def: Common & { reader: Reader<T>; default: string }): SettingDefinition<T, true>;
/** A setting without a default: undefined when unset. */
export function setting<T>(
  def: Common & { reader: Reader<T>; default?: undefined },
): SettingDefinition<T, false>;
export function setting<T>(def: Common & { reader: Reader<T>; default?: string }): SettingDefinition<T> {
  return Object.freeze({ ...def, default: def.default }) as SettingDefinition<T>;
}
