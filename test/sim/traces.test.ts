/** Sampled traces of a real run: one tree per entry request, a client and a server span per hop. */
import { describe, expect, it } from 'vitest';
import { runScenario } from '../../simulator/sim/run.ts';
import { toJaegerJson, toOtlpJson } from '../../simulator/telemetry/traces.ts';
import { scenarioFromFiles } from '../helpers/load.ts';

describe('traces from the simulator', () => {
  const r = runScenario(
    scenarioFromFiles(['topologies/bookinfo.yaml'], { duration: 20_000, sampling: 0.05 }),
  );
  const byTrace = new Map<string, typeof r.traces>();
  for (const s of r.traces) byTrace.set(s.traceId, [...(byTrace.get(s.traceId) ?? []), s]);

  it('samples about 5 % of the pages, each a tree rooted at the load generator', () => {
    expect(byTrace.size).toBeGreaterThan(150);
    expect(byTrace.size).toBeLessThan(270); // 4,200 pages × 5 %
    for (const spans of byTrace.values()) {
      const ids = new Set(spans.map((s) => s.spanId));
      const roots = spans.filter((s) => !s.parentSpanId);
      expect(roots).toHaveLength(1);
      expect(roots[0]).toMatchObject({ kind: 'client', service: 'client' });
      for (const s of spans) if (s.parentSpanId) expect(ids.has(s.parentSpanId)).toBe(true);
    }
  });

  it('has a client span and a server span per hop, the server inside its client', () => {
    for (const spans of byTrace.values()) {
      const server = spans.filter((s) => s.kind === 'server');
      const services = server.map((s) => s.service).sort();
      expect(services).toContain('productpage');
      expect(services).toContain('details');
      expect(services).toContain('reviews');
      for (const s of server) {
        const parent = spans.find((p) => p.spanId === s.parentSpanId)!;
        expect(parent.kind).toBe('client');
        expect(s.startMs).toBeGreaterThanOrEqual(parent.startMs);
        expect(s.endMs).toBeLessThanOrEqual(parent.endMs);
      }
      // reviews v2/v3 call ratings, v1 does not.
      const reviews = server.find((s) => s.service === 'reviews')!;
      const callsRatings = server.some((s) => s.service === 'ratings');
      expect(callsRatings).toBe(!reviews.instance.startsWith('reviews-v1'));
    }
  });

  it('exports to OTLP JSON and Jaeger JSON with every span', () => {
    const otlp = toOtlpJson(r);
    const n = otlp.resourceSpans.reduce(
      (a, rs) => a + rs.scopeSpans.reduce((b, ss) => b + ss.spans.length, 0),
      0,
    );
    expect(n).toBe(r.traces.length);
    const jaeger = toJaegerJson(r);
    expect(jaeger.data).toHaveLength(byTrace.size);
  });
});
