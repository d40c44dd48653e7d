/**
 * A parsed MeshPolicy destination written back as the YAML a user would write (durations with a
 * unit, status codes inside `retryOn`, a load balancer by name), so that a sweep can change one
 * field of the document and load it again through the loader: the variant is validated and gets
 * exactly the defaults `meshdojo run` gives. What the document did not write stays absent.
 */
import { stringify } from 'yaml';
import { SpecError } from '../model/errors.ts';
import { parseDocuments } from '../model/load.ts';
import type { DestinationPolicySpec } from '../model/types.ts';

/** Fields whose parsed value is a duration in milliseconds. */
const DURATION_KEYS = new Set([
  'timeout',
  'perTryTimeout',
  'base',
  'max',
  'ttl',
  'interval',
  'baseEjectionTime',
  'maxEjectionTime',
  'openFor',
  'window',
  'fixed',
]);

function toRaw(v: unknown, key?: string): unknown {
  if (Array.isArray(v)) return v.map((x) => toRaw(x));
  if (v !== null && typeof v === 'object') {
    const o: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) if (x !== undefined) o[k] = toRaw(x, k);
    return o;
  }
  if (typeof v === 'number' && key !== undefined && DURATION_KEYS.has(key)) return `${v}ms`;
  return v;
}

export type RawDestination = Record<string, unknown> & { service: string };

/** `d` as a user writes it. */
export function rawDestination(d: DestinationPolicySpec): RawDestination {
  const r = toRaw(d) as RawDestination;
  if (d.retries && d.retries.retryOn) {
    const codes = d.retries.retriableStatusCodes ?? [];
    const retries = r.retries as Record<string, unknown>;
    retries.retryOn = [
      ...d.retries.retryOn.filter((t) => !(t === 'retriable-status-codes' && codes.length > 0)),
      ...codes,
    ];
    delete retries.retriableStatusCodes;
  }
  if (d.retryBudget) delete (r.retryBudget as Record<string, unknown>).kind;
  if (d.loadBalancer)
    r.loadBalancer =
      d.loadBalancer.algorithm === 'ring-hash'
        ? { ringHash: { header: d.loadBalancer.header } }
        : d.loadBalancer.algorithm;
  return r;
}

/**
 * Loads a raw destination through the MeshPolicy loader. Throws `Error` with the loader's message
 * (field path inside the destination and what was expected).
 */
export function loadDestination(raw: RawDestination): DestinationPolicySpec {
  const text = stringify({
    apiVersion: 'meshdojo/v1',
    kind: 'MeshPolicy',
    metadata: { name: 'variant' },
    spec: { destinations: [raw] },
  });
  try {
    const [doc] = parseDocuments(text, 'variant');
    if (doc?.kind !== 'MeshPolicy') throw new Error('not a MeshPolicy');
    return doc.value.destinations[0]!;
  } catch (e) {
    if (e instanceof SpecError)
      throw new Error(
        e.issues
          .map((i) => `${i.path.replace(/^spec\.destinations\[0\]\.?/, '') || 'destination'}: ${i.message}`)
          .join('; '),
        { cause: e },
      );
    throw e;
  }
}
