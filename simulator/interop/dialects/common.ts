/** Small readers shared by the dialect importers (match shapes, retry tokens, numbers). */
import { isObj } from '../source.ts';
import type { Match } from '../neutral.ts';

export { isObj };
export const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
export const obj = (v: unknown): Record<string, unknown> => (isObj(v) ? v : {});
export const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
export const num = (v: unknown): number | undefined => {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && /^-?\d+(\.\d+)?$/.test(v.trim())) return Number(v);
  return undefined;
};

/** Istio / Kuma-legacy string match `{ exact | prefix | regex }`. */
export function istioMatch(v: unknown): Match | undefined {
  const m = obj(v);
  if (str(m.exact) !== undefined) return { exact: m.exact as string };
  if (str(m.prefix) !== undefined) return { prefix: m.prefix as string };
  if (str(m.regex) !== undefined) return { regex: m.regex as string };
  if (isObj(v) && Object.keys(v).length === 0) return {};
  return undefined;
}

/** Gateway API `{ type: Exact | PathPrefix | RegularExpression, value }`. */
export function gatewayMatch(type: unknown, value: unknown, dflt = 'Exact'): Match | undefined {
  const v = str(value);
  if (v === undefined) return undefined;
  switch (str(type) ?? dflt) {
    case 'Exact':
      return { exact: v };
    case 'PathPrefix':
    case 'Prefix':
      return { prefix: v };
    case 'RegularExpression':
      return { regex: v };
    default:
      return undefined;
  }
}

/** The Envoy tokens the neutral model knows (policies.md, retries). */
export const NEUTRAL_RETRY_ON = [
  '5xx',
  'gateway-error',
  'connect-failure',
  'refused-stream',
  'reset',
  'retriable-status-codes',
  'retriable-4xx',
  'unavailable',
  'cancelled',
  'deadline-exceeded',
];

/** Splits an Envoy `retryOn` list into tokens the neutral model reads and the others. */
export function envoyRetryOn(tokens: readonly string[]): { known: (string | number)[]; unknown: string[] } {
  const known: (string | number)[] = [];
  const unknown: string[] = [];
  for (const t of tokens.map((s) => s.trim()).filter(Boolean)) {
    if (/^\d{3}$/.test(t)) known.push(Number(t));
    else if (NEUTRAL_RETRY_ON.includes(t)) known.push(t);
    else unknown.push(t);
  }
  return { known, unknown };
}

/** `reviews-v2` under parent `reviews` → `v2` (per-version Services, as Linkerd, SMI and Traefik split). */
export function versionOfBackend(parent: string, backend: string): string | undefined {
  if (backend.startsWith(parent + '-')) return backend.slice(parent.length + 1);
  return undefined;
}
