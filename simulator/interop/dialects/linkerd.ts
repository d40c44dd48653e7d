/**
 * Linkerd 2.x: HTTPRoute (policy.linkerd.io and gateway.networking.k8s.io) with timeouts and the
 * retry / timeout annotations, ServiceProfile, Server, AuthorizationPolicy, MeshTLSAuthentication,
 * failure accrual on Services, SMI TrafficSplit as Linkerd (linkerd-smi) uses it.
 * Semantics: linkerd.io 2-edge reference (retries, timeouts, circuit-breaking, httproute,
 * authorization-policy, service-profiles); mesh-semantics §2.2.
 */
import type { PathSegment } from '../../model/errors.ts';
import { p, shortHost, type DialectImporter, type ImportContext } from '../context.ts';
import { fmtMs, type NeutralDestination, type NeutralRoute, type NeutralSource } from '../neutral.ts';
import type { FieldTracker } from '../report.ts';
import { groupOf, type Resource } from '../source.ts';
import { arr, gatewayMatch, num, obj, str, versionOfBackend } from './common.ts';
import { trafficSplit } from './smi.ts';

const LINKERD_KINDS = new Set([
  'ServiceProfile',
  'HTTPRoute',
  'Server',
  'AuthorizationPolicy',
  'MeshTLSAuthentication',
  'NetworkAuthentication',
  'ServerAuthorization',
  'HTTPLocalRateLimitPolicy',
]);
const isLinkerdGroup = (g: string) => g === 'linkerd.io' || g === 'policy.linkerd.io';
const annotations = (r: Resource) => obj(obj(r.body.metadata).annotations) as Record<string, unknown>;
const hasLinkerdAnnotation = (r: Resource) =>
  Object.keys(annotations(r)).some((k) => /(^|\.)linkerd\.io\//.test(k));

export const linkerd: DialectImporter = {
  name: 'linkerd',
  product: { defaults: 'linkerd', profile: 'linkerd' },
  kindsHelp:
    'ServiceProfile, HTTPRoute, Server, AuthorizationPolicy, MeshTLSAuthentication, SMI TrafficSplit and annotated Services / Namespaces',
  reads: (r) => {
    const g = groupOf(r.apiVersion);
    if (isLinkerdGroup(g) && LINKERD_KINDS.has(r.kind)) return true;
    if (g === 'gateway.networking.k8s.io' && r.kind === 'HTTPRoute') return true;
    if (g === 'split.smi-spec.io' && r.kind === 'TrafficSplit') return true;
    return (
      r.apiVersion === 'v1' && (r.kind === 'Service' || r.kind === 'Namespace') && hasLinkerdAnnotation(r)
    );
  },
  // SMI is shared with SMI itself and Traefik Mesh; a Gateway API HTTPRoute is read only by Linkerd here
  generic: (r) => groupOf(r.apiVersion) === 'split.smi-spec.io',
  import(resources, ctx) {
    const servers = new Map<string, string>(); // Server name → service
    const authn = new Map<string, string[]>(); // MeshTLSAuthentication name → `from` values
    const serverRoutes = new Map<string, { service: string; paths: string[]; methods: string[] }>();
    const services = resources.filter((r) => r.kind === 'Service');
    const rank = [
      'Namespace',
      'Service',
      'Server',
      'MeshTLSAuthentication',
      'NetworkAuthentication',
      'ServiceProfile',
      'TrafficSplit',
      'HTTPRoute',
      'AuthorizationPolicy',
    ];
    const order = (r: Resource) => rank.indexOf(r.kind) + 1 || 99;
    // routes of one parent are imported together (Gateway API precedence is across them)
    const routesByParent = new Map<string, { r: Resource; t: FieldTracker }[]>();
    for (const r of [...resources].sort((a, b) => order(a) - order(b))) {
      const t = ctx.track(r);
      switch (r.kind) {
        case 'Namespace':
          namespace(r, t, ctx);
          break;
        case 'Service':
          serviceAnnotations(r, t, ctx);
          break;
        case 'Server':
          server(r, t, servers);
          break;
        case 'MeshTLSAuthentication':
          meshTls(r, t, authn);
          break;
        case 'ServiceProfile':
          serviceProfile(r, t, ctx);
          break;
        case 'TrafficSplit':
          trafficSplit(r, t, ctx);
          break;
        case 'HTTPRoute': {
          const parent = obj(arr(obj(r.body.spec).parentRefs)[0]);
          if (parent.kind === 'Server') serverRoute(r, t, servers, serverRoutes);
          else {
            const svc = str(parent.name) ?? '';
            routesByParent.set(svc, [...(routesByParent.get(svc) ?? []), { r, t }]);
            continue;
          }
          break;
        }
        case 'AuthorizationPolicy':
          authorization(r, t, ctx, servers, authn, serverRoutes);
          break;
        default:
          t.unmapped(['spec'], `${r.kind} is not modelled (rate limits, network authentications)`);
      }
      t.done(r.kind === 'Service' || r.kind === 'Namespace' ? ['spec', 'metadata'] : []);
    }
    for (const [svc, list] of routesByParent) {
      httpRoutes(svc, list, ctx, services);
      for (const { t } of list) t.done();
    }
  },
};

// ───────────────────────────── annotations ─────────────────────────────

function namespace(r: Resource, t: FieldTracker, ctx: ImportContext): void {
  const policy = str(annotations(r)['config.linkerd.io/default-inbound-policy']);
  const at = ['metadata', 'annotations', 'config.linkerd.io/default-inbound-policy'];
  if (policy === 'all-authenticated' || policy === 'cluster-authenticated') {
    ctx.policy.mtls = 'strict';
    t.approx(
      at,
      `${policy} ≈ security.mtls: strict (Linkerd always encrypts meshed traffic; this refuses unauthenticated clients)`,
    );
  } else if (policy === 'all-unauthenticated' || policy === 'cluster-unauthenticated') {
    ctx.policy.mtls = 'permissive';
    t.mapped(at, 'security.mtls: permissive (the default)');
  } else if (policy)
    t.unmapped(at, `default inbound policy \`${policy}\` (deny / audit) is not modelled: write allow rules`);
}

interface RetryAnnotations {
  limit?: number;
  http?: string;
  grpc?: string;
  timeout?: number;
  request?: number;
  response?: number;
}

function readRetryAnnotations(r: Resource, t: FieldTracker): RetryAnnotations {
  const a = annotations(r);
  const out: RetryAnnotations = {};
  const at = (k: string): PathSegment[] => ['metadata', 'annotations', k];
  if (a['retry.linkerd.io/limit'] !== undefined) {
    const n = num(a['retry.linkerd.io/limit']);
    if (n === undefined || n < 0 || !Number.isInteger(n))
      t.invalid(at('retry.linkerd.io/limit'), 'expected a whole number of retries ≥ 0');
    else out.limit = n;
  }
  if (typeof a['retry.linkerd.io/http'] === 'string') out.http = a['retry.linkerd.io/http'];
  if (typeof a['retry.linkerd.io/grpc'] === 'string') out.grpc = a['retry.linkerd.io/grpc'];
  const d = (k: string) => t.dur(a[k], at(k));
  out.timeout = d('retry.linkerd.io/timeout');
  out.request = d('timeout.linkerd.io/request');
  out.response = d('timeout.linkerd.io/response');
  return out;
}

/** Linkerd retry annotations → neutral retries (Linkerd counts retries, as Istio; default limit 1). */
function retriesFrom(
  a: RetryAnnotations,
  t: FieldTracker,
  service: string,
): NeutralDestination['retries'] | undefined {
  if (a.limit === undefined && a.http === undefined && a.grpc === undefined && a.timeout === undefined)
    return undefined;
  const at = (k: string): PathSegment[] => ['metadata', 'annotations', k];
  const retryOn: (string | number)[] = [];
  for (const tok of (a.http ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    if (tok === '5xx' || tok === 'gateway-error') retryOn.push(tok);
    else if (/^\d{3}$/.test(tok)) retryOn.push(Number(tok));
    else if (/^\d{3}-\d{3}$/.test(tok)) {
      const [lo, hi] = tok.split('-').map(Number) as [number, number];
      for (let c = lo; c <= hi; c++) retryOn.push(c);
    } else
      t.invalid(
        at('retry.linkerd.io/http'),
        `expected \`5xx\`, \`gateway-error\`, a status \`503\` or a range \`500-504\`, got \`${tok}\``,
      );
  }
  if (a.http !== undefined) t.mapped(at('retry.linkerd.io/http'), `destinations[${service}].retries.retryOn`);
  const grpcMap: Record<string, string> = {
    cancelled: 'cancelled',
    'deadline-exceeded': 'deadline-exceeded',
    unavailable: 'unavailable',
  };
  for (const tok of (a.grpc ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    if (grpcMap[tok]) retryOn.push(grpcMap[tok]);
    else t.approx(at('retry.linkerd.io/grpc'), `gRPC condition \`${tok}\` is not modelled and is left out`);
  }
  if (a.grpc !== undefined)
    t.mapped(at('retry.linkerd.io/grpc'), `destinations[${service}].retries.retryOn (gRPC)`);
  const out: NonNullable<NeutralDestination['retries']> = { attempts: a.limit ?? 1, retryOn };
  if (a.limit !== undefined)
    t.mapped(at('retry.linkerd.io/limit'), `destinations[${service}].retries.attempts (retries, as Istio)`);
  if (a.timeout !== undefined) {
    out.perTryTimeout = fmtMs(a.timeout);
    // Linkerd retries an attempt that timed out; in Envoy's terms that needs `reset` (or 5xx) in retryOn.
    if (!retryOn.some((x) => x === '5xx' || x === 'gateway-error')) retryOn.push('reset');
    t.approx(
      at('retry.linkerd.io/timeout'),
      `perTryTimeout; a timed-out attempt is retried, as Linkerd does${retryOn.includes('reset') ? ' (`reset` added to retryOn, which also retries resets)' : ''}`,
    );
  }
  // Linkerd never backs off between retries (no knob, immediate)
  out.backoff = '1us';
  t.approx(
    ['metadata', 'annotations'],
    "Linkerd retries at once: back-off written as 1 µs (the neutral default is Envoy's 25 ms)",
  );
  return out;
}

function serviceAnnotations(r: Resource, t: FieldTracker, ctx: ImportContext): void {
  const a = annotations(r);
  const at = (k: string): PathSegment[] => ['metadata', 'annotations', k];
  const d = ctx.policy.dest(r.name);
  const ra = readRetryAnnotations(r, t);
  const retries = retriesFrom(ra, t, r.name);
  if (retries) d.retries = retries;
  if (ra.request !== undefined) {
    d.timeout = fmtMs(ra.request);
    t.mapped(at('timeout.linkerd.io/request'), `destinations[${r.name}].timeout`);
  }
  if (ra.response !== undefined)
    t.unmapped(
      at('timeout.linkerd.io/response'),
      'a response timeout that is not retried has no neutral equivalent',
    );
  const fa = str(a['balancer.linkerd.io/failure-accrual']);
  if (fa === 'consecutive') {
    const max = num(a['balancer.linkerd.io/failure-accrual-consecutive-max-failures']) ?? 7;
    const min =
      t.dur(
        a['balancer.linkerd.io/failure-accrual-consecutive-min-penalty'],
        at('balancer.linkerd.io/failure-accrual-consecutive-min-penalty'),
      ) ?? 1000;
    d.outlierDetection = {
      consecutive5xxErrors: max,
      baseEjectionTime: fmtMs(min),
      maxEjectionPercent: 100,
      minHealthPercent: 0,
    };
    t.approx(
      at('balancer.linkerd.io/failure-accrual'),
      "outlier detection: eject after max-failures consecutive 5xx for min-penalty, no cap on ejected share, no panic (Linkerd probes with one real request and backs off to max-penalty instead of Envoy's base × n)",
    );
    for (const k of ['max-failures', 'min-penalty'])
      if (a[`balancer.linkerd.io/failure-accrual-consecutive-${k}`] !== undefined)
        t.mapped(
          at(`balancer.linkerd.io/failure-accrual-consecutive-${k}`),
          `destinations[${r.name}].outlierDetection`,
        );
    for (const k of ['max-penalty', 'jitter-ratio'])
      if (a[`balancer.linkerd.io/failure-accrual-consecutive-${k}`] !== undefined)
        t.unmapped(
          at(`balancer.linkerd.io/failure-accrual-consecutive-${k}`),
          "Linkerd's probe back-off is not modelled",
        );
  } else if (fa)
    t.unmapped(at('balancer.linkerd.io/failure-accrual'), `failure accrual \`${fa}\` is not modelled`);
}

// ───────────────────────────── HTTPRoute ─────────────────────────────

interface Flat {
  route: NeutralRoute;
  key: [number, number, number, number, number];
  order: number;
}

/** Gateway API precedence (GEP-713): exact path > longest prefix > regex, then method, then more headers. */
export function specificity(
  m: NonNullable<NeutralRoute['match']> | undefined,
): [number, number, number, number, number] {
  const path = m?.path;
  const kind =
    path?.exact !== undefined ? 3 : path?.prefix !== undefined ? 2 : path?.regex !== undefined ? 1 : 2;
  const len = path?.exact?.length ?? path?.prefix?.length ?? path?.regex?.length ?? 1;
  return [kind, len, m?.method ? 1 : 0, Object.keys(m?.headers ?? {}).length, 0];
}

function httpRoutes(
  service: string,
  list: { r: Resource; t: FieldTracker }[],
  ctx: ImportContext,
  services: Resource[],
): void {
  const d = ctx.policy.dest(service);
  const flat: Flat[] = [];
  let n = 0;
  for (const { r, t } of list) {
    const spec = obj(r.body.spec);
    t.mapped(['spec', 'parentRefs', 0, 'name'], `destinations[${service}]`);
    const parent = obj(arr(spec.parentRefs)[0]);
    for (const k of Object.keys(parent).filter(
      (k) => !['name', 'kind', 'group', 'port', 'namespace'].includes(k),
    ))
      t.unmapped(['spec', 'parentRefs', 0, k], 'not modelled');
    for (const k of ['kind', 'group', 'port', 'namespace'])
      if (parent[k] !== undefined) t.mapped(['spec', 'parentRefs', 0, k], 'the Service callers address');
    if (arr(spec.parentRefs).length > 1)
      t.unmapped(['spec', 'parentRefs', 1], 'one parent per route is modelled');
    if (spec.hostnames !== undefined)
      t.unmapped(['spec', 'hostnames'], 'meshdojo routes by service, not host name');
    const ra = readRetryAnnotations(r, t);
    const retries = retriesFrom(ra, t, service);
    if (retries) {
      if (d.retries && JSON.stringify(d.retries) !== JSON.stringify(retries))
        t.unmapped(
          ['metadata', 'annotations'],
          `a second, different retry policy for \`${service}\`: the neutral model has one per destination`,
        );
      else d.retries = retries;
    }
    if (ra.response !== undefined)
      t.unmapped(
        ['metadata', 'annotations', 'timeout.linkerd.io/response'],
        'a response timeout that is not retried has no neutral equivalent',
      );
    arr(spec.rules).forEach((x, i) => {
      const rule = obj(x);
      const at = p('spec', 'rules', i);
      const split = backendSplit(rule, at, t, service, ctx);
      const timeouts = obj(rule.timeouts);
      let timeout = ra.request;
      if (ra.request !== undefined)
        t.mapped(
          ['metadata', 'annotations', 'timeout.linkerd.io/request'],
          `destinations[${service}].routes[].timeout (the annotation wins over the field)`,
        );
      const field = t.dur(timeouts.request, p(at, 'timeouts', 'request'));
      if (field !== undefined) {
        timeout ??= field;
        t.mapped(p(at, 'timeouts', 'request'), `destinations[${service}].routes[].timeout`);
      }
      if (timeouts.backendRequest !== undefined) {
        const br = t.dur(timeouts.backendRequest, p(at, 'timeouts', 'backendRequest'));
        if (br !== undefined && d.retries) {
          d.retries.perTryTimeout ??= fmtMs(br);
          t.approx(p(at, 'timeouts', 'backendRequest'), 'perTryTimeout of the destination');
        } else
          t.unmapped(
            p(at, 'timeouts', 'backendRequest'),
            'a backend timeout without retries: read it as the route timeout instead',
          );
      }
      if (rule.filters !== undefined)
        t.unmapped(p(at, 'filters'), 'header modifiers and redirects are not modelled');
      if (!split) return;
      const base: NeutralRoute = { split, ...(timeout !== undefined && { timeout: fmtMs(timeout) }) };
      const matches = arr(rule.matches);
      if (!matches.length) flat.push({ route: base, key: specificity(undefined), order: n++ });
      matches.forEach((mm, j) => {
        const m = obj(mm);
        const mat = p(at, 'matches', j);
        const out: NonNullable<NeutralRoute['match']> = {};
        if (m.path !== undefined) {
          const pm = gatewayMatch(obj(m.path).type, obj(m.path).value ?? '/', 'PathPrefix');
          if (pm && !(pm.prefix === '/')) out.path = pm;
          t.mapped(p(mat, 'path'), pm?.prefix === '/' ? 'every path' : 'routes[].match.path');
        }
        if (str(m.method)) {
          out.method = { exact: m.method as string };
          t.mapped(p(mat, 'method'), 'routes[].match.method');
        }
        arr(m.headers).forEach((h, k) => {
          const hh = obj(h);
          const hm = gatewayMatch(hh.type, hh.value);
          if (hm && str(hh.name)) {
            out.headers = { ...out.headers, [String(hh.name).toLowerCase()]: hm };
            t.mapped(p(mat, 'headers', k), `routes[].match.headers.${String(hh.name).toLowerCase()}`);
          } else
            t.unmapped(p(mat, 'headers', k), 'expected `{ name, value, type: Exact | RegularExpression }`');
        });
        if (m.queryParams !== undefined) t.unmapped(p(mat, 'queryParams'), 'query matching is not modelled');
        flat.push({
          route: Object.keys(out).length ? { match: out, ...base } : base,
          key: specificity(out),
          order: n++,
        });
      });
    });
  }
  void services;
  if (flat.length > 1 && list[0])
    list[0].t.remark(
      ['spec', 'rules'],
      'Gateway API precedence (most specific match first) written as first-match order',
    );
  flat.sort((a, b) => {
    for (let i = 0; i < 5; i++) if (a.key[i] !== b.key[i]) return b.key[i]! - a.key[i]!;
    return a.order - b.order;
  });
  if (flat.length) d.routes = flat.map((f) => f.route);
}

function backendSplit(
  rule: Record<string, unknown>,
  at: PathSegment[],
  t: FieldTracker,
  service: string,
  ctx: ImportContext,
): Record<string, number> | undefined {
  const refs = arr(rule.backendRefs);
  const split: Record<string, number> = {};
  const versions = [...(ctx.inventory.services.get(service)?.keys() ?? [])];
  if (!refs.length) {
    if (versions.length === 1) return { [versions[0]!]: 100 };
    t.unmapped(
      p(at, 'backendRefs'),
      'a rule without backendRefs routes to the parent Service (all versions): the neutral split names versions',
    );
    return undefined;
  }
  for (const [k, x] of refs.entries()) {
    const b = obj(x);
    const name = str(b.name) ?? '';
    const v =
      versionOfBackend(service, name) ??
      (name === service && versions.length === 1 ? versions[0] : undefined);
    if (!v) {
      t.unmapped(
        p(at, 'backendRefs', k),
        `backend \`${name}\` is not a per-version Service \`${service}-<version>\`: the neutral split names versions`,
      );
      return undefined;
    }
    split[v] = (split[v] ?? 0) + (num(b.weight) ?? 1);
    t.approx(p(at, 'backendRefs', k, 'name'), `Service \`${name}\` = version \`${v}\` of \`${service}\``);
    if (b.weight !== undefined)
      t.mapped(p(at, 'backendRefs', k, 'weight'), 'routes[].split weight (relative)');
    for (const f of ['port', 'namespace', 'kind', 'group'])
      if (b[f] !== undefined) t.mapped(p(at, 'backendRefs', k, f), 'the backend Service');
    if (b.filters !== undefined) t.unmapped(p(at, 'backendRefs', k, 'filters'), 'not modelled');
  }
  const sum = Object.values(split).reduce((a, b) => a + b, 0);
  if (refs.length > 1 && sum !== 100)
    t.finding(
      'KIA1104',
      'warning',
      p(at, 'backendRefs'),
      `backend weights add up to ${sum}, not 100 (Linkerd normalises them); example: weights 90 and 10`,
    );
  return split;
}

// ───────────────────────────── ServiceProfile ─────────────────────────────

function serviceProfile(r: Resource, t: FieldTracker, ctx: ImportContext): void {
  const spec = obj(r.body.spec);
  const service = shortHost(r.name);
  t.mapped(['metadata', 'name'], `destinations[${service}]`);
  const d = ctx.policy.dest(service);
  const split: Record<string, number> = {};
  arr(spec.dstOverrides).forEach((x, i) => {
    const o = obj(x);
    const name = shortHost(str(o.authority) ?? '');
    const v = versionOfBackend(service, name);
    const w = quantity(o.weight);
    if (!v || w === undefined)
      return t.unmapped(
        ['spec', 'dstOverrides', i],
        'an override to a Service that is not `<service>-<version>`',
      );
    split[v] = (split[v] ?? 0) + w;
    t.approx(['spec', 'dstOverrides', i], `Service \`${name}\` = version \`${v}\`, weight ${w} (relative)`);
  });
  const hasSplit = Object.keys(split).length > 0;
  const routes: NeutralRoute[] = [];
  let retryable = false;
  arr(spec.routes).forEach((x, i) => {
    const route = obj(x);
    const at = p('spec', 'routes', i);
    const cond = obj(route.condition);
    const match: NonNullable<NeutralRoute['match']> = {};
    if (str(cond.pathRegex)) {
      match.path = { regex: cond.pathRegex as string };
      t.mapped(p(at, 'condition', 'pathRegex'), 'routes[].match.path.regex');
    }
    if (str(cond.method)) {
      match.method = { exact: cond.method as string };
      t.mapped(p(at, 'condition', 'method'), 'routes[].match.method');
    }
    for (const k of ['all', 'any', 'not'])
      if (cond[k] !== undefined) t.unmapped(p(at, 'condition', k), 'compound conditions are not modelled');
    const tm = t.dur(route.timeout, p(at, 'timeout'));
    if (tm !== undefined) t.mapped(p(at, 'timeout'), 'routes[].timeout');
    else
      ctx.report.defaults.push({
        field: `destinations[${service}].routes[${i}].timeout`,
        value: '10s',
        product: 'linkerd',
        source: 'Linkerd ServiceProfile route timeout default (linkerd.io reference: service-profiles)',
      });
    if (route.isRetryable === true) retryable = true;
    if (route.isRetryable !== undefined)
      t.approx(
        p(at, 'isRetryable'),
        'destination retries on 5xx, bounded by the retry budget (the neutral model retries per destination, not per route)',
      );
    if (route.responseClasses !== undefined)
      t.approx(p(at, 'responseClasses'), 'read as the default classification: 5xx = failure');
    if (route.name !== undefined) t.mapped(p(at, 'name'), 'informational');
    if (!hasSplit) {
      if (tm !== undefined || arr(spec.routes).length === 1) d.timeout ??= fmtMs(tm ?? 10_000);
      return;
    }
    routes.push({ ...(Object.keys(match).length && { match }), split, timeout: fmtMs(tm ?? 10_000) });
  });
  if (hasSplit) d.routes = [...routes, { split }];
  if (retryable) {
    d.retries = { attempts: 10, retryOn: ['5xx'], backoff: '1us' };
    ctx.report.approximated.push({
      file: r.file,
      ...r.at(['spec', 'routes']),
      resource: `ServiceProfile/${r.name}`,
      path: 'spec.routes[].isRetryable',
      note: 'ServiceProfile retries are bounded only by the budget: written as 10 retries with the budget in front',
    });
  }
  const rb = obj(spec.retryBudget);
  if (retryable || spec.retryBudget !== undefined) {
    const budget: Record<string, number | string> = {
      ratio: num(rb.retryRatio) ?? 0.2,
      minRetriesPerSecond: num(rb.minRetriesPerSecond) ?? 10,
      ttl: fmtMs(t.dur(rb.ttl, ['spec', 'retryBudget', 'ttl']) ?? 10_000),
    };
    d.retryBudget = budget;
    if (spec.retryBudget !== undefined)
      t.mapped(['spec', 'retryBudget'], `destinations[${service}].retryBudget (Linkerd form)`);
    else
      ctx.report.defaults.push({
        field: `destinations[${service}].retryBudget`,
        value: 'ratio 0.2, 10/s, ttl 10s',
        product: 'linkerd',
        source: 'Linkerd ServiceProfile default retry budget',
      });
  }
  if (spec.opaquePorts !== undefined) t.unmapped(['spec', 'opaquePorts'], 'L4 opaque ports are not modelled');
}

/** Kubernetes quantity (`500m`, `1`, `10`) → number. */
function quantity(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  const s = str(v);
  if (!s) return undefined;
  const m = /^(\d+(?:\.\d+)?)(m|k)?$/.exec(s);
  if (!m) return undefined;
  return Number(m[1]) * (m[2] === 'm' ? 0.001 : m[2] === 'k' ? 1000 : 1);
}

// ───────────────────────────── authorization ─────────────────────────────

function server(r: Resource, t: FieldTracker, servers: Map<string, string>): void {
  const spec = obj(r.body.spec);
  const app = str(obj(obj(spec.podSelector).matchLabels).app);
  if (!app) return t.unmapped(['spec', 'podSelector'], 'only `matchLabels.app` selects a service');
  servers.set(r.name, app);
  t.mapped(['spec', 'podSelector', 'matchLabels', 'app'], `authorization[].to: ${app}`);
  if (spec.port !== undefined) t.mapped(['spec', 'port'], 'the service port (one per service)');
  if (spec.proxyProtocol !== undefined)
    t.mapped(['spec', 'proxyProtocol'], 'HTTP (meshdojo models HTTP/1.1)');
  if (spec.accessPolicy !== undefined && spec.accessPolicy !== 'deny')
    t.unmapped(
      ['spec', 'accessPolicy'],
      `access policy \`${String(spec.accessPolicy)}\`: only \`deny\` (the default once a Server exists) is modelled`,
    );
  else if (spec.accessPolicy !== undefined)
    t.mapped(['spec', 'accessPolicy'], 'default deny once an allow rule exists');
}

function meshTls(r: Resource, t: FieldTracker, authn: Map<string, string[]>): void {
  const spec = obj(r.body.spec);
  const from: string[] = [];
  arr(spec.identities).forEach((x, i) => {
    const id = String(x);
    const m = /^([^.]+)\.default\.serviceaccount\.identity\.linkerd\.cluster\.local$/.exec(id);
    if (id === '*') {
      from.push('*');
      t.mapped(['spec', 'identities', i], 'from: * (any meshed client)');
    } else if (m) {
      from.push(m[1]!);
      t.mapped(['spec', 'identities', i], `from: ${m[1]}`);
    } else
      t.unmapped(
        ['spec', 'identities', i],
        'identities outside namespace `default` (or with wildcards) are not modelled',
      );
  });
  arr(spec.identityRefs).forEach((x, i) => {
    const ref = obj(x);
    if (ref.kind === 'ServiceAccount' && str(ref.name)) {
      from.push(ref.name as string);
      t.mapped(['spec', 'identityRefs', i], `from: ${String(ref.name)}`);
    } else t.unmapped(['spec', 'identityRefs', i], 'only ServiceAccount references are modelled');
  });
  authn.set(r.name, from);
}

function serverRoute(
  r: Resource,
  t: FieldTracker,
  servers: Map<string, string>,
  routes: Map<string, { service: string; paths: string[]; methods: string[] }>,
): void {
  const spec = obj(r.body.spec);
  const srv = str(obj(arr(spec.parentRefs)[0]).name) ?? '';
  const service = servers.get(srv);
  if (!service) return t.unmapped(['spec', 'parentRefs'], `Server \`${srv}\` is not among the manifests`);
  t.mapped(['spec', 'parentRefs'], `authorization[].to: ${service}`);
  const paths: string[] = [];
  const methods: string[] = [];
  arr(spec.rules).forEach((x, i) => {
    arr(obj(x).matches).forEach((mm, j) => {
      const m = obj(mm);
      const pm = obj(m.path);
      const at = p('spec', 'rules', i, 'matches', j);
      if (str(pm.value)) {
        paths.push(pm.type === 'PathPrefix' ? `${String(pm.value).replace(/\/$/, '')}/*` : String(pm.value));
        (pm.type === 'PathPrefix' ? t.approx.bind(t) : t.mapped.bind(t))(
          p(at, 'path'),
          pm.type === 'PathPrefix' ? 'authorization paths `<prefix>/*`' : 'authorization paths',
        );
      }
      if (str(m.method)) {
        methods.push(m.method as string);
        t.mapped(p(at, 'method'), 'authorization methods');
      }
      if (m.headers !== undefined) t.unmapped(p(at, 'headers'), 'authorization does not match headers');
    });
  });
  routes.set(r.name, { service, paths, methods });
}

function authorization(
  r: Resource,
  t: FieldTracker,
  ctx: ImportContext,
  servers: Map<string, string>,
  authn: Map<string, string[]>,
  routes: Map<string, { service: string; paths: string[]; methods: string[] }>,
): void {
  const spec = obj(r.body.spec);
  const target = obj(spec.targetRef);
  let to: string | undefined;
  let ops: { paths?: string[]; methods?: string[] } = {};
  if (target.kind === 'Server') to = servers.get(String(target.name));
  else if (target.kind === 'HTTPRoute') {
    const route = routes.get(String(target.name));
    to = route?.service;
    if (route)
      ops = {
        ...(route.paths.length && { paths: route.paths }),
        ...(route.methods.length && { methods: route.methods }),
      };
  } else if (target.kind === 'Namespace') to = '*';
  if (!to)
    return t.unmapped(
      ['spec', 'targetRef'],
      `target ${String(target.kind)} \`${String(target.name)}\` is not among the manifests`,
    );
  t.mapped(['spec', 'targetRef'], `authorization[].to: ${to}`);
  let froms: string[] | undefined;
  arr(spec.requiredAuthenticationRefs).forEach((x, i) => {
    const ref = obj(x);
    const at = p('spec', 'requiredAuthenticationRefs', i);
    let ids: string[] | undefined;
    if (ref.kind === 'MeshTLSAuthentication') ids = authn.get(String(ref.name));
    else if (ref.kind === 'ServiceAccount') ids = [String(ref.name)];
    if (!ids)
      return t.unmapped(
        at,
        `${String(ref.kind)} \`${String(ref.name)}\` is not modelled or not among the manifests`,
      );
    t.mapped(at, 'allow[].from');
    // all references must match: intersect (`*` matches any)
    froms =
      froms === undefined
        ? ids
        : froms.includes('*')
          ? ids
          : ids.includes('*')
            ? froms
            : froms.filter((f) => ids!.includes(f));
  });
  const sources: NeutralSource[] = (froms ?? [undefined]).map((f) => ({
    ...(f !== undefined && { from: f }),
    ...ops,
  }));
  const rule = ctx.policy.authz(to);
  rule.allow = [...(rule.allow ?? []), ...sources];
}
