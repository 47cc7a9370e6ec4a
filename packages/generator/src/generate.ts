import { Random } from "./random";
import { type OriginalRecord, SessionSimulator, type StreamName } from "./sessions";

export interface GenerateOptions {
  /** Events to generate (duplicates come on top, malformed ones are among them). */
  count: number;
  streams: readonly StreamName[];
  seed: number;
  /** occurred_at falls in [start, end). */
  start: Date;
  end: Date;
  /** Fraction of valid events sent a second time, a little later (a client retry). */
  duplicateRate?: number;
  /** Fraction of events replaced by a line that is not valid JSON. */
  malformedRate?: number;
  /** Size of the user population; default count / 8. */
  users?: number;
}

export interface GeneratedRecord {
  stream: StreamName;
  eventId: string;
  /** One JSON object and "\n" (malformed records too end in "\n", so they spoil only their own line). */
  data: Buffer;
  malformed: boolean;
  /** Set on the second copy of a duplicated event: the event_id it repeats. */
  duplicateOf?: string;
}

/** Decisions about faults draw from their own sequence, so the events stay the same whatever the rates. */
const FAULT_SALT = 0x5bd1e995;

function malformed(original: OriginalRecord, random: Random): string {
  if (random.chance(0.5)) {
    // A prefix of a JSON object without its closing brace is never valid JSON.
    return `${original.line.slice(0, random.int(1, original.line.length - 3))}\n`;
  }
  return `GET /collect?e=${original.stream}&id=${original.eventId} HTTP/1.1\n`;
}

/**
 * Realistic events for the requested streams, deterministic for a seed: sessions of page views and
 * clicks per user, a UTM touch at session start, some duplicates and malformed lines when asked.
 */
export function* generateRecords(options: GenerateOptions): Generator<GeneratedRecord> {
  const startMs = options.start.getTime();
  const endMs = options.end.getTime();
  if (!(endMs > startMs)) throw new RangeError("generateRecords: end must be after start");
  const wanted = new Set(options.streams);
  const content = new Random(options.seed);
  const faults = new Random((options.seed ^ FAULT_SALT) >>> 0);
  const simulator = new SessionSimulator(content, {
    startMs,
    endMs,
    users: options.users ?? Math.max(10, Math.ceil(options.count / 8)),
    salt: options.seed,
  });
  const duplicateRate = options.duplicateRate ?? 0;
  const malformedRate = options.malformedRate ?? 0;
  // Duplicates wait in a queue ordered by the position at which they are due.
  const delayed: { due: number; record: GeneratedRecord }[] = [];
  let emitted = 0;
  let originals = 0;

  function* due(): Generator<GeneratedRecord> {
    while (delayed.length > 0 && (delayed[0] as { due: number }).due <= emitted) {
      emitted++;
      yield (delayed.shift() as { record: GeneratedRecord }).record;
    }
  }

  while (originals < options.count) {
    for (const original of simulator.session()) {
      if (!wanted.has(original.stream)) continue;
      const bad = faults.chance(malformedRate);
      const record: GeneratedRecord = {
        stream: original.stream,
        eventId: original.eventId,
        data: Buffer.from(bad ? malformed(original, faults) : original.line),
        malformed: bad,
      };
      originals++;
      emitted++;
      yield record;
      if (!bad && faults.chance(duplicateRate)) {
        const copy = { ...record, duplicateOf: record.eventId };
        const at = emitted + faults.int(1, 500);
        let index = delayed.length;
        while (index > 0 && (delayed[index - 1] as { due: number }).due > at) index--;
        delayed.splice(index, 0, { due: at, record: copy });
      }
      yield* due();
      if (originals >= options.count) break;
    }
  }
  for (const { record } of delayed) yield record;
}
