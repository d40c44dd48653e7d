import { describe, expect, it } from 'vitest';
import { createRng } from '../../simulator/engine/rng.ts';
import type { Rng } from '../../simulator/engine/types.ts';
import type { RouteSpec } from '../../simulator/model/types.ts';
import { compileFullMatchRegex, RouteMatcher, StringMatcher } from '../../simulator/mesh/match.ts';
import { ALL_SUBSETS, Router } from '../../simulator/mesh/router.ts';
import type { RequestInfo } from '../../simulator/mesh/types.ts';

const req = (headers: Record<string, string> = {}, path = '/reviews/1', method = 'GET'): RequestInfo => ({
  method,
  path,
  headers,
  source: 'productpage',
});

/** An Rng that must not be drawn from. */
const noDraw: Rng = {
  next: () => {
    throw new Error('unexpected draw');
  },
  stream: () => noDraw,
};

describe('StringMatcher / RouteMatcher', () => {
  it('regex is an anchored full match (Envoy safe_regex)', () => {
    const m = new StringMatcher({ regex: 'v1' });
    expect(m.matches('v1')).toBe(true);
    expect(m.matches('v10')).toBe(false);
    expect(m.matches('xv1')).toBe(false);
    expect(new StringMatcher({ regex: '/api/.*' }).matches('/api/x/y')).toBe(true);
    expect(new StringMatcher({ regex: 'a|b' }).matches('ab')).toBe(false);
  });

  it('refuses non-RE2 constructs and broken regexes with a clear message', () => {
    expect(() => compileFullMatchRegex('(a)\\1')).toThrow(/RE2/);
    expect(() => compileFullMatchRegex('a(?=b)')).toThrow(/RE2/);
    expect(() => compileFullMatchRegex('a(')).toThrow(/regex "a\("/);
  });

  it('exact, prefix, presence; absent header never matches', () => {
    expect(new StringMatcher({ exact: 'jason' }).matches('jason')).toBe(true);
    expect(new StringMatcher({ exact: 'jason' }).matches('jasonx')).toBe(false);
    expect(new StringMatcher({ prefix: '/api' }).matches('/api/v1')).toBe(true);
    expect(new StringMatcher({}).matches('')).toBe(true);
    expect(new StringMatcher({}).matches(undefined)).toBe(false);
  });

  it('route match ANDs headers, path and method; header names are case-insensitive', () => {
    const m = new RouteMatcher({
      headers: { 'End-User': { exact: 'jason' }, 'x-canary': {} },
      path: { prefix: '/reviews' },
      method: { exact: 'GET' },
    });
    expect(m.matches(req({ 'end-user': 'jason', 'x-canary': '1' }))).toBe(true);
    expect(m.matches(req({ 'end-user': 'jason' }))).toBe(false);
    expect(m.matches(req({ 'end-user': 'jason', 'x-canary': '1' }, '/ratings'))).toBe(false);
    expect(m.matches(req({ 'end-user': 'jason', 'x-canary': '1' }, '/reviews', 'POST'))).toBe(false);
    expect(new RouteMatcher(undefined).matchesAll).toBe(true);
    // Names that live on Object.prototype are not headers.
    expect(new RouteMatcher({ headers: { constructor: {} } }).matches(req())).toBe(false);
  });
});

describe('Router', () => {
  const subsets = ['v1', 'v2', 'v3'];
  const bookinfo: RouteSpec[] = [
    { match: { headers: { 'end-user': { exact: 'jason' } } }, split: { v2: 100 } },
    { split: { v1: 50, v3: 50 } },
  ];

  it('first matching route wins: the header route beats the split', () => {
    const router = new Router(bookinfo, subsets);
    const rng = createRng(1);
    for (let i = 0; i < 1000; i++) {
      const d = router.route(req({ 'end-user': 'jason' }), rng);
      expect(d).toMatchObject({ routeIndex: 0, subset: 'v2' });
    }
    const seen = new Set<string>();
    for (let i = 0; i < 1000; i++) seen.add(router.route(req(), rng)!.subset);
    expect([...seen].sort()).toEqual(['v1', 'v3']);
  });

  it('order, not specificity: a header route listed after a catch-all never matches', () => {
    const router = new Router([bookinfo[1], bookinfo[0]], subsets);
    const rng = createRng(2);
    for (let i = 0; i < 200; i++) {
      const d = router.route(req({ 'end-user': 'jason' }), rng)!;
      expect(d.routeIndex).toBe(0);
      expect(d.subset).not.toBe('v2');
    }
  });

  it('1 % / 99 % split over 10^6 draws is within 0.1 pp', () => {
    const router = new Router([{ split: { v1: 1, v2: 99 } }], subsets);
    const rng = createRng(42);
    let v1 = 0;
    const n = 1_000_000;
    const r = req();
    for (let i = 0; i < n; i++) if (router.route(r, rng)!.subset === 'v1') v1++;
    expect(Math.abs((v1 / n) * 100 - 1)).toBeLessThan(0.1);
  });

  it('fractional weights keep 0.01 % resolution (0.05 % / 99.95 %)', () => {
    const router = new Router([{ split: { v1: 0.05, v2: 99.95 } }], subsets);
    const rng = createRng(7);
    let v1 = 0;
    const n = 1_000_000;
    const r = req();
    for (let i = 0; i < n; i++) if (router.route(r, rng)!.subset === 'v1') v1++;
    expect(Math.abs((v1 / n) * 100 - 0.05)).toBeLessThan(0.015);
  });

  it('weights are relative (1:3 = 25 %) and 0 is never drawn', () => {
    const router = new Router([{ split: { v1: 1, v2: 3, v3: 0 } }], subsets);
    const rng = createRng(3);
    const counts: Record<string, number> = { v1: 0, v2: 0, v3: 0 };
    for (let i = 0; i < 100_000; i++) counts[router.route(req(), rng)!.subset]++;
    expect(counts.v3).toBe(0);
    expect(Math.abs(counts.v1 / 100_000 - 0.25)).toBeLessThan(0.01);
  });

  it("no routes ⇒ all instances ('*'); routes but no match ⇒ null (404 NR)", () => {
    expect(new Router([], subsets).route(req(), noDraw)).toEqual({ routeIndex: -1, subset: ALL_SUBSETS });
    expect(new Router([], subsets, { timeout: 3000 }).route(req(), noDraw)!.timeout).toBe(3000);
    const headerOnly = new Router([bookinfo[0]], subsets);
    expect(headerOnly.route(req(), noDraw)).toBeNull();
  });

  it('a single destination needs no draw, and timeouts come from the route or the fallback', () => {
    const router = new Router(
      [
        { match: { headers: { 'end-user': { exact: 'jason' } } }, split: { v2: 1 }, timeout: 500 },
        { split: { v1: 100 } },
      ],
      subsets,
      { timeout: 10_000 },
    );
    expect(router.route(req({ 'end-user': 'jason' }), noDraw)).toEqual({
      routeIndex: 0,
      subset: 'v2',
      timeout: 500,
    });
    expect(router.route(req(), noDraw)).toEqual({ routeIndex: 1, subset: 'v1', timeout: 10_000 });
  });

  it('returns shared decision objects (no allocation per call)', () => {
    const router = new Router(bookinfo, subsets);
    const rng = createRng(4);
    const a = router.route(req({ 'end-user': 'jason' }), rng);
    const b = router.route(req({ 'end-user': 'jason' }), rng);
    expect(a).toBe(b);
    expect(Object.isFrozen(a)).toBe(true);
  });

  it('setWeight moves a canary step and can add a subset to a split', () => {
    const router = new Router([{ split: { v1: 100 } }], subsets);
    router.setWeight(0, 'v2', 100);
    router.setWeight(0, 'v1', 0);
    expect(router.route(req(), noDraw)!.subset).toBe('v2');
    expect(router.weights(0)).toEqual([
      { subset: 'v1', weight: 0 },
      { subset: 'v2', weight: 100 },
    ]);
    expect(() => router.setWeight(0, 'v2', 0)).toThrow(/add up to 0/);
  });

  it('rejects unknown subsets and bad weights', () => {
    expect(() => new Router([{ split: { v9: 1 } }], subsets)).toThrow(/unknown subset 'v9'/);
    expect(() => new Router([{ split: { v1: -1 } }], subsets)).toThrow(/≥ 0/);
    expect(() => new Router([{ split: { v1: 0 } }], subsets)).toThrow(/add up to 0/);
  });

  it('fromPolicy uses the destination timeout, else the product default', () => {
    expect(Router.fromPolicy(undefined, subsets, 15_000).route(req(), noDraw)!.timeout).toBe(15_000);
    const r = Router.fromPolicy(
      { service: 'reviews', routes: [], timeout: 2000, deadlinePropagation: false },
      subsets,
      15_000,
    );
    expect(r.route(req(), noDraw)!.timeout).toBe(2000);
  });
});
