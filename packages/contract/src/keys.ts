// Firehose's default S3 layout: `<prefix>YYYY/MM/DD/HH/<deliveryStream>-<n>-<yyyy-MM-dd-HH-mm-ss>-<uuid>[.gz]`,
// where the hour is the UTC arrival hour. The loader lists one prefix per stream and hour.
import { validateIdentifier, validateKey } from "./identifiers";

const pad = (n: number, width = 2) => String(n).padStart(width, "0");

/** `events/` — each stream's objects live under its own name. */
export function streamPrefix(stream: string): string {
  return `${validateIdentifier(stream, "stream")}/`;
}

/** `events/2026/11/23/05/` for the hour that starts at `hour` (UTC). */
export function hourPrefix(prefix: string, hour: Date): string {
  validateKey(prefix, "S3 prefix");
  return `${prefix}${hour.getUTCFullYear()}/${pad(hour.getUTCMonth() + 1)}/${pad(hour.getUTCDate())}/${pad(hour.getUTCHours())}/`;
}

/** The partition hour of a key under `prefix`, or undefined when the key is not in Firehose's layout. */
export function hourOfKey(prefix: string, key: string): Date | undefined {
  if (!key.startsWith(prefix)) return undefined;
  const match = /^(\d{4})\/(\d{2})\/(\d{2})\/(\d{2})\//.exec(key.slice(prefix.length));
  if (!match) return undefined;
  const [, y, m, d, h] = match.map(Number) as [number, number, number, number, number];
  const hour = new Date(Date.UTC(y, m - 1, d, h));
  return hourPrefix(prefix, hour) === key.slice(0, prefix.length + 14) ? hour : undefined;
}

export interface FirehoseObjectName {
  prefix: string;
  deliveryStream: string;
  /** When Firehose wrote the object (UTC); its hour is the partition. */
  arrivedAt: Date;
  /** Firehose's delivery stream version number (the `<n>`). */
  version?: number;
  uuid: string;
  gzip?: boolean;
}

/** The key Firehose would give an object, e.g. for tests and the local Firehose. */
export function firehoseObjectKey(name: FirehoseObjectName): string {
  const t = name.arrivedAt;
  const stamp = `${t.getUTCFullYear()}-${pad(t.getUTCMonth() + 1)}-${pad(t.getUTCDate())}-${pad(t.getUTCHours())}-${pad(t.getUTCMinutes())}-${pad(t.getUTCSeconds())}`;
  const suffix = name.gzip === false ? "" : ".gz";
  return `${hourPrefix(name.prefix, t)}${name.deliveryStream}-${name.version ?? 1}-${stamp}-${name.uuid}${suffix}`;
}
