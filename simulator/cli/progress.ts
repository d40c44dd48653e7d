/**
 * A single updating progress line on stderr for long runs: simulated time / total, %, wall elapsed
 * and ETA. Shown only when stderr is a TTY and --quiet was not given.
 */
import { performance } from 'node:perf_hooks';

export interface ProgressSink {
  /** Simulated progress (ms of virtual time done out of `total`). */
  update(done: number, total: number): void;
  /** Free text progress (e.g. `sweep 3/15 variants`). */
  note(done: number, total: number, unit: string): void;
  /** Clears the line. */
  end(): void;
}

const NOOP: ProgressSink = { update() {}, note() {}, end() {} };

export function createProgress(opts: {
  quiet?: boolean;
  stream?: NodeJS.WriteStream;
  /** Minimum wall time between two redraws, ms. */
  everyMs?: number;
}): ProgressSink {
  const stream = opts.stream ?? process.stderr;
  if (opts.quiet || !stream.isTTY) return NOOP;
  const every = opts.everyMs ?? 100;
  const start = performance.now();
  let last = -Infinity;
  let shown = false;
  const draw = (line: string, force: boolean) => {
    const now = performance.now();
    if (!force && now - last < every) return;
    last = now;
    const width = Math.max(20, (stream.columns || 80) - 1);
    stream.write(`\r${line.slice(0, width)}\x1b[K`);
    shown = true;
  };
  const timing = (frac: number) => {
    const wall = performance.now() - start;
    const eta = frac > 0 && frac < 1 ? (wall / frac) * (1 - frac) : 0;
    return `wall ${formatClock(wall)}` + (frac > 0 && frac < 1 ? `  ETA ${formatClock(eta)}` : '');
  };
  return {
    update(done, total) {
      const frac = total > 0 ? Math.min(1, done / total) : 0;
      draw(
        `simulated ${formatClock(done)} / ${formatClock(total)}  ${(frac * 100).toFixed(1).padStart(5)}%  ${timing(frac)}`,
        false,
      );
    },
    note(done, total, unit) {
      const frac = total > 0 ? done / total : 0;
      draw(
        `${done}/${total} ${unit}  ${(frac * 100).toFixed(0).padStart(3)}%  ${timing(frac)}`,
        done === total,
      );
    },
    end() {
      if (shown) stream.write('\r\x1b[K');
      shown = false;
    },
  };
}

/** `3723400` → `1h02m03s`, `83400` → `1m23s`, `2500` → `2.5s`. */
export function formatClock(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '?';
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const s = Math.floor(ms / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  const pad = (n: number) => String(n).padStart(2, '0');
  return h > 0 ? `${h}h${pad(m)}m${pad(sec)}s` : `${m}m${pad(sec)}s`;
}
