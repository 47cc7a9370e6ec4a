import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGunzip } from "node:zlib";
import type { StageSource } from "./types";

/** Bytes of one object ready to split into lines, plus how many raw bytes were read so far. */
export interface OpenedSource {
  source: StageSource;
  chunks: AsyncIterable<Buffer>;
  rawBytes(): number;
  /** Stops reading (after an error elsewhere). */
  close(): void;
}

const GZIP_MAGIC_0 = 0x1f;
const GZIP_MAGIC_1 = 0x8b;

/**
 * Opens an object and decodes it: gunzip (every member of a multi-member file) when the key ends
 * with `.gz` or the bytes start with the gzip magic; an empty object yields nothing.
 */
export async function openSource(source: StageSource, bufferBytes: number): Promise<OpenedSource> {
  const raw = await source.open();
  let rawBytes = 0;
  const iterator = raw[Symbol.asyncIterator]() as AsyncIterator<Buffer | string>;
  const first = await iterator.next();
  const head: Buffer | null = first.done ? null : toBuffer(first.value);
  if (head) rawBytes += head.length;
  const rest = async function* (): AsyncGenerator<Buffer> {
    if (head) yield head;
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
      const chunk = toBuffer(next.value);
      rawBytes += chunk.length;
      yield chunk;
    }
  };
  const gzip =
    head !== null &&
    (source.key.endsWith(".gz") ||
      (head.length >= 2 && head[0] === GZIP_MAGIC_0 && head[1] === GZIP_MAGIC_1));
  let decoded: Readable;
  if (gzip) {
    const gunzip = createGunzip({ chunkSize: 64 * 1024 });
    // Errors surface through the gunzip stream, which the consumer iterates.
    pipeline(rest(), gunzip).catch(() => {});
    decoded = gunzip;
  } else {
    decoded = Readable.from(rest(), { objectMode: false, highWaterMark: bufferBytes });
  }
  return {
    source,
    chunks: decoded as AsyncIterable<Buffer>,
    rawBytes: () => rawBytes,
    close: () => {
      decoded.destroy();
      (raw as Partial<Readable>).destroy?.();
    },
  };
}

function toBuffer(chunk: unknown): Buffer {
  return Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array | string);
}

/**
 * Opens the sources in order, keeping up to `concurrency` of them downloading and decoding ahead
 * of the one being consumed, so network and gunzip time overlap with staging.
 */
export async function* openAhead(
  sources: StageSource[],
  concurrency: number,
  bufferBytes: number,
): AsyncGenerator<OpenedSource> {
  const pending: Promise<OpenedSource>[] = [];
  let next = 0;
  const fill = () => {
    while (next < sources.length && pending.length < Math.max(1, concurrency)) {
      const opening = prefetch(openSource(sources[next++] as StageSource, bufferBytes), bufferBytes);
      opening.catch(() => {}); // awaited in order below; avoid an unhandled rejection meanwhile
      pending.push(opening);
    }
  };
  try {
    fill();
    while (pending.length > 0) {
      const opened = await (pending.shift() as Promise<OpenedSource>);
      fill();
      yield opened;
    }
  } finally {
    for (const opening of pending)
      opening.then(
        (o) => o.close(),
        () => {},
      );
  }
}

/** Reads decoded chunks eagerly into memory up to `limit` bytes, so a file waiting its turn keeps decoding. */
async function prefetch(openedPromise: Promise<OpenedSource>, limit: number): Promise<OpenedSource> {
  const opened = await openedPromise;
  const queue: Buffer[] = [];
  let queued = 0;
  let done = false;
  let failure: unknown = null;
  let wake: (() => void) | null = null;
  let resume: (() => void) | null = null;
  const signal = () => {
    const w = wake;
    wake = null;
    w?.();
  };
  (async () => {
    try {
      for await (const chunk of opened.chunks) {
        if (done) break;
        queue.push(chunk);
        queued += chunk.length;
        signal();
        if (queued >= limit) await new Promise<void>((r) => (resume = r));
      }
    } catch (error) {
      failure = error;
    } finally {
      done = true;
      signal();
    }
  })();
  const chunks = async function* (): AsyncGenerator<Buffer> {
    for (;;) {
      const chunk = queue.shift();
      if (chunk) {
        queued -= chunk.length;
        if (queued < limit && resume) {
          const r: () => void = resume;
          resume = null;
          r();
        }
        yield chunk;
        continue;
      }
      if (failure) throw failure;
      if (done) return;
      await new Promise<void>((r) => (wake = r));
    }
  };
  return {
    ...opened,
    chunks: chunks(),
    close: () => {
      done = true;
      const r = resume;
      resume = null;
      r?.();
      opened.close();
    },
  };
}
