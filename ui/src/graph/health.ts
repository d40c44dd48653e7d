/**
 * Health as Kiali computes it from 5xx: ≥ 0.1 % of the interval's requests failed → degraded,
 * > 10 % → failing. A success answered by a fallback also makes a node degraded (never failing):
 * in a simulator the page "without reviews" is a visible, teachable degradation.
 */
import type { IntervalPoint } from '../../../simulator/telemetry/interval.ts';

export type Health = 'idle' | 'healthy' | 'degraded' | 'failing';

export const DEGRADED_PCT = 0.1;
export const FAILING_PCT = 10;

export function errorPct(p: IntervalPoint | undefined): number {
  if (!p || p.requests === 0) return 0;
  return (100 * p.failures) / p.requests;
}

export function health(p: IntervalPoint | undefined): Health {
  if (!p || p.requests === 0) return 'idle';
  const err = errorPct(p);
  if (err > FAILING_PCT) return 'failing';
  if (err >= DEGRADED_PCT) return 'degraded';
  if (p.degraded !== undefined && (100 * p.degraded) / p.requests >= DEGRADED_PCT) return 'degraded';
  return 'healthy';
}

/** Colour and a shape glyph for each state: colour is never the only signal. */
export const HEALTH_STYLE: Record<Health, { color: string; glyph: string; label: string }> = {
  idle: { color: '#8a94a6', glyph: '○', label: 'no traffic' },
  healthy: { color: '#2e8540', glyph: '●', label: 'healthy' },
  degraded: { color: '#c77700', glyph: '▲', label: 'degraded' },
  failing: { color: '#c62828', glyph: '■', label: 'failing' },
};

/** p99 colour for edges (optional): green under 100 ms, amber under 1 s, red above. */
export function p99Color(ms: number): string {
  if (ms <= 0) return '#9aa5b1';
  if (ms < 100) return '#2e8540';
  if (ms < 1000) return '#c77700';
  return '#c62828';
}
