import { describe, expect, it } from 'vitest';
import type { AuthzRuleSpec } from '../../simulator/model/types.ts';
import {
  ALLOWED,
  Authorizer,
  DEFAULT_DENIED,
  L7_WITHOUT_WAYPOINT,
  MTLS_REFUSED,
  peerIdentity,
  spiffeId,
} from '../../simulator/mesh/security.ts';
import type { RequestInfo } from '../../simulator/mesh/types.ts';

const req = (path = '/ratings/1', method = 'GET'): RequestInfo => ({
  method,
  path,
  headers: {},
  source: 'x',
});
const id = spiffeId;

describe('identity and mTLS', () => {
  it('SPIFFE ids per service account, cached', () => {
    expect(spiffeId('reviews')).toBe('spiffe://cluster.local/ns/default/sa/reviews');
    expect(spiffeId('reviews')).toBe(spiffeId('reviews'));
  });

  it('a caller presents its identity only between two proxies and not in disable mode', () => {
    expect(peerIdentity('permissive', 'reviews', true, true)).toBe(id('reviews'));
    expect(peerIdentity('strict', 'reviews', true, true)).toBe(id('reviews'));
    expect(peerIdentity('strict', 'client', false, true)).toBeUndefined();
    expect(peerIdentity('permissive', 'reviews', true, false)).toBeUndefined();
    expect(peerIdentity('disable', 'reviews', true, true)).toBeUndefined();
  });

  it('strict refuses a plaintext caller with cause mtls; permissive accepts it', () => {
    expect(new Authorizer([], 'strict').check(undefined, 'ratings', req())).toBe(MTLS_REFUSED);
    expect(MTLS_REFUSED).toMatchObject({ allowed: false, cause: 'mtls' });
    expect(new Authorizer([], 'strict').check(id('reviews'), 'ratings', req())).toBe(ALLOWED);
    expect(new Authorizer([], 'permissive').check(undefined, 'ratings', req())).toBe(ALLOWED);
    expect(new Authorizer([], 'disable').check(undefined, 'ratings', req())).toBe(ALLOWED);
  });
});

describe('authorization (Istio evaluation)', () => {
  const onlyReviews: AuthzRuleSpec[] = [{ to: 'ratings', allow: [{ from: 'reviews' }], deny: [] }];

  it('no policy ⇒ allow', () => {
    expect(new Authorizer([], 'permissive').check(id('a'), 'b', req())).toBe(ALLOWED);
  });

  it('an ALLOW policy makes the target default-deny; other targets are unaffected', () => {
    const a = new Authorizer(onlyReviews, 'permissive');
    expect(a.check(id('reviews'), 'ratings', req())).toEqual({
      allowed: true,
      rule: 'authorization[0].allow[0]',
    });
    expect(a.check(id('productpage'), 'ratings', req())).toBe(DEFAULT_DENIED);
    expect(DEFAULT_DENIED).toMatchObject({ allowed: false, cause: 'denied' });
    expect(a.check(undefined, 'ratings', req())).toBe(DEFAULT_DENIED); // plaintext has no identity
    expect(a.check(id('productpage'), 'details', req())).toBe(ALLOWED);
    expect(a.hasPolicies('ratings')).toBe(true);
    expect(a.hasPolicies('details')).toBe(false);
  });

  it('DENY is evaluated before ALLOW', () => {
    const rules: AuthzRuleSpec[] = [
      { to: 'ratings', allow: [{ from: 'reviews' }], deny: [] },
      { to: 'ratings', allow: [], deny: [{ from: 'reviews', paths: ['/admin/*'] }] },
    ];
    const a = new Authorizer(rules, 'strict');
    expect(a.check(id('reviews'), 'ratings', req('/admin/drop'))).toEqual({
      allowed: false,
      cause: 'denied',
      rule: 'authorization[1].deny[0]',
    });
    expect(a.check(id('reviews'), 'ratings', req('/ratings/1')).allowed).toBe(true);
  });

  it('a DENY entry with only paths matches every caller, plaintext included', () => {
    const a = new Authorizer([{ to: 'ratings', allow: [], deny: [{ paths: ['*/secret'] }] }], 'permissive');
    expect(a.check(undefined, 'ratings', req('/a/secret')).allowed).toBe(false);
    expect(a.check(id('x'), 'ratings', req('/a/public')).allowed).toBe(true);
  });

  it('paths: exact, prefix, suffix, any; methods exact; fields AND-ed, entries OR-ed', () => {
    const a = new Authorizer(
      [
        {
          to: 'ratings',
          allow: [
            { from: 'reviews', paths: ['/ratings/*'], methods: ['GET'] },
            { from: 'admin', paths: ['*'] },
            { paths: ['/health'] },
          ],
          deny: [],
        },
      ],
      'permissive',
    );
    expect(a.check(id('reviews'), 'ratings', req('/ratings/7', 'GET')).allowed).toBe(true);
    expect(a.check(id('reviews'), 'ratings', req('/ratings/7', 'POST')).allowed).toBe(false);
    expect(a.check(id('reviews'), 'ratings', req('/other', 'GET')).allowed).toBe(false);
    expect(a.check(id('admin'), 'ratings', req('/anything', 'DELETE')).allowed).toBe(true);
    expect(a.check(undefined, 'ratings', req('/health')).allowed).toBe(true);
    expect(a.check(undefined, 'ratings', req('/healthz')).allowed).toBe(false);
  });

  it('sources by service name, SPIFFE id, Istio principal, or wildcards', () => {
    const mk = (from: string) =>
      new Authorizer([{ to: 'ratings', allow: [{ from }], deny: [] }], 'permissive');
    expect(
      mk('spiffe://cluster.local/ns/default/sa/reviews').check(id('reviews'), 'ratings', req()).allowed,
    ).toBe(true);
    expect(mk('cluster.local/ns/default/sa/reviews').check(id('reviews'), 'ratings', req()).allowed).toBe(
      true,
    );
    expect(mk('cluster.local/ns/default/sa/reviews').check(id('details'), 'ratings', req()).allowed).toBe(
      false,
    );
    expect(mk('review*').check(id('reviews'), 'ratings', req()).allowed).toBe(true);
    expect(mk('review*').check(id('ratings'), 'ratings', req()).allowed).toBe(false);
    expect(mk('*/sa/reviews').check(id('reviews'), 'ratings', req()).allowed).toBe(true);
    expect(mk('*').check(id('anyone'), 'ratings', req()).allowed).toBe(true);
    expect(mk('*').check(undefined, 'ratings', req()).allowed).toBe(false); // any *authenticated* caller
  });

  it("disable mode ignores identities, so 'from' rules never match", () => {
    const a = new Authorizer(onlyReviews, 'disable');
    expect(a.check(id('reviews'), 'ratings', req())).toBe(DEFAULT_DENIED);
  });

  it("to: '*' applies to every service", () => {
    const a = new Authorizer([{ to: '*', allow: [], deny: [{ from: 'client' }] }], 'permissive');
    expect(a.check(id('client'), 'ratings', req()).allowed).toBe(false);
    expect(a.check(id('client'), 'whatever', req()).allowed).toBe(false);
    expect(a.check(id('reviews'), 'whatever', req()).allowed).toBe(true);
  });

  it('an L4-only proxy (ztunnel, no waypoint) drops all traffic to a target with L7 rules', () => {
    const a = new Authorizer(
      [
        { to: 'ratings', allow: [{ from: 'reviews', methods: ['GET'] }], deny: [] },
        { to: 'details', allow: [{ from: 'productpage' }], deny: [] },
      ],
      'strict',
    );
    expect(a.check(id('reviews'), 'ratings', req(), false)).toBe(L7_WITHOUT_WAYPOINT);
    expect(a.check(id('reviews'), 'ratings', req(), true).allowed).toBe(true);
    expect(a.check(id('productpage'), 'details', req(), false).allowed).toBe(true);
  });

  it('returns shared result objects', () => {
    const a = new Authorizer(onlyReviews, 'permissive');
    expect(a.check(id('reviews'), 'ratings', req())).toBe(a.check(id('reviews'), 'ratings', req()));
    expect(Object.isFrozen(a.check(id('reviews'), 'ratings', req()))).toBe(true);
  });
});
