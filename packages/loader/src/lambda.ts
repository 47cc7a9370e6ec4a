// Loader Lambda entry. Thin on purpose: parse the event, call the loader core, return its report.
// (The loader core lands with issue #3; until then this only acknowledges the event.)
export async function handler(event: unknown): Promise<{ status: string; event: unknown }> {
  return { status: "not-implemented", event };
}
