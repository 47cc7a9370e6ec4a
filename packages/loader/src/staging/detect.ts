import type { StagingClient, StagingMethod } from "./types";

/**
 * Chooses the staging path by what the server is: PGlite (PostgreSQL compiled to WebAssembly,
 * whose socket server loses protocol sync on COPY FROM STDIN) gets batched INSERTs; a PostgreSQL
 * server gets COPY FROM STDIN.
 */
export async function detectStagingMethod(client: StagingClient): Promise<StagingMethod> {
  const { rows } = await client.query<{ version: string }>("SELECT version() AS version");
  const version = rows[0]?.version ?? "";
  return /pglite|emscripten|wasm/i.test(version) ? "bulk-insert" : "copy-from-stdin";
}
