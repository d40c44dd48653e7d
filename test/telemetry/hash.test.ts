import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { canonicalJson, canonicalNumber, resultHash, sha256Hex } from '../../simulator/telemetry/hash.ts';
import { fabricateResult } from './fixture.ts';

describe('canonicalJson', () => {
  it('sorts keys at every depth, so key order does not matter', () => {
    const a = { b: 1, a: { d: [3, { y: 1, x: 2 }], c: 'z' } };
    const b = { a: { c: 'z', d: [3, { x: 2, y: 1 }] }, b: 1 };
    expect(canonicalJson(a)).toBe('{"a":{"c":"z","d":[3,{"x":2,"y":1}]},"b":1}');
    expect(canonicalJson(b)).toBe(canonicalJson(a));
  });

  it('writes numbers stably', () => {
    expect(canonicalNumber(-0)).toBe('0');
    expect(canonicalNumber(Number.NaN)).toBe('null');
    expect(canonicalNumber(Infinity)).toBe('null');
    expect(canonicalNumber(-Infinity)).toBe('null');
    expect(canonicalNumber(0.1 + 0.2)).toBe('0.3');
    expect(canonicalNumber(1 / 3)).toBe('0.333333');
    expect(canonicalNumber(2 / 3)).toBe('0.666667');
    expect(canonicalNumber(123456.789)).toBe('123457');
    expect(canonicalNumber(123456789)).toBe('123456789'); // safe integers stay exact
    expect(canonicalNumber(1e-7 + 1e-23)).toBe('1e-7');
    expect(canonicalNumber(5.0000001)).toBe('5');
    expect(canonicalNumber(-2.5e-12)).toBe('-2.5e-12');
    // last-bit differences (as between engines' Math.exp) vanish
    expect(canonicalNumber(0.7071067811865476)).toBe(canonicalNumber(0.7071067811865475));
  });

  it('treats undefined, null and special values like JSON', () => {
    expect(canonicalJson({ a: undefined, b: null, c: [undefined, Number.NaN, -0], d: () => 1 })).toBe(
      '{"b":null,"c":[null,null,0]}',
    );
    expect(canonicalJson('he said "hi"\n')).toBe('"he said \\"hi\\"\\n"');
    expect(canonicalJson([])).toBe('[]');
    expect(canonicalJson({})).toBe('{}');
    expect(JSON.parse(canonicalJson({ z: [1.5, 'x', true, false, null], a: {} }))).toEqual({
      a: {},
      z: [1.5, 'x', true, false, null],
    });
  });
});

describe('resultHash', () => {
  it('is sha256 hex of the canonical JSON without hash and wall', () => {
    const text = canonicalJson({ a: 1 });
    expect(sha256Hex(text)).toBe(createHash('sha256').update(text).digest('hex'));
    expect(resultHash({ a: 1, hash: 'x', wall: { elapsedMs: 5 } })).toBe(sha256Hex('{"a":1}'));
    const unicode = { s: 'ε → ✓ 🚀', n: [1, 2] };
    expect(resultHash(unicode)).toBe(
      createHash('sha256').update(canonicalJson(unicode), 'utf8').digest('hex'),
    );
  });

  it('streams large inputs to the same digest as the whole text', () => {
    const big = { xs: Array.from({ length: 50000 }, (_, i) => ({ i, v: i / 7, s: `item-${i}` })) };
    expect(resultHash(big)).toBe(createHash('sha256').update(canonicalJson(big)).digest('hex'));
  });

  it('is stable: same run → same hash; JSON round trip, key order and wall do not change it', () => {
    const r1 = fabricateResult();
    const r2 = fabricateResult();
    expect(r1.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(r2.hash).toBe(r1.hash);
    expect(resultHash(JSON.parse(JSON.stringify(r1)))).toBe(r1.hash);
    const shuffled = Object.fromEntries(Object.entries(r1).reverse());
    expect(resultHash({ ...shuffled, wall: { elapsedMs: 1, eventsPerSecond: 2, callsPerSecond: 3 } })).toBe(
      r1.hash,
    );
    const other = fabricateResult({ seed: 8 });
    expect(other.hash).not.toBe(r1.hash);
  });
});
