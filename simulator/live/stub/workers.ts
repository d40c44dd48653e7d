/**
 * A worker limit with a bounded FIFO queue, as a thread pool in front of an accept backlog: a
 * request runs when a slot is free, waits when the queue has room, and is refused at once
 * otherwise. `busySlotMs` integrates busy slots over time (utilization = Δ / (slots × Δt)).
 */
export class WorkerPool {
  busy = 0;
  maxQueue = 0;
  private readonly waiting: (() => void)[] = [];
  private head = 0;
  private area = 0;
  private lastT: number;

  constructor(
    readonly slots: number,
    readonly queueCap: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.lastT = now();
  }

  get queued(): number {
    return this.waiting.length - this.head;
  }

  /** Slot-ms spent busy so far. */
  get busySlotMs(): number {
    const t = this.now();
    return this.area + this.busy * (t - this.lastT);
  }

  /** `start` runs now or later (true), or the queue is full (false, nothing will run). */
  admit(start: () => void): boolean {
    if (this.busy < this.slots) {
      this.take();
      start();
      return true;
    }
    if (this.queued >= this.queueCap) return false;
    this.waiting.push(start);
    if (this.queued > this.maxQueue) this.maxQueue = this.queued;
    return true;
  }

  /** Free a slot and start the oldest waiting request. */
  release(): void {
    this.account();
    this.busy--;
    if (this.queued > 0) {
      const next = this.waiting[this.head];
      this.waiting[this.head++] = noop;
      if (this.head > 1024 && this.head * 2 > this.waiting.length) {
        this.waiting.splice(0, this.head);
        this.head = 0;
      }
      this.take();
      next();
    }
  }

  private take(): void {
    this.account();
    this.busy++;
  }

  private account(): void {
    const t = this.now();
    this.area += this.busy * (t - this.lastT);
    this.lastT = t;
  }
}

const noop = (): void => undefined;

/** A wait of `ms` on a timer, not a busy loop (Node truncates timers to whole ms: round at random so the mean holds). */
export function waitMs(ms: number, u: number): Promise<void> {
  // Node timers fire ≈ 0.2 ms after their whole-ms delay; sub-ms waits become 0 or 1 ms.
  const target = Math.max(0, ms - 0.2);
  const whole = Math.floor(target) + (u < target - Math.floor(target) ? 1 : 0);
  return new Promise((resolve) => {
    if (whole <= 0) setImmediate(resolve);
    else setTimeout(resolve, whole);
  });
}
