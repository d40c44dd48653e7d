import { describe, expect, it } from 'vitest';
import {
  ENVOY_OUTCOMES,
  envoyOutcome,
  envoyTime,
  formatAccessLog,
  requestIdFor,
} from '../../simulator/telemetry/access-log.ts';
import { FAILURE_CAUSES } from '../../simulator/telemetry/types.ts';

describe('formatAccessLog', () => {
  it('writes Envoy’s default format exactly', () => {
    const line = formatAccessLog({
      startMs: 1234.5678,
      method: 'GET',
      path: '/ratings/0',
      status: 200,
      flags: '-',
      bytesReceived: 0,
      bytesSent: 48,
      durationMs: 12.9,
      upstreamServiceTimeMs: 11.2,
      xForwardedFor: '127.0.0.1',
      userAgent: 'curl/8.5.0',
      requestId: 'cc21d9b0-cf5c-432b-8c7e-98aeb7988cd2',
      authority: 'ratings:9080',
      upstreamHost: '127.0.0.1:9080',
    });
    expect(line).toBe(
      '[2026-01-01T00:00:01.234Z] "GET /ratings/0 HTTP/1.1" 200 - 0 48 12 11 "127.0.0.1" "curl/8.5.0" "cc21d9b0-cf5c-432b-8c7e-98aeb7988cd2" "ratings:9080" "127.0.0.1:9080"',
    );
  });

  it('uses - for empty fields and Envoy’s local-reply bodies and flags', () => {
    const rid = requestIdFor('0000000000000000000000000000002a');
    const timeout = formatAccessLog({
      startMs: 3_723_004,
      path: '/reviews/0',
      status: 504,
      flags: 'UT',
      durationMs: 1000.7,
      requestId: '0000000000000000000000000000002a',
      authority: 'reviews',
    });
    expect(timeout).toBe(
      `[2026-01-01T01:02:03.004Z] "GET /reviews/0 HTTP/1.1" 504 UT 0 24 1000 - "-" "-" "${rid}" "reviews" "-"`,
    );
    const uf = formatAccessLog({
      startMs: 0,
      path: '/',
      status: 503,
      flags: 'UF,URX',
      durationMs: 3,
      requestId: 'x',
      authority: 'a',
      upstreamHost: '127.0.0.1:80',
    });
    expect(uf).toContain('" 503 UF,URX 0 91 3 - "-"');
    const denied = formatAccessLog({
      startMs: 0,
      method: 'POST',
      path: '/pay',
      status: 403,
      durationMs: 0.4,
      requestId: 'x',
      authority: 'pay',
    });
    expect(denied).toContain('"POST /pay HTTP/1.1" 403 - 0 19 0 - ');
    const dc = formatAccessLog({
      startMs: 0,
      path: '/',
      status: 0,
      flags: 'DC',
      durationMs: 2000,
      requestId: 'x',
      authority: 'a',
    });
    expect(dc).toContain(' 0 DC 0 0 2000 - ');
  });

  it('derives a deterministic UUID v4 x-request-id from the trace id', () => {
    const a = requestIdFor('0000000000000000000000000000002a');
    expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(requestIdFor('0000000000000000000000000000002a')).toBe(a);
    expect(requestIdFor('0000000000000000000000000000002b')).not.toBe(a);
    expect(requestIdFor('CC21D9B0-CF5C-432B-8C7E-98AEB7988CD2')).toBe('cc21d9b0-cf5c-432b-8c7e-98aeb7988cd2');
  });

  it('maps every failure cause to an Envoy outcome', () => {
    for (const c of FAILURE_CAUSES) {
      const o = ENVOY_OUTCOMES[c];
      expect(o.code === 0 || (o.code >= 400 && o.code < 600)).toBe(true);
      expect(o.flags).toMatch(/^(-|[A-Z]+(,[A-Z]+)*)$/);
    }
    expect(envoyOutcome(FAILURE_CAUSES.indexOf('no-healthy-upstream'))).toMatchObject({
      code: 503,
      flags: 'UH',
    });
    expect(envoyOutcome(-1)).toMatchObject({ code: 500, flags: '-' });
    expect(envoyOutcome('route-timeout')).toMatchObject({ code: 504, flags: 'UT' });
    expect(envoyTime(0)).toBe('2026-01-01T00:00:00.000Z');
    expect(envoyTime(86_400_000.9)).toBe('2026-01-02T00:00:00.000Z');
  });
});
