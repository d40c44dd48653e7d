/**
 * The two interfaces the whole policy core is written against. The simulator hands in a virtual
 * clock and seeded streams; the live proxy hands in the wall clock and its own seeded streams.
 */

export type TimerId = number;

export interface Clock {
  /** Milliseconds since the start of the run (virtual in the simulator, wall in live mode). */
  now(): number;
  /** Run `fn` after `delayMs`. Timers due at the same instant fire in the order they were set. */
  schedule(delayMs: number, fn: () => void): TimerId;
  /** Cancel a timer that has not fired yet; cancelling a fired or unknown id does nothing. */
  cancel(id: TimerId): void;
}

/** A deterministic source of uniform numbers in [0, 1). */
export interface Rng {
  next(): number;
  /** An independent stream named `name`, derived from this stream's seed only (not its position). */
  stream(name: string): Rng;
}

/** A service-time or think-time distribution, in milliseconds (the model's `Distribution`). */
export type Distribution =
  | { dist: 'constant'; value: number }
  | { dist: 'exponential'; mean: number }
  | { dist: 'uniform'; min: number; max: number }
  /** Normal truncated at 0 (resampled while negative). */
  | { dist: 'normal'; mean: number; stddev: number }
  /** Lognormal given its median and 99th percentile: μ = ln(median), σ = ln(p99/median)/2.3263. */
  | { dist: 'lognormal'; median: number; p99: number };
