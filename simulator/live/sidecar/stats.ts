/** `/stats`: what the sidecar counted, per cluster and per peer, with breaker and detector states. */
import { FAILURE_CAUSES } from '../../model/causes.ts';
import type { Sidecar } from './sidecar.ts';

export function sidecarStats(sc: Sidecar): Record<string, unknown> {
  const set = sc.policySet;
  const clusters: Record<string, unknown> = {};
  for (const [name, pc] of set.entries()) {
    const s = sc.metrics.outbound.get(name);
    clusters[name] = {
      requests: s?.requests ?? 0,
      tries: s?.tries ?? 0,
      retries: s?.retries ?? 0,
      byCause: s?.causes() ?? {},
      active: pc.cluster.active,
      activeRetries: pc.cluster.activeRetries,
      breaker: pc.breaker ? pc.breaker.summary() : null,
      outlier: pc.outlier ? pc.outlier.summary() : null,
    };
  }
  // Destinations counted on an older policy generation keep their counters.
  for (const [name, s] of sc.metrics.outbound)
    if (clusters[name] === undefined)
      clusters[name] = { requests: s.requests, tries: s.tries, retries: s.retries, byCause: s.causes() };
  const inbound: Record<string, unknown> = {};
  for (const [from, s] of sc.metrics.inbound) inbound[from] = { requests: s.requests, byCause: s.causes() };
  return {
    instance: sc.config.instance,
    service: sc.config.service,
    generation: set.generation,
    draining: sc.draining,
    inFlight: sc.inFlight,
    mtls: {
      mode: set.mtls,
      certificate: sc.tls !== undefined,
      rotations: sc.certRotations,
      refusals: Object.fromEntries(sc.metrics.tlsRefusals),
    },
    clusters,
    inbound,
    accessLog: { path: sc.log.path, written: sc.log.written, dropped: sc.log.dropped },
    events: sc.events,
    causes: FAILURE_CAUSES,
  };
}
