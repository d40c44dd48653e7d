/**
 * Seeded random streams. `sfc32` (Chris Doty-Humphrey's Small Fast Counting generator, 128-bit
 * state, passes PractRand) seeded through `cyrb128` of "seed/name". A named stream depends only on
 * the root seed and its name, never on how many numbers another stream drew: two what-if variants
 * draw the same arrivals and service times (common random numbers) even when their policies make
 * them consume other streams differently.
 */
import type { Rng } from './types.ts';

function cyrb128(str: string): [number, number, number, number] {
  let h1 = 1779033703,
    h2 = 3144134277,
    h3 = 1013904242,
    h4 = 2773480762;
  for (let i = 0; i < str.length; i++) {
    const k = str.charCodeAt(i);
    h1 = h2 ^ Math.imul(h1 ^ k, 597399067);
    h2 = h3 ^ Math.imul(h2 ^ k, 2869860233);
    h3 = h4 ^ Math.imul(h3 ^ k, 951274213);
    h4 = h1 ^ Math.imul(h4 ^ k, 2716044179);
  }
  h1 = Math.imul(h3 ^ (h1 >>> 18), 597399067);
  h2 = Math.imul(h4 ^ (h2 >>> 22), 2869860233);
  h3 = Math.imul(h1 ^ (h3 >>> 17), 951274213);
  h4 = Math.imul(h2 ^ (h4 >>> 19), 2716044179);
  h1 ^= h2 ^ h3 ^ h4;
  h2 ^= h1;
  h3 ^= h1;
  h4 ^= h1;
  return [h1 >>> 0, h2 >>> 0, h3 >>> 0, h4 >>> 0];
}

export class SeededRng implements Rng {
  // State in a typed array: plain number fields holding 32-bit values would be boxed heap numbers.
  private readonly s = new Int32Array(4);

  constructor(readonly key: string) {
    const h = cyrb128(key);
    for (let i = 0; i < 4; i++) this.s[i] = h[i];
    for (let i = 0; i < 12; i++) this.next(); // mix the seed in
  }

  next(): number {
    const s = this.s;
    const a = s[0],
      b = s[1],
      c = s[2],
      d = s[3];
    const t = (((a + b) | 0) + d) | 0;
    s[3] = (d + 1) | 0;
    s[0] = b ^ (b >>> 9);
    s[1] = (c + (c << 3)) | 0;
    s[2] = (((c << 21) | (c >>> 11)) + t) | 0;
    return (t >>> 0) / 4294967296;
  }

  stream(name: string): Rng {
    return new SeededRng(`${this.key}/${name}`);
  }
}

/** The root stream of a run. */
export function createRng(seed: number): Rng {
  return new SeededRng(`meshdojo:${seed}`);
}
