/**
 * The one resolver of destination settings: documents keep "not written" as absent, merge field
 * by field, and the product's defaults fill the rest (docs/policies.md, "Resolution order").
 */
import { describe, expect, it } from 'vitest';
import { parseDocuments } from '../../simulator/model/index.ts';
import type { MeshPolicySpec } from '../../simulator/model/types.ts';
import { resolvePolicies } from '../../simulator/mesh/resolve.ts';

const policy = (spec: string, name = 'p'): MeshPolicySpec => {
  const [d] = parseDocuments(
    `apiVersion: meshdojo/v1\nkind: MeshPolicy\nmetadata: { name: ${name} }\nspec:\n${spec}`,
    `${name}.yaml`,
  );
  if (d?.kind !== 'MeshPolicy') throw new Error('not a policy');
  return d.value;
};

describe('mTLS default of the product', () => {
  it('Consul is strict unless a document writes a mode; Istio permissive; Kuma disable', () => {
    expect(resolvePolicies([policy('  defaults: consul\n')], 'istio').mtls).toBe('strict');
    expect(resolvePolicies([policy('  dataPlane: consul\n')], 'consul').mtls).toBe('strict');
    expect(resolvePolicies([policy('  defaults: kuma\n')], 'istio').mtls).toBe('disable');
    expect(resolvePolicies([policy('  destinations: []\n')], 'istio').mtls).toBe('permissive');
    expect(
      resolvePolicies([policy('  defaults: consul\n  security: { mtls: permissive }\n')], 'istio').mtls,
    ).toBe('permissive');
  });

  it('the last document that writes a mode wins; one that writes none changes nothing', () => {
    const strict = policy('  security: { mtls: strict }\n', 'a');
    const rulesOnly = policy(
      '  security: { authorization: [ { to: ratings, allow: [ { from: reviews } ] } ] }\n',
      'b',
    );
    const r = resolvePolicies([strict, rulesOnly], 'istio');
    expect(r.mtls).toBe('strict');
    expect(r.authorization).toHaveLength(1);
    const disable = policy('  security: { mtls: disable }\n', 'c');
    expect(resolvePolicies([strict, disable, rulesOnly], 'istio').mtls).toBe('disable');
  });
});

describe('a retries block without retryOn takes the product’s reading', () => {
  const bare = (defaults: string) =>
    resolvePolicies(
      [policy(`  defaults: ${defaults}\n  destinations: [ { service: s, retries: { attempts: 3 } } ]\n`)],
      'istio',
    ).destination('s').retries;

  it.each([
    ['istio', ['connect-failure', 'refused-stream', 'unavailable', 'cancelled'], []],
    [
      'istio-1.23',
      ['connect-failure', 'refused-stream', 'unavailable', 'cancelled', 'retriable-status-codes'],
      [503],
    ],
    ['kuma', ['gateway-error', 'connect-failure', 'refused-stream'], []],
    ['appmesh', ['connect-failure', 'refused-stream', 'unavailable', 'retriable-status-codes'], [503]],
    ['consul', [], []],
    ['envoy', [], []],
    ['linkerd', [], []],
  ])('%s', (key, retryOn, codes) => {
    const r = bare(key)!;
    expect(r.attempts).toBe(3);
    expect(r.retryOn).toEqual(retryOn);
    expect(r.retriableStatusCodes).toEqual(codes);
  });

  it('a written retryOn is kept whatever the product', () => {
    const r = resolvePolicies(
      [policy('  defaults: kuma\n  destinations: [ { service: s, retries: { retryOn: [5xx] } } ]\n')],
      'istio',
    ).destination('s').retries!;
    expect(r.retryOn).toEqual(['5xx']);
    expect(r.attempts).toBe(1); // Kuma: numRetries unset ⇒ Envoy's num_retries 1
  });
});

describe('several documents merge field by field', () => {
  const first = policy(
    '  destinations:\n    - service: reviews\n      routes: [ { split: { v1: 90, v2: 10 } } ]\n      deadlinePropagation: true\n      retries: { attempts: 4, retryOn: [5xx] }\n',
    'first',
  );
  const second = policy('  destinations:\n    - service: reviews\n      timeout: 2s\n', 'second');

  it('a second document with only a timeout keeps the first one’s routes and deadlinePropagation', () => {
    const d = resolvePolicies([first, second], 'istio').destination('reviews');
    expect(d.timeout).toBe(2000);
    expect(d.routes).toEqual([{ split: { v1: 90, v2: 10 } }]);
    expect(d.deadlinePropagation).toBe(true);
    expect(d.retries).toMatchObject({ attempts: 4, retryOn: ['5xx'] });
  });

  it('a field the later document writes wins', () => {
    const third = policy(
      '  destinations:\n    - service: reviews\n      deadlinePropagation: false\n',
      'third',
    );
    expect(resolvePolicies([first, second, third], 'istio').destination('reviews').deadlinePropagation).toBe(
      false,
    );
  });
});

describe('attempts: 0', () => {
  it('keeps the per-try timeout for the one try (Envoy applies it), with no retries', () => {
    const d = resolvePolicies(
      [policy('  destinations: [ { service: s, retries: { attempts: 0, perTryTimeout: 50ms } } ]\n')],
      'istio',
    ).destination('s');
    expect(d.retries).toMatchObject({ attempts: 0, perTryTimeout: 50 });
  });

  it('without a per-try timeout means no retry policy at all', () => {
    const d = resolvePolicies(
      [policy('  destinations: [ { service: s, retries: { attempts: 0 } } ]\n')],
      'istio',
    ).destination('s');
    expect(d.retries).toBeUndefined();
  });
});

describe('resolution order', () => {
  it('destination → defaults product → profile’s product', () => {
    const none = resolvePolicies([policy('  destinations: [ { service: s } ]\n')], 'kuma').destination('s');
    expect(none.timeout).toBe(15_000); // the profile's product (Kuma)
    const byDefaults = resolvePolicies(
      [policy('  defaults: istio\n  destinations: [ { service: s } ]\n')],
      'kuma',
    ).destination('s');
    expect(byDefaults.timeout).toBeUndefined(); // `defaults: istio` wins over the profile
    const own = resolvePolicies(
      [policy('  defaults: kuma\n  destinations: [ { service: s, timeout: 1s } ]\n')],
      'kuma',
    ).destination('s');
    expect(own.timeout).toBe(1000);
    expect(own.connectionPool.maxRetries).toBe(3);
  });
});
