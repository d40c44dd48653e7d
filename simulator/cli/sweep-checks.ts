/**
 * After a sweep: an axis along which every value gave a byte-identical result (same hash, with
 * everything else fixed) changes nothing in this scenario — a sweep that seems to say "this knob
 * does not matter" when the knob was never reached (e.g. retries whose `retryOn` does not match the
 * failure, or a timeout longer than any answer). Worth a warning, not an error: it may be the lesson.
 */
import type { RunResult } from '../telemetry/types.ts';
import type { Variant, VaryAxis } from './sweep.ts';

export function inertAxes(
  axes: readonly VaryAxis[],
  variants: readonly Variant[],
  results: readonly RunResult[],
): string[] {
  const out: string[] = [];
  axes.forEach((axis, ai) => {
    if (axis.values.length < 2) return;
    // Group the variants by their values on every other axis; each group runs along this axis.
    const groups = new Map<string, Set<string>>();
    variants.forEach((v, i) => {
      const rest = v.assignments
        .filter((_, k) => k !== ai)
        .map((a) => `${a.key}=${a.raw}`)
        .join(' ');
      const set = groups.get(rest) ?? new Set<string>();
      set.add(results[i].hash);
      groups.set(rest, set);
    });
    if ([...groups.values()].every((hashes) => hashes.size === 1))
      out.push(
        `--vary ${axis.key}: every value (${axis.values.map((v) => v.raw).join(', ')}) gave an identical result (same hash): ` +
          'this axis changes nothing in this scenario — is the feature reached at all (e.g. does `retryOn` match the failure, is the timeout shorter than the answers)?',
      );
  });
  return out;
}
