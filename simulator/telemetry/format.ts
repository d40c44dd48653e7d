/**
 * Number, time and share formatting for every report (text, HTML, compare, sweep, narrative).
 * Made for a projector: units always shown, no float noise, `-` for "none". Isomorphic and
 * locale-independent (no toLocaleString).
 */
import type { CheckUnit, FailureCause } from './types.ts';
import { FAILURE_CAUSES } from './types.ts';
import { humanDuration } from '../model/duration.ts';

/** 1234567 → "1,234,567"; non-integers keep `decimals` decimals. */
export function fmtInt(x: number): string {
  if (!Number.isFinite(x)) return '-';
  const neg = x < 0;
  const s = String(Math.round(Math.abs(x)));
  let out = '';
  for (let i = 0; i < s.length; i++) {
    if (i > 0 && (s.length - i) % 3 === 0) out += ',';
    out += s[i];
  }
  return neg ? '-' + out : out;
}

/** A ratio 0..1 as a percentage with 2 decimals: 0.99123 → "99.12%". */
export function fmtPct(x: number, decimals = 2): string {
  if (!Number.isFinite(x)) return '-';
  return `${(x * 100).toFixed(decimals)}%`;
}

/** Milliseconds with a sensible precision: 0.123, 12.35, 123.5, 1,234. */
export function fmtMs(ms: number): string {
  if (!Number.isFinite(ms)) return '-';
  const a = Math.abs(ms);
  if (a >= 1000) return fmtInt(ms);
  if (a >= 100) return ms.toFixed(1);
  if (a >= 1) return ms.toFixed(2);
  return ms.toFixed(3);
}

/** A duration for humans: 950 → "950 ms", 30175.37 → "30.2 s", 60000 → "1m", 90000 → "1m 30s". */
export const fmtDuration = (ms: number): string => (Number.isFinite(ms) ? humanDuration(ms) : '-');

/** A latency with its unit: 0.1234 → "0.123 ms", 12.345 → "12.3 ms", 2345 → "2.35 s"; `-` for none. */
export function fmtLatency(ms: number): string {
  if (!Number.isFinite(ms)) return '-';
  const a = Math.abs(ms);
  if (a >= 1000) return `${Number((ms / 1000).toFixed(a >= 10_000 ? 1 : 2))} s`;
  if (a >= 100) return `${Math.round(ms)} ms`;
  if (a >= 10) return `${ms.toFixed(1)} ms`;
  if (a >= 1) return `${ms.toFixed(2)} ms`;
  return `${ms.toFixed(3)} ms`;
}

/** A share for humans: 1 → "100%", 0.99123 → "99.1%", 0.00004 → "<0.1%", 0 → "0%". */
export function fmtShare(x: number): string {
  if (!Number.isFinite(x)) return '-';
  if (x === 0) return '0%';
  if (x === 1) return '100%';
  const p = x * 100;
  if (p < 0.1) return '<0.1%';
  if (p > 99.9 && p < 100) return '>99.9%';
  return `${Number(p.toFixed(p < 10 ? 2 : 1))}%`;
}

/** A check's value in its unit: a share as a percentage, a latency with its unit, a count with separators. */
export function fmtCheckValue(x: number | null, unit: CheckUnit): string {
  if (x === null || !Number.isFinite(x)) return x === Infinity ? '∞' : '-';
  switch (unit) {
    case 'ratio':
      return fmtShare(x);
    case 'ms':
      return fmtLatency(x);
    case 'count':
      return fmtInt(x);
    case 'per-second':
      return `${Number(x.toFixed(x < 10 ? 2 : 1))}/s`;
  }
}

/** Virtual time of an event: "02:30.250" or "1:02:30.250". */
export function fmtClock(ms: number): string {
  const t = Math.max(0, Math.round(ms));
  const h = Math.floor(t / 3_600_000);
  const m = Math.floor((t % 3_600_000) / 60_000);
  const s = Math.floor((t % 60_000) / 1000);
  const milli = t % 1000;
  const mm = String(m).padStart(2, '0');
  const ss = String(s).padStart(2, '0');
  const mmm = String(milli).padStart(3, '0');
  return h > 0 ? `${h}:${mm}:${ss}.${mmm}` : `${mm}:${ss}.${mmm}`;
}

/** Kiali-style health of an error ratio: < 0.1 % healthy, < 10 % degraded, else failing. */
export function health(successRate: number, requests: number): 'healthy' | 'degraded' | 'failing' | 'idle' {
  if (requests === 0) return 'idle';
  const err = 1 - successRate;
  if (err < 0.001) return 'healthy';
  if (err < 0.1) return 'degraded';
  return 'failing';
}

/** "route-timeout 30, breaker-open 15" — the largest `n` causes. */
export function topCauses(f: Partial<Record<FailureCause, number>>, n = 3): string {
  const list = FAILURE_CAUSES.filter((c) => (f[c] ?? 0) > 0).sort(
    (a, b) => (f[b] as number) - (f[a] as number),
  );
  if (list.length === 0) return '-';
  const shown = list.slice(0, n).map((c) => `${c} ${fmtInt(f[c] as number)}`);
  if (list.length > n && n > 1) shown.push(`+${list.length - n} more`);
  return shown.join(', ');
}

export function sumCauses(f: Partial<Record<FailureCause, number>>): number {
  let s = 0;
  for (const c of FAILURE_CAUSES) s += f[c] ?? 0;
  return s;
}
