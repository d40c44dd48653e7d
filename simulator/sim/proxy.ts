/**
 * A data-plane proxy (sidecar or per-node) as the simulator sees it: a small server with `workers`
 * cores, a per-request CPU cost and a latency distribution. Its queueing is computed in closed form
 * (Lindley's recursion on the earliest-free worker), so a proxy costs no events of its own and
 * still saturates like a real one when the request rate exceeds its capacity.
 */
import type { DistributionSampler } from '../engine/distributions.ts';
import type { Rng } from '../engine/types.ts';

export class Proxy {
  private readonly freeAt: Float64Array;
  /** Requests traversed, CPU time (ms of one core) and latency added in total. */
  traversals = 0;
  cpuMs = 0;
  addedMs = 0;
  up = true;
  /** A further proxy every request through this one also crosses (an ambient waypoint). */
  chain: Proxy | null = null;
  constructor(
    readonly id: number,
    readonly name: string,
    readonly kind: 'sidecar' | 'node' | 'waypoint',
    workers: number,
    private readonly latency: DistributionSampler,
    private readonly cpuPerRequestMs: number,
    readonly memoryMB: number,
    readonly identity: string | undefined,
  ) {
    this.freeAt = new Float64Array(Math.max(1, workers));
  }

  /** Delay a request suffers crossing this proxy at `now` (queueing for a worker + processing latency). */
  traverse(now: number, rng: Rng): number {
    const free = this.freeAt;
    let w = 0;
    for (let i = 1; i < free.length; i++) if (free[i] < free[w]) w = i;
    const start = free[w] > now ? free[w] : now;
    free[w] = start + this.cpuPerRequestMs;
    const delay = start - now + this.latency.draw(rng);
    this.traversals++;
    this.cpuMs += this.cpuPerRequestMs;
    this.addedMs += delay;
    return this.chain ? delay + this.chain.traverse(now + delay, rng) : delay;
  }
}
