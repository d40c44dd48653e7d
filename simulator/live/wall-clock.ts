/**
 * The wall-clock `Clock` for live mode: the same interface the simulator's VirtualClock
 * implements, so the mesh core (Cluster, Exchange, breakers, detectors) cannot tell them apart.
 * Time is milliseconds since the clock was made (monotonic: `performance.now()`), timers are
 * real `setTimeout`s. Timers due at the same instant fire in the order they were set (Node's
 * timer lists are FIFO per duration; equal deadlines of different durations are ordered here).
 */
import type { Clock, TimerId } from '../engine/types.ts';

export class WallClock implements Clock {
  private readonly origin = performance.now();
  private nextId = 1;
  private readonly timers = new Map<TimerId, ReturnType<typeof setTimeout>>();

  now(): number {
    return performance.now() - this.origin;
  }

  schedule(delayMs: number, fn: () => void): TimerId {
    const id = this.nextId++;
    const t = setTimeout(
      () => {
        this.timers.delete(id);
        fn();
      },
      delayMs > 0 ? delayMs : 0,
    );
    this.timers.set(id, t);
    return id;
  }

  cancel(id: TimerId): void {
    const t = this.timers.get(id);
    if (t === undefined) return;
    clearTimeout(t);
    this.timers.delete(id);
  }

  /** Timers set and not fired yet. */
  get pending(): number {
    return this.timers.size;
  }

  /** Cancel every pending timer (shutting a sidecar down). */
  close(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }
}
