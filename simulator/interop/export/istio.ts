/**
 * Neutral policy → Istio resources (networking.istio.io/v1, security.istio.io/v1). Written so that
 * the Istio importer reads them back to the same neutral policy (the round-trip property test).
 */
import type {
  DestinationPolicySpec,
  MeshPolicySpec,
  RouteSpec,
  StringMatch,
  TopologySpec,
} from '../../model/types.ts';
import { dur, NAMESPACE, type ExportDocs } from './common.ts';

type Obj = Record<string, unknown>;

const hostOf = (svc: string) => `${svc}.${NAMESPACE}.svc.cluster.local`;

function matchOf(m: RouteSpec['match'], extraHeaders: Record<string, StringMatch> = {}): Obj | undefined {
  const headers = { ...(m?.headers ?? {}), ...extraHeaders };
  const out: Obj = {};
  if (Object.keys(headers).length) out.headers = headers;
  if (m?.path) out.uri = m.path;
  if (m?.method) out.method = m.method;
  return Object.keys(out).length ? out : undefined;
}

function retriesOf(d: DestinationPolicySpec, notes: string[]): Obj | undefined {
  // Only what the policy holds is written: a field it leaves out stays out (Istio's default fills it).
  const r = d.retries;
  if (!r) return undefined;
  const codes = r.retriableStatusCodes ?? [];
  const out: Obj = {};
  if (r.attempts !== undefined) out.attempts = r.attempts;
  if (r.retryOn !== undefined)
    out.retryOn = [
      ...r.retryOn.filter((t) => t !== 'retriable-status-codes' || !codes.length),
      ...codes,
    ].join(',');
  if (r.perTryTimeout !== undefined) out.perTryTimeout = dur(r.perTryTimeout);
  const b = r.backoff;
  if (b && b.base !== 25) out.backoff = dur(b.base);
  if (b && b.max !== 10 * b.base)
    notes.push(`${d.service}: retries.backoff.max ${b.max} ms is not expressible in Istio (max = 10 × base)`);
  if (r.otherHost !== undefined) out.retryIgnorePreviousHosts = r.otherHost;
  return out;
}

function virtualService(d: DestinationPolicySpec, notes: string[]): Obj | undefined {
  const routesOf = d.routes ?? [];
  if (!routesOf.length && !d.retries && d.timeout === undefined && !d.faults) return undefined;
  const retries = retriesOf(d, notes);
  const whole = [{ destination: { host: hostOf(d.service) } }];
  const routes: { match?: RouteSpec['match']; route: Obj[]; timeout?: number }[] = routesOf.length
    ? routesOf.map((r) => ({
        ...(r.match && { match: r.match }),
        route: Object.entries(r.split).map(([v, w]) => ({
          destination: { host: hostOf(d.service), subset: v },
          weight: w,
        })),
        ...((r.timeout ?? d.timeout) !== undefined && { timeout: r.timeout ?? d.timeout }),
      }))
    : [{ route: whole, ...(d.timeout !== undefined && { timeout: d.timeout }) }];
  if (routesOf.length && d.timeout !== undefined)
    notes.push(
      `${d.service}: the destination timeout is written on every route (Istio has route timeouts only)`,
    );
  const fault = d.faults && {
    ...(d.faults.delay && {
      delay: { fixedDelay: dur(d.faults.delay.fixed), percentage: { value: d.faults.delay.percent } },
    }),
    ...(d.faults.abort && {
      abort: { httpStatus: d.faults.abort.status, percentage: { value: d.faults.abort.percent } },
    }),
  };
  const faultHeaders = d.faults?.match?.headers ?? {};
  const http: Obj[] = [];
  for (const r of routes) {
    const base: Obj = {
      route: r.route,
      ...(r.timeout !== undefined && { timeout: dur(r.timeout) }),
      ...(retries && { retries }),
    };
    const m = matchOf(r.match);
    if (fault && Object.keys(faultHeaders).length) {
      // the fault's own header match, in front of the route it narrows (same destination)
      http.push({ match: [matchOf(r.match, faultHeaders)], fault, ...base });
      http.push({ ...(m && { match: [m] }), ...base });
    } else http.push({ ...(m && { match: [m] }), ...(fault && { fault }), ...base });
  }
  return {
    apiVersion: 'networking.istio.io/v1',
    kind: 'VirtualService',
    metadata: { name: d.service, namespace: NAMESPACE },
    spec: { hosts: [d.service], http },
  };
}

function destinationRule(
  d: DestinationPolicySpec,
  topo: TopologySpec | undefined,
  notes: string[],
): Obj | undefined {
  const versions = topo?.services.find((s) => s.name === d.service)?.versions ?? [];
  const used = new Set((d.routes ?? []).flatMap((r) => Object.keys(r.split)));
  const subsets = versions.length
    ? versions.map((v) => ({ name: v.name, labels: { version: v.labels.version ?? v.name } }))
    : [...used].map((v) => ({ name: v, labels: { version: v } }));
  const tp: Obj = {};
  const cp = d.connectionPool;
  if (cp) {
    const tcp: Obj = {};
    const http: Obj = {};
    if (cp.maxConnections !== undefined) tcp.maxConnections = cp.maxConnections;
    if (cp.maxPendingRequests !== undefined) http.http1MaxPendingRequests = cp.maxPendingRequests;
    if (cp.maxRequests !== undefined) http.http2MaxRequests = cp.maxRequests;
    if (cp.maxRetries !== undefined) http.maxRetries = cp.maxRetries;
    tp.connectionPool = {
      ...(Object.keys(tcp).length && { tcp }),
      ...(Object.keys(http).length && { http }),
    };
  }
  const od = d.outlierDetection;
  if (od) {
    tp.outlierDetection = {
      ...(od.consecutive5xxErrors !== undefined && { consecutive5xxErrors: od.consecutive5xxErrors }),
      ...(od.consecutiveGatewayErrors !== undefined && {
        consecutiveGatewayErrors: od.consecutiveGatewayErrors,
      }),
      ...(od.interval !== undefined && { interval: dur(od.interval) }),
      ...(od.baseEjectionTime !== undefined && { baseEjectionTime: dur(od.baseEjectionTime) }),
      ...(od.maxEjectionPercent !== undefined && { maxEjectionPercent: od.maxEjectionPercent }),
      ...(od.minHealthPercent !== undefined && { minHealthPercent: od.minHealthPercent }),
    };
    if (od.successRate)
      notes.push(`${d.service}: success-rate outlier detection is not expressible in Istio (it disables it)`);
    if (
      od.maxEjectionTime !== undefined &&
      od.maxEjectionTime !== Math.max(300_000, od.baseEjectionTime ?? 30_000)
    )
      notes.push(`${d.service}: maxEjectionTime is not expressible in Istio`);
  }
  const lb = d.loadBalancer;
  if (lb)
    tp.loadBalancer =
      lb.algorithm === 'ring-hash'
        ? { consistentHash: { httpHeaderName: lb.header } }
        : {
            simple: { 'round-robin': 'ROUND_ROBIN', random: 'RANDOM', 'least-request': 'LEAST_REQUEST' }[
              lb.algorithm
            ],
          };
  if (d.retryBudget) {
    if (d.retryBudget.kind === 'envoy')
      tp.retryBudget = {
        percent: d.retryBudget.percent,
        minRetryConcurrency: d.retryBudget.minRetryConcurrency,
      };
    else
      notes.push(`${d.service}: a Linkerd-style retry budget (ratio per second) is not expressible in Istio`);
  }
  if (d.circuitBreaker)
    notes.push(
      `${d.service}: circuitBreaker (a whole-destination Hystrix-style breaker) has no Istio equivalent: use outlierDetection`,
    );
  if (d.deadlinePropagation) notes.push(`${d.service}: deadlinePropagation has no Istio equivalent`);
  if (!subsets.length && !Object.keys(tp).length) return undefined;
  return {
    apiVersion: 'networking.istio.io/v1',
    kind: 'DestinationRule',
    metadata: { name: d.service, namespace: NAMESPACE },
    spec: {
      host: hostOf(d.service),
      ...(subsets.length && { subsets }),
      ...(Object.keys(tp).length && { trafficPolicy: tp }),
    },
  };
}

const principal = (from: string) =>
  from === '*'
    ? '*'
    : from.startsWith('spiffe://')
      ? from.slice(9)
      : from.includes('/')
        ? from
        : `cluster.local/ns/${NAMESPACE}/sa/${from}`;

export function exportIstio(policy: MeshPolicySpec | undefined, topo: TopologySpec | undefined): ExportDocs {
  const notes: string[] = [];
  const docs: Obj[] = [];
  if (!policy) return { docs: [], notes: ['no MeshPolicy in the scenario: nothing to export'] };
  for (const d of policy.destinations) {
    const dr = destinationRule(d, topo, notes);
    if (dr) docs.push(dr);
    const vs = virtualService(d, notes);
    if (vs) docs.push(vs);
  }
  if (policy.security.mtls !== undefined)
    docs.push({
      apiVersion: 'security.istio.io/v1',
      kind: 'PeerAuthentication',
      metadata: { name: 'default', namespace: 'istio-system' },
      spec: { mtls: { mode: policy.security.mtls.toUpperCase() } },
    });
  for (const rule of policy.security.authorization) {
    for (const [list, action] of [
      ['allow', 'ALLOW'],
      ['deny', 'DENY'],
    ] as const) {
      if (!rule[list].length) continue;
      const wide = rule.to === '*';
      docs.push({
        apiVersion: 'security.istio.io/v1',
        kind: 'AuthorizationPolicy',
        metadata: {
          name: `${wide ? 'mesh' : rule.to}-${list}`,
          namespace: wide ? 'istio-system' : NAMESPACE,
        },
        spec: {
          ...(!wide && { selector: { matchLabels: { app: rule.to } } }),
          action,
          rules: rule[list].map((s) => ({
            ...(s.from !== undefined && { from: [{ source: { principals: [principal(s.from)] } }] }),
            ...((s.paths || s.methods) && {
              to: [
                {
                  operation: { ...(s.paths && { paths: s.paths }), ...(s.methods && { methods: s.methods }) },
                },
              ],
            }),
          })),
        },
      });
    }
  }
  if (policy.canaries.length)
    notes.push('canaries are not exported (Flagger or Argo Rollouts drive Istio weights on a cluster)');
  return { docs, notes };
}
