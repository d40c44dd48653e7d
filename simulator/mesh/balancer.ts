/**
 * Load balancers: pick one upstream host among `candidates`.
 *
 * The caller passes the candidates already filtered (healthy, not ejected, in the chosen subset;
 * or every host when the cluster is in panic). The balancer never allocates on `pick()`, except
 * `ring-hash`, which rebuilds its ring when the candidate set changes.
 *
 * Semantics copied from Envoy (`source/common/upstream/load_balancer_impl.cc`,
 * `ring_hash_lb.cc`), equal host weights:
 * - `round-robin`: `candidates[i++ % n]`, starting at a random offset (Envoy seeds its RR index
 *   with a random number so that many client proxies do not all start on the same host).
 * - `random`: uniform.
 * - `least-request`: power of two choices — two independent uniform draws (they may hit the same
 *   host); the one with fewer `active` requests wins, a tie keeps the first draw (Envoy
 *   `unweightedHostPick`, `choice_count` 2).
 * - `ring-hash`: consistent-hash ring on one request header; the ring has at least 1024 entries
 *   (`minimum_ring_size`), `ceil(1024 / n)` per host. A request without the header is routed at
 *   random (Envoy: no hash key ⇒ the ring-hash LB picks a random host).
 *
 * Retry host selection (Envoy `previous_hosts` predicate, as Istio configures it): when `avoid`
 * (the host of the failed previous try) is given and another candidate exists, the balancer picks
 * again while it lands on `avoid`, at most `HOST_SELECTION_RETRY_MAX_ATTEMPTS` more times (Istio
 * sets `host_selection_retry_max_attempts: 5`; Envoy then makes 1 + 5 selections and keeps the last).
 * Istio does not install the predicate with consistent hashing, so `ring-hash` ignores `avoid`.
 */
import type { LoadBalancerSpec } from '../model/types.ts';
import type { Rng } from '../engine/types.ts';
import type { Host, RequestInfo } from './types.ts';

/** Istio's `host_selection_retry_max_attempts`: re-selections after the first pick. */
export const HOST_SELECTION_RETRY_MAX_ATTEMPTS = 5;

/** Envoy's default `minimum_ring_size`. */
export const MIN_RING_SIZE = 1024;

export type LoadBalancerAlgorithm = LoadBalancerSpec['algorithm'];

export interface LoadBalancer {
  readonly algorithm: LoadBalancerAlgorithm;
  /**
   * Pick a host. `undefined` only when `candidates` is empty (the caller answers 503 UH).
   * @param avoid the previous try's host (retries): another host is preferred when one exists.
   */
  pick(candidates: readonly Host[], req: RequestInfo, avoid?: Host): Host | undefined;
}

abstract class SelectingBalancer implements LoadBalancer {
  abstract readonly algorithm: LoadBalancerAlgorithm;
  protected abstract pickOnce(candidates: readonly Host[], req: RequestInfo): Host;

  pick(candidates: readonly Host[], req: RequestInfo, avoid?: Host): Host | undefined {
    const n = candidates.length;
    if (n === 0) return undefined;
    let host = this.pickOnce(candidates, req);
    if (avoid === undefined || n === 1) return host;
    for (let i = 0; i < HOST_SELECTION_RETRY_MAX_ATTEMPTS && host.index === avoid.index; i++) {
      host = this.pickOnce(candidates, req);
    }
    return host;
  }
}

export class RoundRobinBalancer extends SelectingBalancer {
  readonly algorithm = 'round-robin' as const;
  private next: number;

  constructor(rng: Rng) {
    super();
    this.next = Math.floor(rng.next() * 0x40000000);
  }

  protected pickOnce(candidates: readonly Host[]): Host {
    const host = candidates[this.next % candidates.length];
    this.next = this.next === Number.MAX_SAFE_INTEGER ? 0 : this.next + 1;
    return host;
  }
}

export class RandomBalancer extends SelectingBalancer {
  readonly algorithm = 'random' as const;
  constructor(private readonly rng: Rng) {
    super();
  }

  protected pickOnce(candidates: readonly Host[]): Host {
    return candidates[Math.floor(this.rng.next() * candidates.length)];
  }
}

export class LeastRequestBalancer extends SelectingBalancer {
  readonly algorithm = 'least-request' as const;
  constructor(private readonly rng: Rng) {
    super();
  }

  protected pickOnce(candidates: readonly Host[]): Host {
    const n = candidates.length;
    const first = candidates[Math.floor(this.rng.next() * n)];
    const second = candidates[Math.floor(this.rng.next() * n)];
    return second.active < first.active ? second : first;
  }
}

// ───────────────────────────── ring hash ─────────────────────────────

/**
 * 32-bit FNV-1a over the UTF-16 code units of `s`, followed by the murmur3 `fmix32` finaliser
 * (FNV alone spreads keys that differ in their last characters poorly along a ring).
 * Deterministic across engines: only `Math.imul` and 32-bit integer operations.
 */
export function hash32(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

export class RingHashBalancer implements LoadBalancer {
  readonly algorithm = 'ring-hash' as const;
  /** Lower-case header name whose value is hashed. */
  readonly header: string;
  private readonly minRingSize: number;
  private ringHashes = new Uint32Array(0);
  private ringHosts: Host[] = [];
  /** The candidate set (same hosts, same order) the ring was built for, to detect changes. */
  private builtFor: Host[] = [];

  constructor(
    header: string,
    private readonly rng: Rng,
    minRingSize: number = MIN_RING_SIZE,
  ) {
    this.header = header.toLowerCase();
    this.minRingSize = minRingSize;
  }

  /** `avoid` is ignored: Istio installs no previous-hosts predicate with consistent hashing. */
  pick(candidates: readonly Host[], req: RequestInfo, avoid?: Host): Host | undefined {
    void avoid;
    const n = candidates.length;
    if (n === 0) return undefined;
    const key = req.headers[this.header];
    if (typeof key !== 'string') return candidates[Math.floor(this.rng.next() * n)];
    if (n === 1) return candidates[0];
    this.ensureRing(candidates);
    return this.ringHosts[this.lookup(hash32(key))];
  }

  /** Ring size currently built (for tests and reports). */
  get ringSize(): number {
    return this.ringHashes.length;
  }

  private lookup(h: number): number {
    const ring = this.ringHashes;
    // First entry whose hash ≥ h, wrapping to the start (Envoy's ring lookup).
    let lo = 0;
    let hi = ring.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (ring[mid] < h) lo = mid + 1;
      else hi = mid;
    }
    return lo === ring.length ? 0 : lo;
  }

  private ensureRing(candidates: readonly Host[]): void {
    const built = this.builtFor;
    const n = candidates.length;
    if (n === built.length) {
      let i = 0;
      while (i < n && candidates[i] === built[i]) i++;
      if (i === n) return;
    }
    this.build(candidates);
  }

  private build(candidates: readonly Host[]): void {
    const n = candidates.length;
    const perHost = Math.ceil(this.minRingSize / n);
    const size = perHost * n;
    const entries: Array<{ hash: number; host: Host; replica: number }> = [];
    for (let i = 0; i < n; i++) {
      const host = candidates[i];
      for (let r = 0; r < perHost; r++)
        entries.push({ hash: hash32(`${host.key ?? host.index}_${r}`), host, replica: r });
    }
    // Ties (equal hashes) are ordered by host index, then replica: deterministic.
    entries.sort((a, b) => a.hash - b.hash || a.host.index - b.host.index || a.replica - b.replica);
    this.ringHashes = new Uint32Array(size);
    this.ringHosts = new Array<Host>(size);
    for (let i = 0; i < size; i++) {
      this.ringHashes[i] = entries[i].hash;
      this.ringHosts[i] = entries[i].host;
    }
    this.builtFor = candidates.slice();
  }
}

/** Build the balancer a `LoadBalancerSpec` asks for. `rng` should be a stream of its own. */
export function createBalancer(spec: LoadBalancerSpec, rng: Rng): LoadBalancer {
  switch (spec.algorithm) {
    case 'round-robin':
      return new RoundRobinBalancer(rng);
    case 'random':
      return new RandomBalancer(rng);
    case 'least-request':
      return new LeastRequestBalancer(rng);
    case 'ring-hash':
      return new RingHashBalancer(spec.header, rng);
  }
}
