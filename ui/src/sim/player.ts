/**
 * The timeline's clock: wall time × speed → the simulated time the worker should reach. Pure (the
 * caller feeds it wall-clock deltas), so play / pause / step / speed are tested without a browser.
 */
export const SPEEDS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000] as const;

export interface PlayerState {
  playing: boolean;
  speed: number;
  /** Simulated time the run should have reached, ms. */
  targetMs: number;
  durationMs: number;
  intervalMs: number;
}

export function newPlayer(durationMs: number, intervalMs: number, speed = 10): PlayerState {
  return { playing: false, speed, targetMs: 0, durationMs, intervalMs };
}

/** Advance by a wall-clock delta while playing; a long pause of the tab is capped at 250 ms. */
export function tick(p: PlayerState, wallDeltaMs: number): PlayerState {
  if (!p.playing) return p;
  const dt = Math.min(Math.max(wallDeltaMs, 0), 250);
  const targetMs = Math.min(p.durationMs, p.targetMs + dt * p.speed);
  return { ...p, targetMs, playing: targetMs < p.durationMs };
}

/** Step: pause and move to the end of the next interval. */
export function step(p: PlayerState): PlayerState {
  const next = (Math.floor(p.targetMs / p.intervalMs + 1e-9) + 1) * p.intervalMs;
  return { ...p, playing: false, targetMs: Math.min(p.durationMs, next) };
}

export function setSpeed(p: PlayerState, speed: number): PlayerState {
  if (!(speed > 0)) throw new Error(`speed must be > 0, got ${speed}`);
  return { ...p, speed };
}

/** The worker is asked for whole milliseconds (injected faults then start at t + 0.5 ms). */
export function requestMs(p: PlayerState): number {
  return Math.floor(p.targetMs);
}
