/**
 * Timers of one fixed delay (a route timeout, a per-try timeout, an app timeout) fire in the order
 * they were set, so they need no heap of their own: a lane keeps them in a FIFO ring and only its
 * earliest live timer sits in the event queue. Setting and cancelling are O(1); the order of
 * firing is exactly what the plain heap would give, because each timer keeps the sequence number
 * taken when it was set.
 *
 * A cancelled timer at the head is reclaimed at once (the queued event is withdrawn and the next
 * live timer armed): otherwise a lane whose timers are nearly all cancelled (a timeout per call,
 * most calls answering in time) would hold call rate × delay entries until the head's expiry.
 */
import type { EventHandler, EventQueue } from './event-queue.ts';

export class TimerLane {
  private time = new Float64Array(64);
  private seq = new Float64Array(64);
  private dead = new Uint8Array(64);
  private fn: (EventHandler<never> | null)[] = new Array(64).fill(null);
  private arg: unknown[] = new Array(64).fill(undefined);
  private head = 0; // absolute index of the oldest entry still held
  private tail = 0; // absolute index of the next entry
  private armed = false;
  /** Event-queue handle of the armed head timer (valid while `armed`). */
  private armedHandle = 0;

  constructor(
    readonly id: number,
    readonly delay: number,
    private readonly queue: EventQueue,
  ) {}

  /** Set a timer at `now + delay`; returns its absolute index in this lane. */
  add<A>(now: number, handler: EventHandler<A>, arg: A): number {
    if (this.tail - this.head === this.time.length) this.grow();
    const i = this.tail % this.time.length;
    this.time[i] = now + this.delay;
    this.seq[i] = this.queue.takeSeq();
    this.dead[i] = 0;
    this.fn[i] = handler as EventHandler<never>;
    this.arg[i] = arg;
    const index = this.tail++;
    if (!this.armed) this.arm();
    return index;
  }

  cancel(index: number): void {
    if (index < this.head || index >= this.tail) return;
    const i = index % this.time.length;
    if (this.dead[i]) return;
    this.dead[i] = 1;
    this.fn[i] = null;
    this.arg[i] = undefined;
    if (index === this.head && this.armed) {
      // Reclaim now: withdraw the head's event and arm the next live timer (same time and sequence
      // as it would have had, so the order of firing is unchanged).
      this.queue.cancel(this.armedHandle);
      this.armed = false;
      this.arm();
    }
  }

  /** Entries held (live or cancelled but not yet reclaimed): for tests and memory checks. */
  get held(): number {
    return this.tail - this.head;
  }

  /** Put the earliest live timer into the event queue. */
  private arm(): void {
    const n = this.time.length;
    while (this.head < this.tail && this.dead[this.head % n]) this.head++;
    if (this.head === this.tail) {
      this.armed = false;
      return;
    }
    const i = this.head % n;
    this.armed = true;
    this.armedHandle = this.queue.pushWithSeq(this.time[i], this.seq[i], this.fire, null);
  }

  private readonly fire = (): void => {
    const i = this.head % this.time.length;
    const dead = this.dead[i];
    const handler = this.fn[i] as EventHandler<unknown> | null;
    const arg = this.arg[i];
    this.fn[i] = null;
    this.arg[i] = undefined;
    this.head++;
    this.armed = false;
    this.arm();
    if (!dead && handler) handler(arg);
  };

  private grow(): void {
    const n = this.time.length;
    const m = n * 2;
    const time = new Float64Array(m);
    const seq = new Float64Array(m);
    const dead = new Uint8Array(m);
    const fn: (EventHandler<never> | null)[] = new Array(m).fill(null);
    const arg: unknown[] = new Array(m).fill(undefined);
    for (let k = this.head; k < this.tail; k++) {
      const a = k % n;
      const b = k % m;
      time[b] = this.time[a];
      seq[b] = this.seq[a];
      dead[b] = this.dead[a];
      fn[b] = this.fn[a];
      arg[b] = this.arg[a];
    }
    this.time = time;
    this.seq = seq;
    this.dead = dead;
    this.fn = fn;
    this.arg = arg;
  }
}
