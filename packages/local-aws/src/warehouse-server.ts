import { mkdir } from "node:fs/promises";
import { PGlite } from "@electric-sql/pglite";
import { PGLiteSocketServer } from "@electric-sql/pglite-socket";
import { ConnectionTurns } from "./connection-turns";

export interface LocalWarehouseOptions {
  /** Directory for the database files; omit for an in-memory database. */
  dataDir?: string;
  host?: string;
  /** 0 picks a free port. Default 5439, Redshift's port. */
  port?: number;
  /** Concurrent client connections accepted (PGlite runs one query at a time and serialises transactions). */
  maxConnections?: number;
}

export interface LocalWarehouse {
  host: string;
  port: number;
  /** postgres://… URL for `pg`/psql; PGlite accepts any user and password. */
  url: string;
  db: PGlite;
  close(): Promise<void>;
}

/** Serves an embedded PGlite (PostgreSQL in WebAssembly) on the PostgreSQL wire protocol. */
export async function startLocalWarehouse(options: LocalWarehouseOptions = {}): Promise<LocalWarehouse> {
  if (options.dataDir) await mkdir(options.dataDir, { recursive: true });
  const db = await PGlite.create(options.dataDir ?? "memory://");
  const host = options.host ?? "127.0.0.1";
  const server = new PGLiteSocketServer({
    db,
    host,
    port: options.port ?? 5439,
    maxConnections: options.maxConnections ?? 32,
  });
  // Its handlers take their queue from this field when a connection arrives: ours keeps a
  // connection's extended-protocol query together (see connection-turns.ts).
  (server as unknown as { queryQueue: ConnectionTurns }).queryQueue = new ConnectionTurns(db);
  try {
    await server.start();
  } catch (error) {
    await db.close(); // release the data directory for the next attempt
    throw error;
  }
  const port = Number(server.getServerConn().split(":").pop());
  return {
    host,
    port,
    url: `postgres://postgres:postgres@${host}:${port}/postgres`,
    db,
    async close() {
      await server.stop();
      await db.close();
    },
  };
}
