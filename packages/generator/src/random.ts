const HEX: readonly string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));
const NIBBLE = "0123456789abcdef";

/**
 * A seeded PRNG (sfc32, 128-bit state) with the few draws the generator needs. Same seed, same
 * events: tests and the demo rely on it, so nothing here may use Math.random.
 */
export class Random {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number) {
    // splitmix32 spreads a small seed over the state, so seeds 1 and 2 start far apart.
    let s = seed >>> 0;
    const next = () => {
      s = (s + 0x9e3779b9) | 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.a = next();
    this.b = next();
    this.c = next();
    this.d = next();
    for (let i = 0; i < 12; i++) this.uint32();
  }

  uint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.uint32() / 4294967296;
  }

  /** Integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  chance(probability: number): boolean {
    return probability > 0 && this.next() < probability;
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)] as T;
  }

  /** A random (version 4 layout) UUID from this sequence. */
  uuid(): string {
    const a = this.uint32();
    const b = this.uint32();
    const c = this.uint32();
    const d = this.uint32();
    return (
      "" +
      HEX[a >>> 24] +
      HEX[(a >>> 16) & 255] +
      HEX[(a >>> 8) & 255] +
      HEX[a & 255] +
      "-" +
      HEX[b >>> 24] +
      HEX[(b >>> 16) & 255] +
      "-4" +
      NIBBLE[(b >>> 8) & 15] +
      HEX[b & 255] +
      "-" +
      HEX[((c >>> 24) & 0x3f) | 0x80] +
      HEX[(c >>> 16) & 255] +
      "-" +
      HEX[(c >>> 8) & 255] +
      HEX[c & 255] +
      HEX[d >>> 24] +
      HEX[(d >>> 16) & 255] +
      HEX[(d >>> 8) & 255] +
      HEX[d & 255]
    );
  }
}

/** Picks from weighted choices by a prebuilt cumulative table: one draw, a short scan. */
export class Weighted<T> {
  private readonly items: T[];
  private readonly cumulative: number[];

  constructor(choices: readonly (readonly [T, number])[]) {
    const total = choices.reduce((sum, [, weight]) => sum + weight, 0);
    let running = 0;
    this.items = choices.map(([item]) => item);
    this.cumulative = choices.map(([, weight]) => (running += weight / total));
  }

  pick(random: Random): T {
    const r = random.next();
    for (let i = 0; i < this.cumulative.length; i++) {
      if (r < (this.cumulative[i] as number)) return this.items[i] as T;
    }
    return this.items[this.items.length - 1] as T;
  }
}

/** A UUID that is a pure function of (index, salt): the same user keeps the same anonymous id. */
export function uuidFor(index: number, salt: number): string {
  const random = new Random((Math.imul(index, 0x9e3779b1) ^ salt) >>> 0);
  return random.uuid();
}
