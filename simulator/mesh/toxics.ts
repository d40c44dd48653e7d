/**
 * Chaos faults on one target as Toxiproxy models them: a stack of *toxics*, each on one direction
 * of the connection (`upstream` = the request, `downstream` = the response), applied in the order
 * they were added, all at once. Two latency toxics add up; removing one leaves the others in force
 * (Toxiproxy `toxic_collection.go`, `toxics/latency.go`). The simulator reads the stack on its hot
 * path; the live fault proxy will create one Toxiproxy toxic per entry:
 *
 * | meshdojo toxic | Toxiproxy toxic                                              |
 * |----------------|--------------------------------------------------------------|
 * | `latency`      | `latency` { latency, jitter }, same stream                   |
 * | `loss`         | `reset_peer` { timeout: 0 }, toxicity = percent / 100        |
 * | `abort`        | none: an HTTP answer the fault proxy gives itself (L7)       |
 *
 * One request is one connection here (HTTP/1.1, one request per connection), so Toxiproxy's
 * per-connection `toxicity` roll is a per-request roll.
 *
 * No I/O, no clock: the caller draws from its own Rng, and a stack with nothing on a direction
 * draws nothing (so adding this model did not move any other random stream).
 */
import type { Ms, Pct, Stream } from '../model/types.ts';
import type { Rng } from '../engine/types.ts';

export const UPSTREAM = 0;
export const DOWNSTREAM = 1;
export type StreamIndex = typeof UPSTREAM | typeof DOWNSTREAM;

export function streamIndex(s: Stream): StreamIndex {
  return s === 'downstream' ? DOWNSTREAM : UPSTREAM;
}

export type Toxic =
  | {
      readonly type: 'latency';
      readonly name: string;
      readonly stream: Stream;
      readonly latency: Ms;
      readonly jitter: Ms;
    }
  | { readonly type: 'loss'; readonly name: string; readonly stream: Stream; readonly percent: Pct }
  | { readonly type: 'abort'; readonly name: string; readonly percent: Pct; readonly status: number };

export class ToxicStack {
  private readonly toxics: Toxic[] = [];
  /** Latency toxics per direction, in insertion order (the hot path walks these only). */
  private readonly latencies: { latency: Ms; jitter: Ms }[][] = [[], []];
  /** Combined loss per direction (%): each toxic hits what the ones before it let through. */
  private readonly loss: number[] = [0, 0];
  /** Aborts in order; `cumulative` = share (%) aborted by this toxic and those before it. */
  private aborts: { status: number; cumulative: number }[] = [];

  /** Appends a toxic at the end of its direction's chain (Toxiproxy: create = append). */
  add(t: Toxic): void {
    this.toxics.push(t);
    this.rebuild();
  }

  /** Removes this toxic (by identity); the others stay in force. Returns false if absent. */
  remove(t: Toxic): boolean {
    const i = this.toxics.indexOf(t);
    if (i < 0) return false;
    this.toxics.splice(i, 1);
    this.rebuild();
    return true;
  }

  /** The toxics in force, in insertion order. */
  list(): readonly Toxic[] {
    return this.toxics;
  }

  /** Extra delay on one direction: Σ max(0, latencyᵢ + U(−jitterᵢ, +jitterᵢ)); one draw per jittered toxic. */
  latency(stream: StreamIndex, rng: Rng): Ms {
    const l = this.latencies[stream];
    let d = 0;
    for (let i = 0; i < l.length; i++) {
      const t = l[i];
      d += t.jitter > 0 ? Math.max(0, t.latency + t.jitter * (2 * rng.next() - 1)) : t.latency;
    }
    return d;
  }

  /** Whether this request's connection is lost on `stream`; draws only when a loss toxic is set. */
  lost(stream: StreamIndex, rng: Rng): boolean {
    const p = this.loss[stream];
    return p > 0 && rng.next() * 100 < p;
  }

  /** Combined loss percentage on a direction. */
  lossPercent(stream: StreamIndex): Pct {
    return this.loss[stream];
  }

  /**
   * The status an abort toxic answers this request with, 0 = none. Each abort applies to what the
   * ones before it let through; one draw decides which (none drawn without an abort toxic).
   */
  abortStatus(rng: Rng): number {
    const a = this.aborts;
    if (a.length === 0) return 0;
    const u = rng.next() * 100;
    for (let i = 0; i < a.length; i++) if (u < a[i].cumulative) return a[i].status;
    return 0;
  }

  private rebuild(): void {
    this.latencies[UPSTREAM] = [];
    this.latencies[DOWNSTREAM] = [];
    this.loss[UPSTREAM] = 0;
    this.loss[DOWNSTREAM] = 0;
    this.aborts = [];
    let aborted = 0;
    for (const t of this.toxics) {
      if (t.type === 'latency')
        this.latencies[streamIndex(t.stream)].push({ latency: t.latency, jitter: t.jitter });
      else if (t.type === 'loss') {
        const s = streamIndex(t.stream);
        this.loss[s] = stack(this.loss[s], t.percent);
      } else if (t.percent > 0) {
        // a 0 % abort is inert, and costs no draw
        aborted = stack(aborted, t.percent);
        this.aborts.push({ status: t.status, cumulative: aborted });
      }
    }
  }
}

/** Share (%) hit by independent toxics: c + (100 − c)·p/100; exactly `p` for the first one. */
function stack(c: Pct, p: Pct): Pct {
  return c === 0 ? p : c + ((100 - c) * p) / 100;
}
