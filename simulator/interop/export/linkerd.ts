/**
 * Neutral policy → Linkerd resources: HTTPRoute (policy.linkerd.io/v1beta3) with the retry and
 * timeout annotations, per-version backends, Server + MeshTLSAuthentication + AuthorizationPolicy,
 * and the namespace's default inbound policy for strict mTLS. What Linkerd lacks is noted.
 */
import type { MeshPolicySpec } from '../../model/types.ts';
import { dur, NAMESPACE, STUB_PORT, type ExportDocs } from './common.ts';

type Obj = Record<string, unknown>;

const headerMatch = (name: string, m: { exact?: string; prefix?: string; regex?: string }) =>
  m.exact !== undefined
    ? { name, value: m.exact }
    : m.regex !== undefined
      ? { name, type: 'RegularExpression', value: m.regex }
      : undefined;

export function exportLinkerd(policy: MeshPolicySpec | undefined): ExportDocs {
  const docs: Obj[] = [];
  const notes: string[] = [];
  if (!policy) return { docs, notes: ['no MeshPolicy in the scenario: nothing to export'] };
  // strict ≈ only authenticated (meshed) clients; permissive = Linkerd's own default, written when the policy says it
  const INBOUND: Record<string, string> = { strict: 'all-authenticated', permissive: 'all-unauthenticated' };
  const inbound = INBOUND[policy.security.mtls ?? ''];
  if (inbound)
    docs.push({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: NAMESPACE, annotations: { 'config.linkerd.io/default-inbound-policy': inbound } },
    });
  if (policy.security.mtls === 'disable')
    notes.push('security.mtls: disable — Linkerd always encrypts meshed traffic');
  for (const d of policy.destinations) {
    const annotations: Record<string, string> = {};
    const r = d.retries;
    if (r) {
      if (r.attempts !== undefined) annotations['retry.linkerd.io/limit'] = String(r.attempts);
      const retryOn = r.retryOn ?? [];
      const http = [
        ...retryOn.filter((x) => x === '5xx' || x === 'gateway-error'),
        ...(r.retriableStatusCodes ?? []).map(String),
      ];
      if (http.length) annotations['retry.linkerd.io/http'] = http.join(',');
      const grpc = retryOn.filter(
        (x) => x === 'cancelled' || x === 'deadline-exceeded' || x === 'unavailable',
      );
      if (grpc.length) annotations['retry.linkerd.io/grpc'] = grpc.join(',');
      const lost = retryOn.filter(
        (x) =>
          ![
            '5xx',
            'gateway-error',
            'retriable-status-codes',
            'cancelled',
            'deadline-exceeded',
            'unavailable',
          ].includes(x) && !(x === 'reset' && r.perTryTimeout !== undefined),
      );
      if (lost.length)
        notes.push(`${d.service}: retry conditions ${lost.join(', ')} have no Linkerd equivalent`);
      if (r.perTryTimeout !== undefined) annotations['retry.linkerd.io/timeout'] = dur(r.perTryTimeout);
      if ((r.backoff?.base ?? 25) > 0.01) notes.push(`${d.service}: Linkerd retries at once (no back-off)`);
    }
    const routes = d.routes ?? [];
    if (routes.length) {
      const rules = routes.map((route) => {
        const headers = Object.entries(route.match?.headers ?? {})
          .map(([n, m]) => {
            const h = headerMatch(n, m);
            if (!h) notes.push(`${d.service}: header prefix matches are not in the Gateway API`);
            return h;
          })
          .filter(Boolean);
        const path = route.match?.path;
        const match: Obj = {
          ...(path?.exact !== undefined && { path: { type: 'Exact', value: path.exact } }),
          ...(path?.prefix !== undefined && { path: { type: 'PathPrefix', value: path.prefix } }),
          ...(path?.regex !== undefined && { path: { type: 'RegularExpression', value: path.regex } }),
          ...(route.match?.method?.exact !== undefined && { method: route.match.method.exact }),
          ...(headers.length && { headers }),
        };
        const timeout = route.timeout ?? d.timeout;
        return {
          ...(Object.keys(match).length && { matches: [match] }),
          backendRefs: Object.entries(route.split).map(([v, w]) => ({
            name: `${d.service}-${v}`,
            port: STUB_PORT,
            weight: w,
          })),
          ...(timeout !== undefined && { timeouts: { request: dur(timeout) } }),
        };
      });
      docs.push({
        apiVersion: 'policy.linkerd.io/v1beta3',
        kind: 'HTTPRoute',
        metadata: {
          name: `${d.service}-route`,
          namespace: NAMESPACE,
          ...(Object.keys(annotations).length && { annotations }),
        },
        spec: { parentRefs: [{ group: 'core', kind: 'Service', name: d.service, port: STUB_PORT }], rules },
      });
    } else if (Object.keys(annotations).length || d.timeout !== undefined) {
      if (d.timeout !== undefined) annotations['timeout.linkerd.io/request'] = dur(d.timeout);
      docs.push({
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: d.service, namespace: NAMESPACE, annotations },
        spec: {
          selector: { app: d.service },
          ports: [{ name: 'http', port: STUB_PORT, targetPort: STUB_PORT }],
        },
      });
    }
    if (d.outlierDetection)
      notes.push(
        `${d.service}: outlier detection ≈ Linkerd failure accrual (annotations on the Service): balancer.linkerd.io/failure-accrual: consecutive, max-failures ${d.outlierDetection.consecutive5xxErrors ?? 5}`,
      );
    if (d.faults)
      notes.push(`${d.service}: Linkerd has no fault injection (split traffic to a faulty backend instead)`);
    if (d.connectionPool) notes.push(`${d.service}: Linkerd has no connection-pool limits`);
    if (d.circuitBreaker) notes.push(`${d.service}: no whole-destination breaker in Linkerd`);
    if (d.loadBalancer) notes.push(`${d.service}: Linkerd always balances by peak EWMA`);
    if (d.retryBudget) notes.push(`${d.service}: retry budgets exist only in ServiceProfiles`);
  }
  for (const rule of policy.security.authorization) {
    if (rule.deny.length) notes.push(`authorization to ${rule.to}: Linkerd has no deny rules`);
    if (!rule.allow.length) continue;
    if (rule.to === '*') {
      notes.push('authorization to `*`: write one Server per service in Linkerd');
      continue;
    }
    const froms = rule.allow
      .filter((s) => s.from !== undefined && !s.paths && !s.methods)
      .map((s) => s.from!);
    if (froms.length < rule.allow.length)
      notes.push(
        `authorization to ${rule.to}: sources with paths or methods, or without \`from\`, are not exported`,
      );
    if (!froms.length) continue;
    docs.push({
      apiVersion: 'policy.linkerd.io/v1beta3',
      kind: 'Server',
      metadata: { name: rule.to, namespace: NAMESPACE },
      spec: { podSelector: { matchLabels: { app: rule.to } }, port: STUB_PORT, proxyProtocol: 'HTTP/1' },
    });
    docs.push({
      apiVersion: 'policy.linkerd.io/v1alpha1',
      kind: 'MeshTLSAuthentication',
      metadata: { name: `${rule.to}-clients`, namespace: NAMESPACE },
      spec: {
        identities: froms.map((f) =>
          f === '*' ? '*' : `${f}.${NAMESPACE}.serviceaccount.identity.linkerd.cluster.local`,
        ),
      },
    });
    docs.push({
      apiVersion: 'policy.linkerd.io/v1alpha1',
      kind: 'AuthorizationPolicy',
      metadata: { name: `${rule.to}-allow`, namespace: NAMESPACE },
      spec: {
        targetRef: { group: 'policy.linkerd.io', kind: 'Server', name: rule.to },
        requiredAuthenticationRefs: [
          { group: 'policy.linkerd.io', kind: 'MeshTLSAuthentication', name: `${rule.to}-clients` },
        ],
      },
    });
  }
  return { docs, notes };
}
