// What KR_MODE unset means, decided once for every package: local unless something points at AWS.
import { isLoopbackHost } from "./local";

export type Mode = "local" | "aws";

/** The settings the mode is decided from. */
export const MODE_SETTINGS = ["KR_MODE", "S3_ENDPOINT", "RS_HOST"] as const;

/**
 * KR_MODE when set; otherwise local when a local S3 endpoint is set or the warehouse is on this
 * machine (the defaults), aws when the warehouse is remote and no local endpoint is set.
 */
export function resolveMode(s: {
  KR_MODE?: Mode | undefined;
  S3_ENDPOINT?: string | undefined;
  RS_HOST?: string | undefined;
}): Mode {
  if (s.KR_MODE) return s.KR_MODE;
  return s.S3_ENDPOINT || isLoopbackHost(s.RS_HOST) ? "local" : "aws";
}
