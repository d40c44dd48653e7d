import { describe, expect, it } from 'vitest';
import {
  toJaegerJson,
  toOtlpJson,
  spanIdHex,
  traceIdHex,
  unixNanos,
} from '../../simulator/telemetry/traces.ts';
import type { Span } from '../../simulator/telemetry/types.ts';
import { fabricateResult } from './fixture.ts';

const T = '0000000000000000000000000000002a';
const spans: Span[] = [
  {
    traceId: T,
    spanId: '0000000000000001',
    name: 'GET /productpage',
    service: 'client',
    instance: 'client',
    kind: 'client',
    startMs: 0,
    endMs: 12.5,
    status: 200,
  },
  {
    traceId: T,
    spanId: '0000000000000002',
    parentSpanId: '0000000000000001',
    name: 'GET /productpage',
    service: 'productpage',
    instance: 'productpage-v1-0',
    kind: 'server',
    startMs: 0.25,
    endMs: 12.25,
    status: 200,
    attributes: { 'queue.ms': 0.125, degraded: false },
  },
  {
    traceId: T,
    spanId: '0000000000000003',
    parentSpanId: '0000000000000002',
    name: 'GET /reviews → reviews',
    service: 'productpage',
    instance: 'productpage-v1-0',
    kind: 'client',
    startMs: 1234.5,
    endMs: 1240,
    status: 504,
    flags: 'UT',
    attributes: { retry: true },
  },
];

describe('toOtlpJson', () => {
  it('groups spans by resource with service.name and keeps parent links', () => {
    const doc = toOtlpJson(spans, ['productpage']);
    expect(doc.resourceSpans).toHaveLength(2);
    const [pp, client] = doc.resourceSpans;
    expect(pp.resource.attributes).toContainEqual({
      key: 'service.name',
      value: { stringValue: 'productpage' },
    });
    expect(pp.resource.attributes).toContainEqual({
      key: 'service.instance.id',
      value: { stringValue: 'productpage-v1-0' },
    });
    expect(client.resource.attributes[0]).toEqual({ key: 'service.name', value: { stringValue: 'client' } });
    const all = doc.resourceSpans.flatMap((r) => r.scopeSpans.flatMap((s) => s.spans));
    expect(all).toHaveLength(3);
    const byId = new Map(all.map((s) => [s.spanId, s]));
    for (const s of all) {
      expect(s.traceId).toMatch(/^[0-9a-f]{32}$/);
      expect(s.spanId).toMatch(/^[0-9a-f]{16}$/);
      if (s.parentSpanId) expect(byId.has(s.parentSpanId)).toBe(true);
    }
    const server = byId.get('0000000000000002')!;
    expect(server.kind).toBe(2);
    expect(server.parentSpanId).toBe('0000000000000001');
    expect(server.startTimeUnixNano).toBe('1767225600000250000');
    expect(server.endTimeUnixNano).toBe('1767225600012250000');
    expect(server.status).toEqual({ code: 1 });
    expect(server.attributes).toContainEqual({ key: 'queue.ms', value: { doubleValue: 0.125 } });
    expect(server.attributes).toContainEqual({ key: 'degraded', value: { boolValue: false } });
    expect(server.attributes).toContainEqual({
      key: 'http.response.status_code',
      value: { intValue: '200' },
    });
    const failed = byId.get('0000000000000003')!;
    expect(failed.kind).toBe(3);
    expect(failed.startTimeUnixNano).toBe('1767225601234500000');
    expect(failed.status.code).toBe(2);
    expect(failed.attributes).toContainEqual({ key: 'envoy.response_flags', value: { stringValue: 'UT' } });
    expect(failed.attributes).toContainEqual({ key: 'http.request.method', value: { stringValue: 'GET' } });
  });

  it('accepts a RunResult and normalises foreign ids deterministically', () => {
    const r = fabricateResult({ durationMs: 20_000 });
    const doc = toOtlpJson(r);
    const n = doc.resourceSpans.reduce((a, x) => a + x.scopeSpans[0].spans.length, 0);
    expect(n).toBe(r.traces.length);
    expect(traceIdHex('trace-7')).toMatch(/^[0-9a-f]{32}$/);
    expect(traceIdHex('trace-7')).toBe(traceIdHex('trace-7'));
    expect(traceIdHex('0'.repeat(32))).not.toBe('0'.repeat(32)); // all-zero ids are invalid in OTLP
    expect(spanIdHex('ABCDEF0123456789')).toBe('abcdef0123456789');
    expect(unixNanos(0.000001)).toBe('1767225600000000001');
  });
});

describe('toJaegerJson', () => {
  it('writes the Jaeger UI upload format with µs times, processes and CHILD_OF references', () => {
    const doc = toJaegerJson(spans);
    expect(doc.data).toHaveLength(1);
    const t = doc.data[0];
    expect(t.traceID).toBe(T);
    expect(Object.keys(t.processes)).toEqual(['p1', 'p2']);
    expect(t.processes.p1.serviceName).toBe('client');
    expect(t.processes.p2).toEqual({
      serviceName: 'productpage',
      tags: [{ key: 'hostname', type: 'string', value: 'productpage-v1-0' }],
    });
    const [root, server, call] = t.spans;
    expect(root.references).toEqual([]);
    expect(root.startTime).toBe(1767225600000000);
    expect(root.duration).toBe(12500);
    expect(server.references).toEqual([{ refType: 'CHILD_OF', traceID: T, spanID: '0000000000000001' }]);
    expect(server.startTime).toBe(1767225600000250);
    expect(server.processID).toBe('p2');
    expect(call.processID).toBe('p2');
    expect(call.startTime).toBe(1767225601234500);
    expect(call.duration).toBe(5500);
    expect(call.tags).toContainEqual({ key: 'error', type: 'bool', value: true });
    expect(call.tags).toContainEqual({ key: 'http.status_code', type: 'int64', value: 504 });
    expect(call.tags).toContainEqual({ key: 'span.kind', type: 'string', value: 'client' });
    for (const s of t.spans)
      for (const ref of s.references) expect(t.spans.some((x) => x.spanID === ref.spanID)).toBe(true);
  });

  it('makes one trace per trace id from a RunResult', () => {
    const r = fabricateResult({ durationMs: 60_000 });
    const doc = toJaegerJson(r);
    expect(doc.data.length).toBe(new Set(r.traces.map((s) => s.traceId)).size);
    for (const t of doc.data) for (const s of t.spans) expect(t.processes[s.processID]).toBeDefined();
    expect(JSON.parse(JSON.stringify(doc))).toEqual(doc);
  });
});
