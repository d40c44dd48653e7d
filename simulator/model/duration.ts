/**
 * Durations: `250us`, `10ms`, `1.5s`, `2m`, `4h`, Go-style sequences such as `1m30s`, and `0`.
 * They are read as milliseconds (float). A bare number is refused: was it seconds or milliseconds?
 *
 * Isomorphic (no `node:` imports): runs in Node, worker threads and browser Web Workers.
 */
import type { Ms } from './types.ts';

/** Milliseconds per unit. Sub-millisecond units divide so that `50us` is exactly the double nearest 0.05. */
const UNITS: Record<string, { mul?: number; div?: number }> = {
  ns: { div: 1_000_000 },
  us: { div: 1000 },
  µs: { div: 1000 },
  μs: { div: 1000 },
  ms: { mul: 1 },
  s: { mul: 1000 },
  m: { mul: 60_000 },
  h: { mul: 3_600_000 },
};

const PART = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/y;
const EXAMPLES = '`250us`, `10ms`, `1.5s`, `2m` or `4h`';

export type DurationResult = { ok: true; ms: Ms } | { ok: false; message: string };

function describe(input: unknown): string {
  if (input === null) return 'an empty value';
  if (typeof input === 'string') return JSON.stringify(input.length > 40 ? input.slice(0, 40) + '…' : input);
  if (typeof input === 'number' || typeof input === 'boolean') return String(input);
  if (Array.isArray(input)) return 'a list';
  return typeof input === 'object' ? 'a mapping' : typeof input;
}

function bareNumber(n: string | undefined, input: unknown): string {
  const hint =
    n === undefined ? `such as ${EXAMPLES}` : `(a bare number is ambiguous: write \`${n}ms\` or \`${n}s\`)`;
  return `expected a duration with a unit ${hint}, got ${describe(input)}`;
}

/** Parses a duration without throwing. `input` may be anything a YAML document holds. */
export function tryParseDuration(input: unknown): DurationResult {
  if (typeof input === 'number') {
    if (input === 0) return { ok: true, ms: 0 };
    return {
      ok: false,
      message: bareNumber(Number.isFinite(input) && input > 0 ? String(input) : undefined, input),
    };
  }
  if (typeof input !== 'string') {
    return { ok: false, message: `expected a duration such as ${EXAMPLES}, got ${describe(input)}` };
  }
  const text = input.trim();
  if (text === '0') return { ok: true, ms: 0 };
  if (text.startsWith('-')) {
    return { ok: false, message: `expected a duration that is not negative, got ${describe(input)}` };
  }
  if (/^\d+(\.\d*)?$|^\.\d+$/.test(text)) {
    return { ok: false, message: bareNumber(text, input) };
  }
  let total = 0;
  let pos = 0;
  PART.lastIndex = 0;
  while (pos < text.length) {
    PART.lastIndex = pos;
    const m = PART.exec(text);
    if (!m || m.index !== pos) {
      const unit = /^\d+(?:\.\d*)?\s*([a-zA-Zµμ]+)$/.exec(text)?.[1];
      const hint = unit ? ` (unknown unit \`${unit}\`; use ns, us, ms, s, m or h)` : '';
      return { ok: false, message: `expected a duration such as ${EXAMPLES}${hint}, got ${describe(input)}` };
    }
    const unit = UNITS[m[2]!]!;
    const value = Number(m[1]);
    total += unit.div ? value / unit.div : value * unit.mul!;
    pos += m[0].length;
  }
  if (text.length === 0 || !Number.isFinite(total)) {
    return { ok: false, message: `expected a duration such as ${EXAMPLES}, got ${describe(input)}` };
  }
  return { ok: true, ms: total };
}

/** Parses a duration to milliseconds; throws an `Error` with a helpful message when it is not one. */
export function parseDuration(input: unknown): Ms {
  const r = tryParseDuration(input);
  if (!r.ok) throw new Error(r.message);
  return r.ms;
}

/** Formats milliseconds back into the shortest exact duration string (`1500` → `1.5s`, `0.25` → `250us`). */
export function formatDuration(ms: Ms): string {
  if (ms === 0) return '0';
  if (!Number.isFinite(ms)) return String(ms);
  const sign = ms < 0 ? '-' : '';
  const abs = Math.abs(ms);
  const round = (x: number): number => Math.round(x * 1e6) / 1e6;
  if (abs >= 3_600_000 && Number.isInteger(round(abs / 3_600_000) * 4))
    return `${sign}${round(abs / 3_600_000)}h`;
  if (abs >= 60_000 && Number.isInteger(round(abs / 60_000) * 4)) return `${sign}${round(abs / 60_000)}m`;
  if (abs >= 1000) return `${sign}${round(abs / 1000)}s`;
  if (abs >= 1) return `${sign}${round(abs)}ms`;
  if (abs >= 0.001) return `${sign}${round(abs * 1000)}us`;
  return `${sign}${round(abs * 1_000_000)}ns`;
}

/**
 * A duration for people (event reasons, reports): 950 → "950 ms", 30175.37 → "30.2 s",
 * 60000 → "1m", 90000 → "1m 30s", 14400000 → "4h" — three significant digits at most, never float noise.
 */
export function humanDuration(ms: Ms): string {
  if (!Number.isFinite(ms)) return String(ms);
  if (ms < 0) return `-${humanDuration(-ms)}`;
  if (ms < 1) return `${Number(ms.toFixed(3))} ms`;
  if (ms < 1000) return `${Number(ms.toPrecision(3))} ms`;
  const s = ms / 1000;
  if (s < 60) return `${Number(s.toFixed(s < 10 ? 2 : 1))} s`;
  const total = Math.round(s);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const sec = total % 60;
  if (h > 0) return `${h}h${m ? ` ${m}m` : ''}${sec ? ` ${sec}s` : ''}`;
  return `${m}m${sec ? ` ${sec}s` : ''}`;
}
