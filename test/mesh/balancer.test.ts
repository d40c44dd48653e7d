import { describe, expect, it } from 'vitest';
import { createRng } from '../../simulator/engine/rng.ts';
import type { Rng } from '../../simulator/engine/types.ts';
import {
  createBalancer,
  hash32,
  LeastRequestBalancer,
  MIN_RING_SIZE,
  RandomBalancer,
  RingHashBalancer,
  RoundRobinBalancer,
} from '../../simulator/mesh/balancer.ts';
import type { Host, RequestInfo } from '../../simulator/mesh/types.ts';

const hosts = (...active: number[]): Host[] => active.map((a, index) => ({ index, active: a }));
const req = (headers: Record<string, string> = {}): RequestInfo => ({
  method: 'GET',
  path: '/',
  headers,
  source: 'a',
});

/** Replays fixed numbers, then repeats the last one. */
function scripted(...values: number[]): Rng {
  let i = 0;
  const rng: Rng = { next: () => values[Math.min(i++, values.length - 1)], stream: () => rng };
  return rng;
}

function shares(pick: () => Host | undefined, n: number, draws: number): number[] {
  const c = new Array<number>(n).fill(0);
  for (let i = 0; i < draws; i++) c[pick()!.index]++;
  return c.map((x) => x / draws);
}

describe('least-request (power of two choices)', () => {
  it('prefers the less loaded host: 2 hosts ⇒ the idle one wins 3/4 of picks', () => {
    const lb = new LeastRequestBalancer(createRng(1));
    const hs = hosts(10, 0);
    const s = shares(() => lb.pick(hs, req()), 2, 100_000);
    expect(s[1]).toBeGreaterThan(0.74);
    expect(s[1]).toBeLessThan(0.76);
  });

  it('3 hosts, one idle: the idle host gets 1 − (2/3)² = 5/9 (random would give 1/3)', () => {
    const lb = new LeastRequestBalancer(createRng(2));
    const s = shares(() => lb.pick(hosts(4, 4, 0), req()), 3, 100_000);
    expect(Math.abs(s[2] - 5 / 9)).toBeLessThan(0.01);
  });

  it('a tie keeps the first pick; fewer active wins regardless of order', () => {
    expect(new LeastRequestBalancer(scripted(0.1, 0.9)).pick(hosts(1, 1), req())!.index).toBe(0);
    expect(new LeastRequestBalancer(scripted(0.9, 0.1)).pick(hosts(1, 1), req())!.index).toBe(1);
    expect(new LeastRequestBalancer(scripted(0.1, 0.9)).pick(hosts(5, 1), req())!.index).toBe(1);
    expect(new LeastRequestBalancer(scripted(0.9, 0.1)).pick(hosts(5, 1), req())!.index).toBe(1);
  });

  it('reacts to `active` changing between picks', () => {
    const lb = new LeastRequestBalancer(createRng(3));
    const hs = hosts(0, 0, 0, 0);
    for (let i = 0; i < 4000; i++) lb.pick(hs, req())!.active++;
    const spread = Math.max(...hs.map((h) => h.active)) - Math.min(...hs.map((h) => h.active));
    expect(spread).toBeLessThanOrEqual(2); // P2C keeps loads within a couple of requests
  });
});

describe('round-robin and random', () => {
  it('round-robin visits every host in turn', () => {
    const lb = new RoundRobinBalancer(createRng(4));
    const hs = hosts(0, 0, 0);
    const first = lb.pick(hs, req())!.index;
    const seq = [first, ...Array.from({ length: 5 }, () => lb.pick(hs, req())!.index)];
    expect(seq).toEqual([0, 1, 2, 0, 1, 2].map((k) => (k + first) % 3));
  });

  it('random spreads evenly', () => {
    const lb = new RandomBalancer(createRng(5));
    const s = shares(() => lb.pick(hosts(0, 0, 0, 0), req()), 4, 100_000);
    for (const x of s) expect(Math.abs(x - 0.25)).toBeLessThan(0.01);
  });

  it('empty candidates ⇒ undefined', () => {
    expect(new RandomBalancer(createRng(6)).pick([], req())).toBeUndefined();
    expect(new RingHashBalancer('x-user', createRng(6)).pick([], req({ 'x-user': 'a' }))).toBeUndefined();
  });
});

describe('retry host selection (previous_hosts)', () => {
  it('random avoids the previous host: 2 hosts ⇒ 1 − (1/2)^6 with 1 + 5 selections', () => {
    const lb = new RandomBalancer(createRng(7));
    const hs = hosts(0, 0);
    let other = 0;
    const n = 100_000;
    for (let i = 0; i < n; i++) if (lb.pick(hs, req(), hs[0])!.index === 1) other++;
    expect(Math.abs(other / n - (1 - 1 / 64))).toBeLessThan(0.003);
  });

  it('round-robin never returns the avoided host; least-request retries the selection up to 5 times', () => {
    const rr = new RoundRobinBalancer(createRng(8));
    const lr = new LeastRequestBalancer(createRng(8));
    const hs = hosts(0, 9, 9);
    for (let i = 0; i < 1000; i++) {
      expect(rr.pick(hs, req(), hs[1])!.index).not.toBe(1);
    }
    // P2C lands on the idle host 0 with probability 1 − (2/3)² = 5/9 per selection; avoiding it
    // fails only when all 1 + 5 selections land on it: (5/9)^6 ≈ 2.9 %.
    let avoided = 0;
    const n = 100_000;
    for (let i = 0; i < n; i++) if (lr.pick(hs, req(), hs[0])!.index === 0) avoided++;
    expect(Math.abs(avoided / n - (5 / 9) ** 6)).toBeLessThan(0.003);
  });

  it('the only host is returned even if it is the one to avoid', () => {
    const hs = hosts(0);
    expect(new RandomBalancer(createRng(9)).pick(hs, req(), hs[0])).toBe(hs[0]);
  });
});

describe('ring-hash', () => {
  it('builds a ring of at least 1024 entries', () => {
    const lb = new RingHashBalancer('x-user', createRng(10));
    lb.pick(hosts(0, 0, 0), req({ 'x-user': 'a' }));
    expect(lb.ringSize).toBeGreaterThanOrEqual(MIN_RING_SIZE);
    expect(lb.ringSize).toBe(Math.ceil(1024 / 3) * 3);
  });

  it('is sticky: the same key always lands on the same host, and ignores avoid', () => {
    const lb = new RingHashBalancer('X-User', createRng(11));
    const hs = hosts(0, 0, 0, 0, 0);
    for (const user of ['alice', 'bob', 'carol', 'dave']) {
      const h = lb.pick(hs, req({ 'x-user': user }))!;
      for (let i = 0; i < 100; i++) expect(lb.pick(hs, req({ 'x-user': user }), h)).toBe(h);
    }
  });

  it('spreads many keys about evenly', () => {
    const lb = new RingHashBalancer('x-user', createRng(12));
    const hs = hosts(0, 0, 0, 0);
    const c = [0, 0, 0, 0];
    const n = 40_000;
    for (let i = 0; i < n; i++) c[lb.pick(hs, req({ 'x-user': `user-${i}` }))!.index]++;
    for (const x of c) expect(Math.abs(x / n - 0.25)).toBeLessThan(0.05);
  });

  it('is consistent: with the host count fixed, a key never moves; removing a host moves few others', () => {
    const lb = new RingHashBalancer('x-user', createRng(13));
    const hs = hosts(0, 0, 0, 0, 0, 0, 0, 0);
    const keys = Array.from({ length: 4000 }, (_, i) => `u${i}`);
    const before = keys.map((k) => lb.pick(hs, req({ 'x-user': k }))!.index);
    // 8 → 7 hosts: ceil(1024/8) = 128 = ceil(1024/7) − 19 entries per host, so the ring changes only by
    // host 2's entries plus 19 more per remaining host (Envoy grows the ring to keep ≥ 1024 entries).
    const without2 = hs.filter((h) => h.index !== 2);
    const after = keys.map((k) => lb.pick(without2, req({ 'x-user': k }))!.index);
    let moved = 0;
    let others = 0;
    for (let i = 0; i < keys.length; i++) {
      if (before[i] === 2) expect(after[i]).not.toBe(2);
      else {
        others++;
        if (after[i] !== before[i]) moved++;
      }
    }
    expect(moved / others).toBeLessThan(0.15);
    // A different candidate array with the same hosts keeps the same ring.
    const again = keys.map((k) => lb.pick([...hs], req({ 'x-user': k }))!.index);
    expect(again).toEqual(before);
  });

  it('a request without the header is balanced at random', () => {
    const lb = new RingHashBalancer('x-user', createRng(14));
    const s = shares(() => lb.pick(hosts(0, 0), req()), 2, 20_000);
    expect(Math.abs(s[0] - 0.5)).toBeLessThan(0.02);
  });

  it('hash32 is stable across runs (golden values)', () => {
    expect(hash32('')).toBe(hash32(''));
    expect([hash32('alice'), hash32('bob')]).toEqual([hash32('alice'), hash32('bob')]);
    expect(hash32('alice')).not.toBe(hash32('alicf'));
    // FNV-1a('a') = 0xe40c292c, then fmix32:
    let h = 0xe40c292c;
    h ^= h >>> 16;
    h = Math.imul(h, 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
    expect(hash32('a')).toBe(h >>> 0);
  });
});

describe('createBalancer', () => {
  it('builds each algorithm', () => {
    const rng = createRng(15);
    expect(createBalancer({ algorithm: 'round-robin' }, rng).algorithm).toBe('round-robin');
    expect(createBalancer({ algorithm: 'random' }, rng).algorithm).toBe('random');
    expect(createBalancer({ algorithm: 'least-request' }, rng).algorithm).toBe('least-request');
    const rh = createBalancer({ algorithm: 'ring-hash', header: 'x-user' }, rng);
    expect(rh.algorithm).toBe('ring-hash');
  });
});
