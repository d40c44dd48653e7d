/**
 * The virtual clock: time advances only when the engine pops an event. It implements the same
 * `Clock` interface the live proxy implements with the wall clock, so policy objects cannot tell
 * the two apart.
 */
import { EventQueue, type EventHandler } from './event-queue.ts';
import { TimerLane } from './timer-lane.ts';
import type { Clock, TimerId } from './types.ts';

/** Lane ids live in the low bits of a lane timer's handle. */
const LANES = 4096;

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
    this.cancelTimer(id);
  }

  /** Hot path: schedule a handler with an argument at an absolute time (no closure needed). */
  at<A>(time: number, handler: EventHandler<A>, arg: A): number {
    return this.queue.push(time < this.t ? this.t : time, handler, arg);
  }

  private readonly lanes = new Map<number, TimerLane>();
  private readonly laneList: TimerLane[] = [];
  private lastLane: TimerLane | null = null;

  /** The lane for timers of this fixed delay (created on first use). */
  lane(delayMs: number): TimerLane {
    // Most call sites ask for the same delay again and again: skip the Map lookup then.
    const last = this.lastLane;
    if (last !== null && last.delay === delayMs) return last;
    let l = this.lanes.get(delayMs);
    if (!l) {
      if (this.laneList.length >= LANES)
        throw new Error(`VirtualClock: more than ${LANES} distinct timer delays`);
      l = new TimerLane(this.laneList.length, delayMs, this.queue);
      this.lanes.set(delayMs, l);
      this.laneList.push(l);
    }
    this.lastLane = l;
    return l;
  }

  /**
   * Hot path: a timer of a fixed delay through its lane. The handle is negative (lane timers) and
   * goes to `cancelTimer`, like the positive handles of `at`. 0 is never a handle.
   */
  after<A>(lane: TimerLane, handler: EventHandler<A>, arg: A): number {
    return -(lane.add(this.t, handler, arg) * LANES + lane.id) - 1;
  }

  /** Cancel a timer set with `at` (handle > 0) or `after` (handle < 0). */
  cancelTimer(handle: number): void {
    if (handle > 0) this.queue.cancel(handle);
    else if (handle < 0) {
      const h = -handle - 1;
      const id = h % LANES;
      this.laneList[id].cancel((h - id) / LANES);
    }
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
