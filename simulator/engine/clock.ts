/**
 * The virtual clock: time advances only when the engine pops an event. It implements the same
 * `Clock` interface the live proxy implements with the wall clock, so policy objects cannot tell
 * the two apart.
 */
import { EventQueue, type EventHandler } from './event-queue.ts';
import type { Clock, TimerId } from './types.ts';

const runThunk: EventHandler<() => void> = (fn) => fn();

export class VirtualClock implements Clock {
  readonly queue = new EventQueue();
  private t = 0;
  /** Events run so far. */
  events = 0;
  private readonly advance = (time: number): void => {
    this.t = time;
  };

  now(): number {
    return this.t;
  }

  schedule(delayMs: number, fn: () => void): TimerId {
    return this.queue.push(this.t + (delayMs > 0 ? delayMs : 0), runThunk, fn);
  }

  cancel(id: TimerId): void {
    this.queue.cancel(id);
  }

  /** Hot path: schedule a handler with an argument at an absolute time (no closure needed). */
  at<A>(time: number, handler: EventHandler<A>, arg: A): number {
    return this.queue.push(time < this.t ? this.t : time, handler, arg);
  }

  /** Run events due at or before `until`; the clock ends at `until`. Returns events run. */
  runUntil(until: number): number {
    const q = this.queue;
    let n = 0;
    while (q.size > 0 && q.peekTime() <= until) {
      q.popAndRun(this.advance);
      n++;
    }
    this.events += n;
    if (this.t < until) this.t = until;
    return n;
  }
}
