import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration, tryParseDuration } from '../../simulator/model/duration.ts';

describe('durations', () => {
  it.each([
    ['250us', 0.25],
    ['50us', 0.05],
    ['500ns', 0.0005],
    ['10ms', 10],
    ['1.5s', 1500],
    ['.5s', 500],
    ['2m', 120_000],
    ['4h', 14_400_000],
    ['1m30s', 90_000],
    ['0', 0],
    ['0s', 0],
    [0, 0],
  ])('%s → %s ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it('refuses a bare number, saying why', () => {
    expect(() => parseDuration(10)).toThrowError(
      'expected a duration with a unit (a bare number is ambiguous: write `10ms` or `10s`), got 10',
    );
    expect(() => parseDuration('2.5')).toThrowError('a bare number is ambiguous: write `2.5ms` or `2.5s`');
  });

  it.each(['', '10 sec', '10sec', 'fast', '-5s', '1.2.3s', '10ms5', 's', '1e3ms'])('refuses %j', (text) => {
    expect(tryParseDuration(text).ok).toBe(false);
  });

  it('names an unknown unit', () => {
    expect(tryParseDuration('3 days')).toEqual({
      ok: false,
      message:
        'expected a duration such as `250us`, `10ms`, `1.5s`, `2m` or `4h` (unknown unit `days`; use ns, us, ms, s, m or h), got "3 days"',
    });
  });

  it('formatDuration round-trips', () => {
    expect(formatDuration(1500)).toBe('1.5s');
    expect(formatDuration(0.25)).toBe('250us');
    expect(formatDuration(120_000)).toBe('2m');
    expect(formatDuration(14_400_000)).toBe('4h');
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10_000_000 }), (us) => {
        const ms = us / 1000;
        expect(parseDuration(formatDuration(ms))).toBeCloseTo(ms, 9);
      }),
      { numRuns: 2000 },
    );
  });
});
