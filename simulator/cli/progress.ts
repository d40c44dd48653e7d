/**
 * Progress of long runs on stderr: on a terminal, one updating line (simulated time / total, %,
 * wall elapsed, ETA) redrawn by wall time; elsewhere (CI, a pipe, a log file) a heartbeat line
 * every `heartbeatMs` (default 10 s, env MESHDOJO_HEARTBEAT_MS) once the run has lasted that long,
 * so that a long run never looks hung. Nothing with --quiet.
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
  /** Non-TTY: wall time between two heartbeat lines, ms. */
  heartbeatMs?: number;
}): ProgressSink {
  const stream = opts.stream ?? process.stderr;
  if (opts.quiet) return NOOP;
  if (!stream.isTTY)
    return heartbeat(stream, opts.heartbeatMs ?? (Number(process.env.MESHDOJO_HEARTBEAT_MS) || 10_000));
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

function heartbeat(stream: NodeJS.WritableStream, everyMs: number): ProgressSink {
  const start = performance.now();
  let last = start;
  const due = (): number | null => {
    const now = performance.now();
    if (now - last < everyMs) return null;
    last = now;
    return now - start;
  };
  const eta = (wall: number, frac: number) =>
    frac > 0 && frac < 1 ? `, ETA ${formatClock((wall / frac) * (1 - frac))}` : '';
  return {
    update(done, total) {
      const wall = due();
      if (wall === null) return;
      const frac = total > 0 ? Math.min(1, done / total) : 0;
      stream.write(
        `meshdojo: simulated ${formatClock(done)} of ${formatClock(total)} (${(frac * 100).toFixed(1)}%), wall ${formatClock(wall)}${eta(wall, frac)}\n`,
      );
    },
    note(done, total, unit) {
      const wall = due();
      if (wall === null) return;
      stream.write(
        `meshdojo: ${done}/${total} ${unit}, wall ${formatClock(wall)}${eta(wall, total ? done / total : 0)}\n`,
      );
    },
    end() {},
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
