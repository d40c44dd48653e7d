/**
 * The toxic types of Toxiproxy 2.x (toxics/*.go): their attributes (JSON integers, zero defaults,
 * decoded strictly as Go's encoding/json does) and what each does to the chunks of one direction.
 */
import type { Rng } from '../../engine/types.ts';
import { EOF, INTERRUPT, now, type Chunk, type Stub } from './stream.ts';

export type Attributes = Record<string, number>;

/** Per-stage state that survives restarts of the toxic (limit_data counts bytes across updates). */
export interface StageState {
  bytes: number;
}

export interface ToxicContext {
  attrs: Attributes;
  rng: Rng;
  state: StageState;
}

export interface ToxicType {
  /** The Go struct, for error messages (`LatencyToxic.attributes.latency`). */
  goName: string;
  /** Attribute names in Toxiproxy's JSON order, with their Go integer types. */
  attributes: Record<string, 'int' | 'int64'>;
  pipe(stub: Stub, ctx: ToxicContext): Promise<void>;
  /** Runs when the toxic is removed (Toxiproxy's CleanupToxic): timeout closes the stream. */
  cleanup?(stub: Stub): void;
}

/** Passes chunks through until EOF or an interrupt. */
async function noop(stub: Stub): Promise<void> {
  for (;;) {
    const c = await stub.read();
    if (c === INTERRUPT) return;
    if (c === EOF) return stub.close();
    stub.write(c);
  }
}

/** A uniform integer in [−jitter, +jitter), as Go's `rand.Int63n(2·jitter) − jitter`. */
function jitterOf(rng: Rng, jitter: number): number {
  return jitter > 0 ? Math.floor(rng.next() * 2 * jitter) - jitter : 0;
}

const latency: ToxicType = {
  goName: 'LatencyToxic',
  attributes: { latency: 'int64', jitter: 'int64' },
  async pipe(stub, { attrs, rng }) {
    for (;;) {
      const c = await stub.read();
      if (c === INTERRUPT) return;
      if (c === EOF) return stub.close();
      // Counted from the chunk's timestamp: pipelined, and chained latencies add up.
      const sleep = attrs.latency + jitterOf(rng, attrs.jitter) - (now() - c.t);
      const slept = await stub.sleep(sleep);
      if (sleep > 0) c.t += sleep;
      stub.write(c); // an interrupted sleep still forwards the pending chunk
      if (!slept) return;
    }
  },
};

const bandwidth: ToxicType = {
  goName: 'BandwidthToxic',
  attributes: { rate: 'int64' },
  async pipe(stub, { attrs }) {
    const rate = attrs.rate; // KB/s, 1 KB = 1000 bytes: `rate` bytes per ms
    let debt = 0; // ms, the timing error carried forward
    for (;;) {
      const c = await stub.read();
      if (c === INTERRUPT) return;
      if (c === EOF) return stub.close();
      if (rate <= 0) {
        // Toxiproxy never lets a byte through at rate 0; hold it until the toxic changes.
        await stub.hold();
        stub.write(c);
        return;
      }
      debt += c.data.length / rate;
      let data = c.data;
      const piece = rate * 100; // larger chunks go out in 100 ms slices
      while (data.length > piece) {
        if (!(await stub.sleep(100))) {
          stub.write({ data, t: c.t });
          return;
        }
        stub.write({ data: data.subarray(0, piece), t: c.t });
        data = data.subarray(piece);
        debt -= 100;
      }
      const start = now();
      const slept = await stub.sleep(debt);
      debt -= now() - start;
      stub.write({ data, t: c.t });
      if (!slept) return;
    }
  },
};

const slowClose: ToxicType = {
  goName: 'SlowCloseToxic',
  attributes: { delay: 'int64' },
  async pipe(stub, { attrs }) {
    for (;;) {
      const c = await stub.read();
      if (c === INTERRUPT) return;
      if (c === EOF) {
        if (await stub.sleep(attrs.delay)) stub.close();
        else stub.close();
        return;
      }
      stub.write(c);
    }
  },
};

const timeout: ToxicType = {
  goName: 'TimeoutToxic',
  attributes: { timeout: 'int64' },
  async pipe(stub, { attrs }) {
    // Drops everything; closes the stream `timeout` ms after it started (never when 0).
    const deadline = attrs.timeout > 0 ? now() + attrs.timeout : Infinity;
    let timer: ReturnType<typeof setTimeout> | null = null;
    if (deadline !== Infinity)
      timer = setTimeout(() => {
        stub.close();
        stub.interrupt();
      }, attrs.timeout);
    try {
      for (;;) {
        const c = await stub.read();
        if (c === INTERRUPT) return;
        if (c === EOF) return stub.close();
      }
    } finally {
      if (timer) clearTimeout(timer);
    }
  },
  cleanup(stub) {
    stub.close();
  },
};

const resetPeer: ToxicType = {
  goName: 'ResetToxic',
  attributes: { timeout: 'int64' },
  async pipe(stub, { attrs }) {
    // Waits for the first chunk of its direction, drops it, waits `timeout`, then closes. The close
    // is an RST when the toxic existed at accept (the connection's sockets then have SO_LINGER 0).
    const c = await stub.read();
    if (c === INTERRUPT) return;
    if (c === EOF) return stub.close();
    if (!(await stub.sleep(attrs.timeout))) return;
    stub.close();
  },
};

/** Split points of [start, end): halve (± size_variation) until a piece is ≤ average + variation. */
function slices(start: number, end: number, avg: number, variation: number, rng: Rng): number[] {
  if (end - start - avg <= variation) return [start, end];
  let mid = start + Math.floor((end - start) / 2);
  if (variation > 0) mid += Math.floor(rng.next() * variation * 2) - variation;
  const left = slices(start, mid, avg, variation, rng);
  const right = slices(mid, end, avg, variation, rng);
  return [...left, ...right.slice(1)];
}

const slicer: ToxicType = {
  goName: 'SlicerToxic',
  attributes: { average_size: 'int', size_variation: 'int', delay: 'int' },
  async pipe(stub, { attrs, rng }) {
    for (;;) {
      const c = await stub.read();
      if (c === INTERRUPT) return;
      if (c === EOF) return stub.close();
      // average_size ≤ 0 recurses without end in Toxiproxy (a crash); here it passes chunks whole.
      if (attrs.average_size <= 0) {
        stub.write(c);
        continue;
      }
      const cuts = slices(0, c.data.length, attrs.average_size, Math.max(0, attrs.size_variation), rng);
      for (let i = 1; i < cuts.length; i++) {
        stub.write({ data: c.data.subarray(cuts[i - 1], cuts[i]), t: c.t });
        if (i < cuts.length - 1 && !(await stub.sleep(attrs.delay / 1000))) {
          stub.write({ data: c.data.subarray(cuts[i]), t: c.t });
          return;
        }
      }
    }
  },
};

const limitData: ToxicType = {
  goName: 'LimitDataToxic',
  attributes: { bytes: 'int64' },
  async pipe(stub, { attrs, state }) {
    for (;;) {
      const c = await stub.read();
      if (c === INTERRUPT) return;
      if (c === EOF) return stub.close();
      if (state.bytes < attrs.bytes) {
        const n = Math.min(c.data.length, attrs.bytes - state.bytes);
        stub.write({ data: c.data.subarray(0, n), t: c.t });
        state.bytes += n;
      }
      if (state.bytes >= attrs.bytes) return stub.close();
    }
  },
};

const noopType: ToxicType = { goName: 'NoopToxic', attributes: {}, pipe: noop };

export const TOXIC_TYPES: Record<string, ToxicType> = {
  latency,
  bandwidth,
  slow_close: slowClose,
  timeout,
  reset_peer: resetPeer,
  slicer,
  limit_data: limitData,
  noop: noopType,
};

export function toxicType(name: string): ToxicType | undefined {
  return Object.hasOwn(TOXIC_TYPES, name) ? TOXIC_TYPES[name] : undefined;
}

/** The pass-through a stage runs when its toxic lost the toxicity roll (or is the hidden first stub). */
export const passThrough = noop;

export type { Chunk };
