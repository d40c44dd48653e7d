/**
 * The pieces of one direction of a proxied connection, modelled on Toxiproxy's stream package:
 * chunks (one socket read, timestamped when read), channels between stages, and the stub a toxic
 * runs on (read, write, sleep, close — each interruptible, as Toxiproxy's ToxicStub).
 */
import { performance } from 'node:perf_hooks';

export interface Chunk {
  data: Buffer;
  /** When the chunk was read (performance.now() ms); latency toxics move it forward. */
  t: number;
}

export const EOF = Symbol('eof');
export const INTERRUPT = Symbol('interrupt');
export type Item = Chunk | typeof EOF;

export const now = (): number => performance.now();

/** An unbounded FIFO with at most one waiting reader (each stage reads its own input). */
export class Channel {
  private readonly items: Item[] = [];
  private waiter: ((item: Item) => void) | null = null;
  /** Bytes buffered here (for the link's back-pressure on its source socket). */
  bytes = 0;
  /** Called after an item is taken (the link resumes its source when enough has drained). */
  onTake: (() => void) | null = null;

  push(item: Item): void {
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = null;
      w(item);
      this.onTake?.();
      return;
    }
    if (item !== EOF) this.bytes += item.data.length;
    this.items.push(item);
  }

  /** Takes the next item now, or registers `cb` for it. Returns true when `cb` was called at once. */
  take(cb: (item: Item) => void): boolean {
    const item = this.items.shift();
    if (item !== undefined) {
      if (item !== EOF) this.bytes -= item.data.length;
      cb(item);
      this.onTake?.();
      return true;
    }
    this.waiter = cb;
    return false;
  }

  cancelTake(): void {
    this.waiter = null;
  }

  /** Moves everything buffered to `other`, in order (a removed stage's input goes onward). */
  drainTo(other: Channel): void {
    for (const item of this.items.splice(0)) {
      if (item !== EOF) this.bytes -= item.data.length;
      other.push(item);
    }
  }
}

/**
 * What a toxic sees: its input, its output, an interrupt (the toxic was updated, removed, or one was
 * added after it) and a way to close the stream (EOF onward: the destination socket is closed).
 */
export class Stub {
  closed = false;
  private interrupted = false;
  private onInterrupt: (() => void) | null = null;

  constructor(
    public input: Channel,
    public output: Channel,
  ) {}

  /** Resets the interrupt flag before the toxic (re)starts. */
  arm(): void {
    this.interrupted = false;
  }

  read(): Promise<Item | typeof INTERRUPT> {
    if (this.interrupted) return Promise.resolve(INTERRUPT);
    return new Promise((resolve) => {
      const got = (item: Item): void => {
        this.onInterrupt = null;
        resolve(item);
      };
      if (this.input.take(got)) return;
      this.onInterrupt = () => {
        this.input.cancelTake();
        resolve(INTERRUPT);
      };
    });
  }

  /** Resolves true after `ms`, false at once when interrupted. */
  sleep(ms: number): Promise<boolean> {
    if (this.interrupted) return Promise.resolve(false);
    if (ms <= 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.onInterrupt = null;
        resolve(true);
      }, ms);
      this.onInterrupt = () => {
        clearTimeout(timer);
        resolve(false);
      };
    });
  }

  /** Waits until interrupted (a toxic that holds the stream, e.g. bandwidth 0 or timeout 0). */
  hold(): Promise<void> {
    if (this.interrupted) return Promise.resolve();
    return new Promise((resolve) => {
      this.onInterrupt = () => resolve();
    });
  }

  write(chunk: Chunk): void {
    this.output.push(chunk);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.output.push(EOF);
  }

  interrupt(): void {
    this.interrupted = true;
    const cb = this.onInterrupt;
    this.onInterrupt = null;
    cb?.();
  }
}
