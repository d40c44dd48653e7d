/**
 * The simulator's pending-event set: an indexed binary min-heap ordered by (time, insertion order),
 * so that two events due at the same instant always fire in the order they were scheduled — the
 * tie-break that makes runs byte-identical per seed.
 *
 * Events live in slots (struct of arrays: time, sequence, handler, argument); the heap orders slot
 * numbers. Cancelling removes the slot from the heap at once (no tombstones), so a run with a timer
 * per in-flight attempt keeps a small heap. A handle carries the slot's generation, so cancelling a
 * handle whose event already fired (and whose slot was reused) does nothing.
 */

export type EventHandler<A = unknown> = (arg: A) => void;

const SLOT_BITS = 2 ** 22; // up to 4,194,304 pending events
const NONE = -1;

export class EventQueue {
  private time = new Float64Array(1024);
  private seq = new Float64Array(1024);
  private gen = new Float64Array(1024);
  private pos = new Int32Array(1024).fill(NONE);
  private heap = new Int32Array(1024);
  private fn: (EventHandler<never> | null)[] = new Array(1024).fill(null);
  private arg: unknown[] = new Array(1024).fill(undefined);
  private freeSlots = new Int32Array(1024);
  private freeCount = 0;
  private slotCount = 0;
  private size_ = 0;
  private nextSeq = 0;

  get size(): number {
    return this.size_;
  }

  /** Time of the earliest pending event, or Infinity. */
  peekTime(): number {
    return this.size_ > 0 ? this.time[this.heap[0]] : Infinity;
  }

  /** Take the next insertion sequence number (for a timer held outside the heap for now). */
  takeSeq(): number {
    return this.nextSeq++;
  }

  /** Schedule `handler(arg)` at absolute `time`; returns a handle (≥ 1) for `cancel`. */
  push<A>(time: number, handler: EventHandler<A>, arg: A): number {
    return this.pushWithSeq(time, this.nextSeq++, handler, arg);
  }

  /** Schedule with a sequence number taken earlier (`takeSeq`), keeping that place among ties. */
  pushWithSeq<A>(time: number, seq: number, handler: EventHandler<A>, arg: A): number {
    let slot: number;
    if (this.freeCount > 0) slot = this.freeSlots[--this.freeCount];
    else {
      if (this.slotCount === this.time.length) this.grow();
      slot = this.slotCount++;
    }
    this.time[slot] = time;
    this.seq[slot] = seq;
    this.fn[slot] = handler as EventHandler<never>;
    this.arg[slot] = arg;
    const i = this.size_++;
    this.heap[i] = slot;
    this.pos[slot] = i;
    this.siftUp(i);
    return this.gen[slot] * SLOT_BITS + slot + 1;
  }

  /** Remove a pending event. Returns false when it already fired or was cancelled. */
  cancel(handle: number): boolean {
    if (handle < 1) return false;
    const slot = (handle - 1) % SLOT_BITS;
    if (slot >= this.slotCount || this.gen[slot] !== (handle - 1 - slot) / SLOT_BITS) return false;
    const i = this.pos[slot];
    if (i === NONE) return false;
    this.removeAt(i);
    this.release(slot);
    return true;
  }

  /**
   * Pop the earliest event and run it. `onTime` is told the event's time first (the clock's
   * advance). Returns false when the queue is empty.
   */
  popAndRun(onTime: (t: number) => void): boolean {
    if (this.size_ === 0) return false;
    const slot = this.heap[0];
    this.removeAt(0);
    const handler = this.fn[slot] as EventHandler<unknown>;
    const arg = this.arg[slot];
    onTime(this.time[slot]);
    this.release(slot);
    handler(arg);
    return true;
  }

  private release(slot: number): void {
    this.pos[slot] = NONE;
    this.fn[slot] = null;
    this.arg[slot] = undefined;
    this.gen[slot]++;
    if (this.freeCount === this.freeSlots.length) {
      const bigger = new Int32Array(this.freeSlots.length * 2);
      bigger.set(this.freeSlots);
      this.freeSlots = bigger;
    }
    this.freeSlots[this.freeCount++] = slot;
  }

  private removeAt(i: number): void {
    const last = --this.size_;
    if (i !== last) {
      const moved = this.heap[last];
      this.heap[i] = moved;
      this.pos[moved] = i;
      if (i > 0 && this.less(moved, this.heap[(i - 1) >> 1])) this.siftUp(i);
      else this.siftDown(i);
    }
  }

  private less(a: number, b: number): boolean {
    const ta = this.time[a];
    const tb = this.time[b];
    return ta < tb || (ta === tb && this.seq[a] < this.seq[b]);
  }

  private siftUp(i: number): void {
    const heap = this.heap;
    const pos = this.pos;
    const slot = heap[i];
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const ps = heap[parent];
      if (!this.less(slot, ps)) break;
      heap[i] = ps;
      pos[ps] = i;
      i = parent;
    }
    heap[i] = slot;
    pos[slot] = i;
  }

  private siftDown(i: number): void {
    const heap = this.heap;
    const pos = this.pos;
    const n = this.size_;
    const slot = heap[i];
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && this.less(heap[r], heap[l]) ? r : l;
      const cs = heap[c];
      if (!this.less(cs, slot)) break;
      heap[i] = cs;
      pos[cs] = i;
      i = c;
    }
    heap[i] = slot;
    pos[slot] = i;
  }

  private grow(): void {
    const n = this.time.length * 2;
    if (n > SLOT_BITS) throw new Error(`EventQueue: more than ${SLOT_BITS} pending events`);
    const f64 = (a: Float64Array) => {
      const b = new Float64Array(n);
      b.set(a);
      return b;
    };
    this.time = f64(this.time);
    this.seq = f64(this.seq);
    this.gen = f64(this.gen);
    const pos = new Int32Array(n).fill(NONE);
    pos.set(this.pos);
    this.pos = pos;
    const heap = new Int32Array(n);
    heap.set(this.heap);
    this.heap = heap;
    for (let i = this.fn.length; i < n; i++) {
      this.fn.push(null);
      this.arg.push(undefined);
    }
  }
}
