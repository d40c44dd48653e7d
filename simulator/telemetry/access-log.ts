/**
 * Envoy access-log lines in Envoy's default format:
 *
 *   [%START_TIME%] "%REQ(:METHOD)% %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)% %PROTOCOL%" %RESPONSE_CODE%
 *   %RESPONSE_FLAGS% %BYTES_RECEIVED% %BYTES_SENT% %DURATION% %RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)%
 *   "%REQ(X-FORWARDED-FOR)%" "%REQ(USER-AGENT)%" "%REQ(X-REQUEST-ID)%" "%REQ(:AUTHORITY)%"
 *   "%UPSTREAM_HOST%"
 *
 * START_TIME is the fixed epoch 2026-01-01T00:00:00Z plus virtual ms, ISO 8601 with ms, UTC
 * (Envoy's default `%Y-%m-%dT%H:%M:%E3SZ`); DURATION is whole ms, truncated as Envoy does; an
 * empty field is `-`. The x-request-id is a UUID v4 derived from the trace id, so every hop of one
 * request shows the same id, as in a mesh that propagates x-request-id.
 *
 * Also here: what Envoy answers for each meshdojo failure cause (status code, response flags and
 * the body of its local reply) — shared with the Prometheus export.
 */
import type { FailureCause } from './types.ts';
import { FAILURE_CAUSES } from './types.ts';
import { sha256Hex } from './hash.ts';
import { EXPORT_EPOCH_MS } from './traces.ts';

export interface EnvoyOutcome {
  /** HTTP status the caller sees; 0 = no response (the caller gave up). */
  code: number;
  /** Envoy %RESPONSE_FLAGS% (`-` when none). */
  flags: string;
  /** Body of Envoy's local reply, when Envoy (not the upstream) answered; '' otherwise. */
  body: string;
  /** True when the answer came from the upstream service rather than from a proxy. */
  fromUpstream: boolean;
}

const UPSTREAM_RESET = 'upstream connect error or disconnect/reset before headers. reset reason: ';

/** How each failure cause shows up in Envoy's access log and Istio's metrics (caller side). */
export const ENVOY_OUTCOMES: Readonly<Record<FailureCause, EnvoyOutcome>> = {
  // The application (or client) gave up first: Envoy logs a downstream disconnect, no code.
  timeout: { code: 0, flags: 'DC', body: '', fromUpstream: false },
  'route-timeout': { code: 504, flags: 'UT', body: 'upstream request timeout', fromUpstream: false },
  'per-try-timeout': { code: 504, flags: 'UT', body: 'upstream request timeout', fromUpstream: false },
  'error-5xx': { code: 500, flags: '-', body: '', fromUpstream: true },
  // The instance's own bounded queue is full: the service answers 503 itself.
  overflow: { code: 503, flags: '-', body: '', fromUpstream: true },
  'pool-overflow': { code: 503, flags: 'UO', body: UPSTREAM_RESET + 'overflow', fromUpstream: false },
  'no-healthy-upstream': { code: 503, flags: 'UH', body: 'no healthy upstream', fromUpstream: false },
  'breaker-open': { code: 503, flags: 'UO', body: UPSTREAM_RESET + 'overflow', fromUpstream: false },
  'connect-failure': {
    code: 503,
    flags: 'UF',
    body: UPSTREAM_RESET + 'connection failure',
    fromUpstream: false,
  },
  reset: { code: 503, flags: 'UC', body: UPSTREAM_RESET + 'connection termination', fromUpstream: false },
  denied: { code: 403, flags: '-', body: 'RBAC: access denied', fromUpstream: false },
  // A plain-text (or wrong-identity) caller against STRICT mTLS: the TLS handshake fails.
  mtls: {
    code: 503,
    flags: 'UF',
    body: UPSTREAM_RESET + 'connection failure, transport failure reason: TLS error',
    fromUpstream: false,
  },
  'fault-abort': { code: 503, flags: 'FI', body: 'fault filter abort', fromUpstream: false },
  'no-route': { code: 404, flags: 'NR', body: '', fromUpstream: false },
  'retry-budget-exhausted': { code: 503, flags: 'URX', body: '', fromUpstream: true },
};

/** The Envoy outcome of a cause given by index into FAILURE_CAUSES (-1 / unknown → error-5xx). */
export function envoyOutcome(cause: number | FailureCause): EnvoyOutcome {
  const name = typeof cause === 'number' ? (FAILURE_CAUSES[cause] ?? 'error-5xx') : cause;
  return ENVOY_OUTCOMES[name];
}

/** One access-log record. Only the fields without `?` are required. */
export interface AccessLogEntry {
  /** Virtual ms since the start of the run. */
  startMs: number;
  /** Default `GET`. */
  method?: string;
  path: string;
  /** Default `HTTP/1.1`. */
  protocol?: string;
  /** 0 when there was no response. */
  status: number;
  /** Envoy response flags, e.g. `UT` or `UF,URX`; empty or missing = `-`. */
  flags?: string;
  bytesReceived?: number;
  /** Default: the length of Envoy's local reply body for the flags, else 0. */
  bytesSent?: number;
  durationMs: number;
  /**
   * x-envoy-upstream-service-time in ms. Default: the duration when the answer came from the
   * upstream (status > 0 and no local-reply flag), else `-`. `null` forces `-`.
   */
  upstreamServiceTimeMs?: number | null;
  xForwardedFor?: string;
  userAgent?: string;
  /** A UUID is kept; anything else (e.g. a trace id) is turned into a UUID v4 derived from it. */
  requestId: string;
  authority: string;
  /** Default `-` (no upstream selected). */
  upstreamHost?: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** A deterministic UUID v4 for an id (the same trace → the same x-request-id on every hop). */
export function requestIdFor(id: string): string {
  const lower = id.toLowerCase();
  if (UUID.test(lower)) return lower;
  const h = sha256Hex(`x-request-id:${id}`);
  const variant = ((parseInt(h[16], 16) & 3) | 8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** Envoy's START_TIME for virtual ms: `2026-01-01T00:00:01.234Z`. */
export function envoyTime(virtualMs: number): string {
  return new Date(EXPORT_EPOCH_MS + Math.floor(virtualMs)).toISOString();
}

const LOCAL_REPLY_FLAGS = new Set([
  'UH',
  'UF',
  'UO',
  'NR',
  'UT',
  'UC',
  'UR',
  'LR',
  'FI',
  'DC',
  'RL',
  'UAEX',
  'SI',
  'UMSDR',
]);

function localReplyBody(status: number, flags: string): string {
  for (const f of flags.split(',')) {
    for (const c of FAILURE_CAUSES) {
      const o = ENVOY_OUTCOMES[c];
      if (!o.fromUpstream && o.flags === f && (o.code === status || status === 0)) return o.body;
    }
  }
  if (status === 403 && flags === '-') return ENVOY_OUTCOMES.denied.body;
  return '';
}

/** Did a proxy answer (rather than the upstream)? A 403 without flags is an RBAC denial: the
 * simulated services never answer 403 themselves. */
function isLocalReply(status: number, flags: string): boolean {
  if (status === 0 || status === 403) return true;
  if (flags === '-') return false;
  return flags.split(',').some((f) => LOCAL_REPLY_FLAGS.has(f));
}

const field = (s: string | undefined): string => (s === undefined || s === '' ? '-' : s);
function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

/** One line in Envoy's default access-log format (no trailing newline). */
export function formatAccessLog(e: AccessLogEntry): string {
  const flags = e.flags === undefined || e.flags === '' ? '-' : e.flags;
  const local = isLocalReply(e.status, flags);
  const bytesSent = e.bytesSent ?? (local ? utf8Length(localReplyBody(e.status, flags)) : 0);
  let ust = '-';
  if (e.upstreamServiceTimeMs !== undefined && e.upstreamServiceTimeMs !== null) {
    ust = String(Math.floor(e.upstreamServiceTimeMs));
  } else if (e.upstreamServiceTimeMs === undefined && !local && e.status > 0) {
    ust = String(Math.floor(e.durationMs));
  }
  return (
    `[${envoyTime(e.startMs)}] "${e.method ?? 'GET'} ${field(e.path)} ${e.protocol ?? 'HTTP/1.1'}" ` +
    `${e.status} ${flags} ${e.bytesReceived ?? 0} ${bytesSent} ${Math.max(0, Math.floor(e.durationMs))} ${ust} ` +
    `"${field(e.xForwardedFor)}" "${field(e.userAgent)}" "${requestIdFor(e.requestId)}" ` +
    `"${field(e.authority)}" "${field(e.upstreamHost)}"`
  );
}
