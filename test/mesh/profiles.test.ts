import { describe, expect, it } from 'vitest';
import { DEFAULTS_KEYS, getDefaults, PRODUCT_DEFAULTS, UNLIMITED } from '../../simulator/mesh/defaults.ts';
import { getProfile, lognormalFromP90P99, PROFILE_NAMES, PROFILES } from '../../simulator/sim/profiles.ts';
import { RetryPolicy } from '../../simulator/mesh/retry.ts';
import { createBalancer } from '../../simulator/mesh/balancer.ts';
import { createRng } from '../../simulator/engine/rng.ts';

describe('data-plane profiles', () => {
  it('every profile has a source, a known defaults key and sane costs', () => {
    expect(Object.keys(PROFILES).sort()).toEqual([...PROFILE_NAMES].sort());
    for (const name of PROFILE_NAMES) {
      const p = getProfile(name);
      expect(p.name).toBe(name);
      expect(p.source.length).toBeGreaterThan(20);
      expect(DEFAULTS_KEYS).toContain(p.defaults);
      for (const cost of [p.proxy, p.waypoint]) {
        if (cost === undefined) continue;
        expect(cost.latency.dist).toBe('lognormal');
        expect(cost.latency.median).toBeGreaterThan(0);
        expect(cost.latency.p99).toBeGreaterThan(cost.latency.median);
        expect(cost.cpuMsPerRequest).toBeGreaterThan(0);
        expect(cost.memoryMb).toBeGreaterThan(0);
        expect(cost.workerCores).toBeGreaterThanOrEqual(1);
      }
      if (p.mode === 'none') expect(p.proxy).toBeUndefined();
      else expect(p.proxy).toBeDefined();
    }
    expect(() => getProfile('nginx')).toThrow(/known: none, istio-sidecar/);
  });

  it('carries the published anchors', () => {
    const istio = getProfile('istio-sidecar').proxy!;
    expect([istio.cpuMsPerRequest, istio.memoryMb, istio.workerCores]).toEqual([0.2, 60, 2]);
    expect(istio.latency).toEqual({ dist: 'lognormal', median: 0.082, p99: 0.149 });
    const amb = getProfile('istio-ambient');
    expect([amb.proxy!.cpuMsPerRequest, amb.proxy!.memoryMb, amb.supportsL7]).toEqual([0.06, 12, false]);
    const wp = getProfile('istio-ambient-waypoint').waypoint!;
    expect([wp.cpuMsPerRequest, wp.memoryMb]).toEqual([0.25, 60]);
    expect(getProfile('linkerd').proxy!.memoryMb).toBe(26.3);
    expect(getProfile('traefik-mesh').supportsMtls).toBe(false);
  });

  it('fits the lognormal so that its 90th and 99th percentiles are the given ones', () => {
    const d = lognormalFromP90P99(0.114, 0.149);
    const sigma = Math.log(d.p99 / d.median) / 2.3263;
    expect(d.median * Math.exp(1.2816 * sigma)).toBeCloseTo(0.114, 3);
  });

  it('profiles whose figures are not all published say what they assume', () => {
    for (const name of ['linkerd', 'traefik-mesh', 'istio-ambient-waypoint', 'kuma'] as const) {
      expect(getProfile(name).assumptions.length).toBeGreaterThan(0);
    }
  });
});

describe('product defaults', () => {
  it('Istio ≥ 1.24: 2 retries on connect-failure,refused-stream,unavailable,cancelled, no 503; no timeout; unlimited; LR; panic 0', () => {
    const d = getDefaults('istio');
    expect(d.retries).toMatchObject({
      attempts: 2,
      retryOn: ['connect-failure', 'refused-stream', 'unavailable', 'cancelled', 'retriable-status-codes'],
      retriableStatusCodes: [],
      backoff: { base: 25, max: 250 },
    });
    expect(d.timeout).toBeUndefined();
    expect(d.connectionPool).toEqual({
      maxConnections: UNLIMITED,
      maxPendingRequests: UNLIMITED,
      maxRequests: UNLIMITED,
      maxRetries: UNLIMITED,
    });
    expect(UNLIMITED).toBe(2 ** 32 - 1);
    expect(d.minHealthPercent).toBe(0);
    expect(d.loadBalancer).toEqual({ algorithm: 'least-request' });
    expect(new RetryPolicy(d.retries!).shouldRetry({ kind: 'response', status: 503 }, 0)).toBe(false);
  });

  it('Istio ≤ 1.23 also retries 503', () => {
    const r = new RetryPolicy(getDefaults('istio-1.23').retries!);
    expect(r.shouldRetry({ kind: 'response', status: 503 }, 0)).toBe(true);
  });

  it('Kuma/Consul/App Mesh: Envoy 15 s and 1024/1024/1024/3, panic 50 %', () => {
    for (const k of ['kuma', 'consul', 'appmesh', 'envoy'] as const) {
      const d = getDefaults(k);
      expect(d.timeout).toBe(15_000);
      expect(d.connectionPool).toEqual({
        maxConnections: 1024,
        maxPendingRequests: 1024,
        maxRequests: 1024,
        maxRetries: 3,
      });
      expect(d.minHealthPercent).toBe(50);
    }
    expect(getDefaults('kuma').retries).toMatchObject({ attempts: 5, perTryTimeout: 16_000 });
    expect(getDefaults('consul').outlierDetection).toMatchObject({
      consecutive5xxErrors: 5,
      interval: 10_000,
    });
  });

  it('Linkerd: no retries, no timeout, least-request (≈ EWMA), retries re-balance the split', () => {
    const d = getDefaults('linkerd');
    expect([d.retries, d.timeout, d.loadBalancer.algorithm, d.retryRebalancesSplit]).toEqual([
      undefined,
      undefined,
      'least-request',
      true,
    ]);
  });

  it('every default builds working policy objects', () => {
    for (const k of DEFAULTS_KEYS) {
      const d = PRODUCT_DEFAULTS[k];
      expect(d.key).toBe(k);
      expect(d.source.length).toBeGreaterThan(20);
      if (d.retries) expect(new RetryPolicy(d.retries).maxTries).toBe(d.retries.attempts + 1);
      expect(createBalancer(d.loadBalancer, createRng(1)).algorithm).toBe(d.loadBalancer.algorithm);
    }
    expect(() => getDefaults('istio-2.0')).toThrow(/unknown defaults profile/);
  });
});
