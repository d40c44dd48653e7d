/** Shared by the HTML report's parts: palette, escaping, small number and time helpers. */
import type { FailureCause, RunResult } from '../types.ts';
import { health } from '../format.ts';
import { topCauses as topCausesText } from '../format.ts';

export const topCauses = (f: Partial<Record<FailureCause, number>>, n = 3): string => {
  const t = topCausesText(f, n);
  return t === '-' ? '–' : t;
};

// ---- palette ------------------------------------------------------------------------------------

export const HEALTH_COLOR = {
  healthy: '#3e8635',
  degraded: '#f0ab00',
  failing: '#c9190b',
  idle: '#8a8d90',
} as const;
/** Run colours for overlaid series (PatternFly chart palette). */
export const RUN_COLORS = [
  '#0066cc',
  '#ec7a08',
  '#009596',
  '#5752d1',
  '#c58c00',
  '#7d1007',
  '#4cb140',
  '#002f5d',
];
/** Fixed colour per failure cause (index in FAILURE_CAUSES), so every chart and legend agree. */
export const CAUSE_COLORS = [
  '#ec7a08', // timeout
  '#c9190b', // route-timeout
  '#f4b678', // per-try-timeout
  '#7d1007', // error-5xx
  '#5752d1', // overflow
  '#8481dd', // pool-overflow
  '#a30000', // no-healthy-upstream
  '#0066cc', // breaker-open
  '#009596', // connect-failure
  '#73c5c5', // reset
  '#6a6e73', // denied
  '#b8bbbe', // mtls
  '#f0ab00', // fault-abort
  '#4cb140', // no-route
  '#c58c00', // retry-budget-exhausted
];

// ---- helpers ------------------------------------------------------------------------------------

export function escapeHtml(s: string): string {
  return s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string,
  );
}
export const h = escapeHtml;

export const num = (x: number, d = 1): string =>
  Number.isFinite(x) ? String(Math.round(x * 10 ** d) / 10 ** d) : '0';

export function healthColor(successRate: number, requests: number): string {
  return HEALTH_COLOR[health(successRate, requests)];
}

export function uniqueLabels(results: RunResult[], labels?: string[]): string[] {
  const base = results.map((r, i) => labels?.[i] ?? r.scenario ?? `run ${i + 1}`);
  const seen = new Map<string, number>();
  for (const b of base) seen.set(b, (seen.get(b) ?? 0) + 1);
  const idx = new Map<string, number>();
  return base.map((b) => {
    if ((seen.get(b) ?? 0) < 2) return b;
    const k = (idx.get(b) ?? 0) + 1;
    idx.set(b, k);
    return `${b} #${k}`;
  });
}

/** Nice time ticks (ms) over [0, duration]: 1-2-5 steps in s/min/h, at most ~`max` ticks. */
export function timeTicks(durationMs: number, max = 8): number[] {
  const steps = [
    1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400,
  ].map((s) => s * 1000);
  const sub = [10, 20, 50, 100, 200, 500];
  const all = [...sub, ...steps];
  const step = all.find((s) => durationMs / s <= max) ?? durationMs;
  const out: number[] = [];
  for (let t = 0; t <= durationMs + 1e-9; t += step) out.push(t);
  return out;
}

export function fmtTick(ms: number, durationMs: number): string {
  if (durationMs < 2000) return `${Math.round(ms)} ms`;
  const s = Math.round(ms / 1000);
  const hh = Math.floor(s / 3600);
  const mm = Math.floor((s % 3600) / 60);
  const ss = s % 60;
  if (durationMs >= 3 * 3600_000) return `${hh}:${String(mm).padStart(2, '0')}`;
  if (hh > 0) return `${hh}:${String(mm).padStart(2, '0')}:${String(ss).padStart(2, '0')}`;
  return `${mm}:${String(ss).padStart(2, '0')}`;
}
