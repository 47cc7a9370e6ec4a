// One PGlite session serves every connection of the local warehouse, so the connections take turns.
// pglite-socket's own queue ran one protocol message at a time and kept a connection's turn only
// while a transaction was open. An extended-protocol query (Parse, Bind, Describe, Execute, Sync) is
// not a transaction: when a Bind was too big for one socket read (a bulk insert's), another
// connection's Parse ran in between and replaced the unnamed statement, and the Bind failed with
// "unnamed prepared statement does not exist" or, worse, ran the other connection's statement
// (electric-sql/pglite#1046). Here a connection keeps its turn from its first message until the
// session is ready for another query: after its Sync (or a simple Query) with no transaction open.
// A message that throws fails alone; the queue goes on (the stock one stopped for good).
import type { PGlite } from "@electric-sql/pglite";

/** Message types that leave an extended-protocol cycle open: Parse, Bind, Describe, Execute, Close, Flush. */
const CYCLE_OPEN = new Set([0x50, 0x42, 0x44, 0x45, 0x43, 0x48]);

interface Queued {
  handlerId: number;
  message: Uint8Array;
  onData: (data: Uint8Array) => void;
  resolve: (bytes: number) => void;
  reject: (error: Error) => void;
}

/** pglite-socket's QueryQueueManager, as its socket handlers call it. */
export class ConnectionTurns {
  private queue: Queued[] = [];
  private processing = false;
  /** The connection whose turn it is until its query cycle (and transaction) ends; null: anyone's. */
  private owner: number | null = null;

  constructor(private readonly db: PGlite) {}

  enqueue(handlerId: number, message: Uint8Array, onData: (data: Uint8Array) => void): Promise<number> {
    return new Promise((resolve, reject) => {
      this.queue.push({ handlerId, message, onData, resolve, reject });
      void this.process();
    });
  }

  getQueueLength(): number {
    return this.queue.length;
  }

  /** A connection went away: its queued messages fail, and the turn is free unless a transaction holds it. */
  clearQueueForHandler(handlerId: number): void {
    this.queue = this.queue.filter((q) => {
      if (q.handlerId !== handlerId) return true;
      q.reject(new Error("Handler disconnected"));
      return false;
    });
    if (this.owner === handlerId && !this.db.isInTransaction()) this.release();
  }

  /** A connection went away in the middle of a transaction: roll it back and free the turn. */
  async clearTransactionIfNeeded(handlerId: number): Promise<void> {
    if (this.owner !== handlerId) return;
    if (this.db.isInTransaction()) await this.db.exec("ROLLBACK");
    this.release();
  }

  private release(): void {
    this.owner = null;
    void this.process();
  }

  private async process(): Promise<void> {
    if (this.processing) return;
    this.processing = true;
    try {
      for (;;) {
        const i = this.owner === null ? 0 : this.queue.findIndex((q) => q.handlerId === this.owner);
        // Empty, or the owner's next message has not arrived yet: enqueue starts over.
        if (i < 0 || i >= this.queue.length) break;
        const [query] = this.queue.splice(i, 1) as [Queued];
        let bytes = 0;
        try {
          await this.db.runExclusive(() =>
            this.db.execProtocolRawStream(query.message, {
              onRawData: (data) => {
                bytes += data.length;
                query.onData(data);
              },
            }),
          );
          query.resolve(bytes);
        } catch (error) {
          query.reject(error as Error);
        }
        const type = query.message[0] ?? 0;
        this.owner = CYCLE_OPEN.has(type) || this.db.isInTransaction() ? query.handlerId : null;
      }
    } finally {
      this.processing = false;
    }
  }
}
