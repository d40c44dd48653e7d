/** Dynamic endpoints with stable keys, permits released once, generation-tagged breaker permits. */
import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../simulator/engine/clock.ts';
import { createRng } from '../../simulator/engine/rng.ts';
import { RingHashBalancer } from '../../simulator/mesh/balancer.ts';
import { CircuitBreaker } from '../../simulator/mesh/breaker.ts';
import { Cluster } from '../../simulator/mesh/cluster.ts';
import { Endpoints } from '../../simulator/mesh/endpoints.ts';
import { CMD_MASK, CMD_SEND, Exchange } from '../../simulator/mesh/exchange.ts';
import { CLASS_GATEWAY } from '../../simulator/mesh/outcome.ts';
import { OutlierDetector } from '../../simulator/mesh/outlier.ts';

const req = (user: string) => ({ method: 'GET', path: '/', headers: { 'x-user': user }, source: 't' });

describe('an endpoint set that gains and loses members', () => {
  it('ring hash hashes keys, not slots: after a pod leaves, the ring is the one a fresh set of the same pods builds', () => {
    const eps = new Endpoints();
    for (let i = 0; i < 5; i++) eps.add(`pod-${i}`);
    const c = new Cluster(eps, { balancer: new RingHashBalancer('x-user', createRng(1)) }, createRng(2));
    const users = Array.from({ length: 400 }, (_, i) => `u${i}`);
    const pickAll = (cl: Cluster, set: Endpoints): (string | undefined)[] =>
      users.map((u) => set.key(cl.pick(-1, req(u), -1)));
    const before = pickAll(c, eps);
    eps.remove('pod-2');
    const during = pickAll(c, eps);
    expect(during).not.toContain('pod-2');
    // Same pods in other slots: same answers (the ring depends on keys only).
    const fresh = new Endpoints();
    for (const k of ['pod-4', 'pod-0', 'pod-3', 'pod-1']) fresh.add(k);
    const c2 = new Cluster(fresh, { balancer: new RingHashBalancer('x-user', createRng(1)) }, createRng(2));
    expect(pickAll(c2, fresh)).toEqual(during);
    // Most users of the pods that stayed keep their pod (the ring's per-pod replicas grow from
    // 205 to 256 as Envoy's minimum ring size of 1024 is shared by fewer pods, so a few move).
    let stayed = 0;
    let others = 0;
    users.forEach((_, i) => {
      if (before[i] === 'pod-2') return;
      others++;
      if (during[i] === before[i]) stayed++;
    });
    expect(stayed / others).toBeGreaterThan(0.8);
  });

  it('the outlier detector keeps the counters and ejections of the hosts that stay', () => {
    const clock = new VirtualClock();
    const eps = new Endpoints();
    for (let i = 0; i < 4; i++) eps.add(`pod-${i}`);
    const od = new OutlierDetector(
      {
        consecutiveGatewayErrors: 3,
        interval: 10_000,
        baseEjectionTime: 30_000,
        maxEjectionTime: 300_000,
        maxEjectionPercent: 100,
      },
      4,
      clock,
    );
    od.follow(eps);
    for (let k = 0; k < 3; k++) od.onTryClass(0, CLASS_GATEWAY); // pod-0 ejected
    for (let k = 0; k < 2; k++) od.onTryClass(1, CLASS_GATEWAY); // pod-1 two errors in
    expect(od.isEjected(0)).toBe(true);
    eps.remove('pod-3');
    eps.add('pod-4');
    eps.add('pod-5');
    od.follow(eps);
    expect(od.hostCount).toBe(5);
    expect(od.isEjected(0)).toBe(true); // kept
    od.onTryClass(1, CLASS_GATEWAY); // third consecutive error of pod-1: its count was kept
    expect(od.isEjected(1)).toBe(true);
    expect(od.isEjected(5)).toBe(false);
    // A host that left while ejected no longer counts as ejected.
    eps.remove('pod-0');
    od.follow(eps);
    expect(od.ejectedCount).toBe(1);
    expect(od.hostCount).toBe(4);
  });
});

describe('permits are released exactly once', () => {
  it('host load: a second release is a no-op', () => {
    const eps = new Endpoints();
    eps.add('pod-0');
    const c = new Cluster(eps, {}, createRng(3));
    const ex = new Exchange(c, req('a'));
    expect(ex.start(0) & CMD_MASK).toBe(CMD_SEND);
    expect(c.hostActive(0)).toBe(1);
    ex.releaseHost();
    expect(c.hostActive(0)).toBe(0);
    const other = new Exchange(c, req('b'));
    other.start(0);
    expect(c.hostActive(0)).toBe(1);
    ex.releaseHost(); // again: must not take the other request's load away
    ex.cancel(1);
    ex.cancel(2); // idempotent
    expect(c.hostActive(0)).toBe(1);
    expect(c.active).toBe(1);
    other.cancel(3);
    expect(c.hostActive(0)).toBe(0);
    expect(c.active).toBe(0);
  });

  it('breaker: a late result from before a trip is not taken for the half-open probe', () => {
    const clock = new VirtualClock();
    const b = new CircuitBreaker({ consecutiveFailures: 2, openFor: 100, halfOpenRequests: 1 }, clock);
    const slow = b.acquire(); // admitted while closed, answers late
    b.failure(b.acquire(), 'x');
    b.failure(b.acquire(), 'x');
    expect(b.state).toBe('open');
    clock.runUntil(100);
    expect(b.state).toBe('half-open');
    const probe = b.acquire();
    expect(probe).not.toBe(0);
    expect(b.acquire()).toBe(0); // one probe at a time
    b.success(slow); // stale generation: ignored
    expect(b.state).toBe('half-open');
    expect(b.probes).toBe(1);
    b.cancel(probe);
    expect(b.probes).toBe(0);
    b.success(b.acquire());
    expect(b.state).toBe('closed');
    b.stop();
  });

  it('breaker: a probe with no result within the probe timeout re-opens it', () => {
    const clock = new VirtualClock();
    const b = new CircuitBreaker({ consecutiveFailures: 1, openFor: 100, halfOpenRequests: 1 }, clock, {
      probeTimeoutMs: 500,
    });
    b.failure(b.acquire(), 'x');
    clock.runUntil(100);
    const probe = b.acquire();
    expect(probe).not.toBe(0);
    clock.runUntil(599);
    expect(b.state).toBe('half-open');
    clock.runUntil(600);
    expect(b.state).toBe('open');
    b.success(probe); // too late: a result of an older generation
    expect(b.state).toBe('open');
    b.stop();
  });
});
