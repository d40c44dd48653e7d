/**
 * W3C Trace Context (`traceparent: 00-<trace-id>-<parent-id>-<flags>`) and Envoy's
 * `x-request-id`: kept when the app sent them, made when it did not, so every hop of one request
 * shares a trace id and a request id. Ids come from `crypto.randomUUID` (pooled entropy: cheap).
 */
import { randomUUID } from 'node:crypto';

const HEX = new Uint8Array(128);
for (const c of '0123456789abcdef') HEX[c.charCodeAt(0)] = 1;

function isHex(s: string, from: number, to: number): boolean {
  let zero = true;
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    if (c >= 128 || HEX[c] === 0) return false;
    if (c !== 48) zero = false;
  }
  return !zero; // all-zero ids are invalid
}

/** The trace id of a valid version-00 `traceparent`, else undefined. */
export function traceIdOf(traceparent: string | undefined): string | undefined {
  const h = traceparent;
  if (h === undefined || h.length < 55 || h[2] !== '-' || h[35] !== '-' || h[52] !== '-') return undefined;
  if (!isHex(h, 3, 35) || !isHex(h, 36, 52)) return undefined;
  return h.slice(3, 35);
}

/** The trace flags (`01` sampled) of a valid `traceparent`, else `01`. */
export function traceFlagsOf(traceparent: string | undefined): string {
  return traceparent !== undefined && traceparent.length >= 55 ? traceparent.slice(53, 55) : '01';
}

export function newTraceId(): string {
  const u = randomUUID();
  return u.slice(0, 8) + u.slice(9, 13) + u.slice(14, 18) + u.slice(19, 23) + u.slice(24);
}

export function newSpanId(): string {
  const u = randomUUID();
  return u.slice(0, 8) + u.slice(24, 32);
}

export function newRequestId(): string {
  return randomUUID();
}

/** The `traceparent` this proxy sends on: the same trace, its own span as the parent. */
export function childTraceparent(traceId: string, flags: string): string {
  return `00-${traceId}-${newSpanId()}-${flags}`;
}
