/**
 * Drives one run from the CLI in wall-time slices of the virtual clock, so that between slices the
 * event loop can redraw the progress line, print a heartbeat and see Ctrl-C. The first slices are
 * the calibration: once a short wall time has been spent, the run's own speed gives the estimate
 * (requests, events, wall time) — and a run estimated above the limit stops there unless `--yes`.
 */
import { performance } from 'node:perf_hooks';
import type { RunStepper } from '../sim/run.ts';
import type { RunResult } from '../telemetry/types.ts';
import { fmtDuration, fmtInt } from '../telemetry/format.ts';
import type { ProgressSink } from './progress.ts';
import { UsageError } from './errors.ts';

export interface DriveOptions {
  progress: ProgressSink;
  /** Refuse a run estimated to take longer than this (wall ms) unless `yes`. */
  limitMs: number;
  yes: boolean;
  /** Print the estimate when the run is expected to take longer than this (wall ms). */
  announceMs?: number;
  /** Wall time spent before the estimate is made (ms). */
  calibrateMs?: number;
  /** Where the estimate goes (stderr). */
  note?: (line: string) => void;
}

/** Thrown when Ctrl-C stopped the run: nothing is written. */
export class Interrupted extends Error {
  constructor(
    readonly simulatedMs: number,
    readonly durationMs: number,
  ) {
    super('interrupted');
  }
}

export interface Estimate {
  requests: number;
  events: number;
  wallMs: number;
}

/**
 * Extrapolates to the whole run: requests and events by the share of virtual time done, wall time
 * by the engine's event rate measured after the warm-up (`since`: events and wall at its end), so
 * that JIT compilation and start-up do not inflate the estimate.
 */
export function estimateRun(
  run: RunStepper,
  wallSoFarMs: number,
  since: { events: number; wallMs: number } = { events: 0, wallMs: 0 },
): Estimate {
  const share = run.now / run.durationMs;
  const k = share > 0 ? 1 / share : Infinity;
  const events = run.events * k;
  const rate = (run.events - since.events) / Math.max(1e-3, wallSoFarMs - since.wallMs); // events per wall ms
  const wallMs = rate > 0 ? wallSoFarMs + (events - run.events) / rate : Infinity;
  return { requests: run.requestsSent * k, events, wallMs };
}

/** 3.6e10 → "3.6·10¹⁰"; small numbers with thousands separators. */
export function fmtBig(x: number): string {
  if (!Number.isFinite(x)) return '∞';
  if (x < 1e7) return fmtInt(x);
  const e = Math.floor(Math.log10(x));
  const sup = String(e)
    .split('')
    .map((d) => '⁰¹²³⁴⁵⁶⁷⁸⁹'[Number(d)])
    .join('');
  return `${(x / 10 ** e).toFixed(1)}·10${sup}`;
}

const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export async function drive(run: RunStepper, opts: DriveOptions): Promise<RunResult> {
  const start = performance.now();
  const calibrateMs = opts.calibrateMs ?? 400;
  const sliceWallMs = 50;
  let interrupted = false;
  const onSigint = () => {
    interrupted = true;
  };
  process.on('SIGINT', onSigint);
  try {
    let step = Math.min(run.durationMs, 1); // virtual ms per slice, adapted to ~sliceWallMs of wall time
    let estimated = false;
    // The speed is measured after a warm-up (JIT, first allocations), over `calibrateMs` more.
    let warm: { events: number; wallMs: number } | null = null;
    const warmupMs = Math.min(150, calibrateMs / 2);
    while (run.now < run.durationMs) {
      const t0 = performance.now();
      run.advance(run.now + step);
      const spent = performance.now() - t0;
      step = spent < sliceWallMs / 2 ? step * 2 : spent > sliceWallMs * 2 ? Math.max(step / 2, 1e-3) : step;
      opts.progress.update(run.now, run.durationMs);
      const wall = performance.now() - start;
      if (warm === null && wall >= warmupMs) warm = { events: run.events, wallMs: wall };
      if (!estimated && warm !== null && wall >= warm.wallMs + calibrateMs && run.now < run.durationMs) {
        estimated = true;
        const est = estimateRun(run, wall, warm);
        const line =
          `estimate: ~${fmtBig(est.requests)} requests, ~${fmtBig(est.events)} events, ` +
          `~${fmtDuration(est.wallMs)} of wall time (from the first ${fmtDuration(wall)})`;
        if (est.wallMs > opts.limitMs && !opts.yes) {
          throw new UsageError(
            `${line}: above the limit of ${fmtDuration(opts.limitMs)}. ` +
              'Shorten --duration, lower the load, or pass --yes to run it anyway. Nothing was written.',
          );
        }
        if (est.wallMs > (opts.announceMs ?? 60_000)) opts.note?.(line);
      }
      await yieldToEventLoop();
      if (interrupted) throw new Interrupted(run.now, run.durationMs);
    }
    return run.finish();
  } finally {
    process.off('SIGINT', onSigint);
    opts.progress.end();
  }
}
