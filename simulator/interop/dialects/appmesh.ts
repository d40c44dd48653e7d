/**
 * AWS App Mesh: VirtualRouter (routes inline), Route, VirtualNode, as Kubernetes CRDs
 * (appmesh.k8s.aws/v1beta2) and as API JSON (`aws appmesh create-route --cli-input-json`).
 * Semantics: App Mesh API reference (HttpRoute, HttpRetryPolicy, OutlierDetection); mesh-semantics §2.6.
 */
import type { PathSegment } from '../../model/errors.ts';
import { p, type DialectImporter, type ImportContext } from '../context.ts';
import { fmtMs, type Match, type NeutralRoute } from '../neutral.ts';
import type { FieldTracker } from '../report.ts';
import { groupOf, type Resource } from '../source.ts';
import { arr, num, obj, str, versionOfBackend } from './common.ts';

export const appmesh: DialectImporter = {
  name: 'appmesh',
  product: { defaults: 'appmesh', profile: 'appmesh' },
  kindsHelp: 'VirtualRouter, Route, VirtualNode, VirtualService, Mesh (appmesh.k8s.aws or API JSON)',
  reads: (r) => groupOf(r.apiVersion) === 'appmesh.k8s.aws' || r.apiVersion === 'appmesh/api',
  import(resources, ctx) {
    const nodes = resources.filter((r) => r.kind === 'VirtualNode');
    for (const r of [...nodes, ...resources.filter((r) => r.kind !== 'VirtualNode')]) {
      const t = ctx.track(r);
      const spec = obj(r.body.spec);
      if (r.apiVersion === 'appmesh/api')
        for (const k of ['meshName', 'meshOwner', 'routeName', 'virtualNodeName', 'virtualRouterName'])
          if (r.body[k] !== undefined) t.mapped([k], 'names');
      if (r.kind === 'VirtualRouter') {
        const svc = routerService(r);
        arr(spec.routes).forEach((x, i) => route(svc, obj(x), ['spec', 'routes', i], t, ctx));
        if (spec.listeners !== undefined) t.mapped(['spec', 'listeners'], 'the service port');
        if (spec.awsName !== undefined || spec.meshRef !== undefined)
          t.mapped([spec.awsName !== undefined ? 'spec' : 'spec', 'meshRef'], 'names');
      } else if (r.kind === 'Route')
        route(String(r.body.virtualRouterName ?? '').replace(/-router$/, ''), spec, ['spec'], t, ctx);
      else if (r.kind === 'VirtualNode') virtualNode(r, spec, t, ctx);
      else if (r.kind === 'Mesh' || r.kind === 'VirtualService')
        t.mapped(['spec'], 'names (the service callers address)');
      else t.unmapped(['spec'], `${r.kind} is not modelled`);
      t.done(['spec.awsName', 'spec.meshRef', 'spec.podSelector', 'spec.serviceDiscovery']);
    }
    // routes were kept in priority order (lower first); the neutral order is that order
    for (const d of ctx.policy.all())
      if (d.routes)
        d.routes = d.routes.map(({ priority: _p, ...r }: NeutralRoute & { priority?: number }) => r);
  },
};

const routerService = (r: Resource) => r.name.replace(/-router$/, '');
const durOf = (v: unknown): number | undefined => {
  const d = obj(v);
  const n = num(d.value);
  if (n === undefined) return undefined;
  return d.unit === 's' ? n * 1000 : n;
};

function route(
  svc: string,
  rt: Record<string, unknown>,
  at: PathSegment[],
  t: FieldTracker,
  ctx: ImportContext,
): void {
  const http = obj(rt.httpRoute);
  if (rt.httpRoute === undefined) return t.unmapped(at, 'gRPC, HTTP/2 and TCP routes are not modelled');
  const hat = p(at, 'httpRoute');
  const d = ctx.policy.dest(svc);
  const split: Record<string, number> = {};
  arr(obj(http.action).weightedTargets).forEach((x, i) => {
    const w = obj(x);
    const node = str(obj(w.virtualNodeRef).name) ?? str(w.virtualNode) ?? '';
    const v = versionOfBackend(svc, node);
    if (!v)
      return t.unmapped(
        p(hat, 'action', 'weightedTargets', i),
        `VirtualNode \`${node}\` is not \`${svc}-<version>\``,
      );
    split[v] = (split[v] ?? 0) + (num(w.weight) ?? 0);
    t.approx(
      p(hat, 'action', 'weightedTargets', i),
      `VirtualNode \`${node}\` = version \`${v}\`, weight ${num(w.weight) ?? 0}`,
    );
  });
  const m = obj(http.match);
  const match: NonNullable<NeutralRoute['match']> = {};
  const prefix = str(m.prefix);
  if (prefix && prefix !== '/') match.path = { prefix };
  if (m.prefix !== undefined)
    t.mapped(p(hat, 'match', 'prefix'), prefix === '/' ? 'every path' : 'routes[].match.path');
  const path = obj(m.path);
  if (str(path.exact) || str(path.regex)) {
    match.path = str(path.exact) ? { exact: String(path.exact) } : { regex: String(path.regex) };
    t.mapped(p(hat, 'match', 'path'), 'routes[].match.path');
  }
  if (str(m.method)) {
    match.method = { exact: String(m.method) };
    t.mapped(p(hat, 'match', 'method'), 'routes[].match.method');
  }
  arr(m.headers).forEach((h, k) => {
    const hh = obj(h);
    const mm = obj(hh.match);
    const hm: Match | undefined = str(mm.exact)
      ? { exact: String(mm.exact) }
      : str(mm.prefix)
        ? { prefix: String(mm.prefix) }
        : str(mm.regex)
          ? { regex: String(mm.regex) }
          : hh.match === undefined
            ? {}
            : undefined;
    if (hm && !hh.invert) {
      match.headers = { ...match.headers, [String(hh.name).toLowerCase()]: hm };
      t.mapped(p(hat, 'match', 'headers', k), 'routes[].match.headers');
    } else
      t.unmapped(p(hat, 'match', 'headers', k), 'suffix, range and inverted header matches are not modelled');
  });
  for (const k of ['scheme', 'queryParameters', 'port'])
    if (m[k] !== undefined) t.unmapped(p(hat, 'match', k), 'not modelled');
  const rp = obj(http.retryPolicy);
  if (http.retryPolicy !== undefined) {
    const on: (string | number)[] = [];
    for (const e of arr(rp.httpRetryEvents).map(String)) {
      if (e === 'server-error') on.push(500, 501, 502, 503, 504, 505, 506, 507, 508, 510, 511, 'reset');
      else if (e === 'gateway-error') on.push('gateway-error');
      else if (e === 'client-error') on.push(409);
      else if (e === 'stream-error') on.push('refused-stream');
    }
    if (arr(rp.tcpRetryEvents).includes('connection-error')) on.push('connect-failure');
    const ptt = durOf(rp.perRetryTimeout);
    d.retries = {
      attempts: num(rp.maxRetries) ?? 0,
      ...(ptt !== undefined && { perTryTimeout: fmtMs(ptt) }),
      retryOn: [...new Set(on)],
    };
    t.mapped(p(hat, 'retryPolicy', 'maxRetries'), 'retries.attempts (retries, as Istio)');
    if (rp.perRetryTimeout !== undefined)
      t.mapped(p(hat, 'retryPolicy', 'perRetryTimeout'), 'retries.perTryTimeout');
    if (rp.httpRetryEvents !== undefined)
      t.approx(
        p(hat, 'retryPolicy', 'httpRetryEvents'),
        'server-error = 500–508, 510, 511 + reset; gateway-error; client-error = 409; stream-error = refused-stream',
      );
    if (rp.tcpRetryEvents !== undefined)
      t.mapped(p(hat, 'retryPolicy', 'tcpRetryEvents'), 'retryOn connect-failure');
  }
  const to = durOf(obj(http.timeout).perRequest);
  if (to !== undefined) t.mapped(p(hat, 'timeout', 'perRequest'), 'routes[].timeout');
  if (obj(http.timeout).idle !== undefined)
    t.unmapped(p(hat, 'timeout', 'idle'), 'idle timeouts are not modelled');
  if (rt.name !== undefined) t.mapped(p(at, 'name'), 'informational');
  if (rt.priority !== undefined) t.mapped(p(at, 'priority'), 'route order (lower first)');
  if (!Object.keys(split).length) return;
  const entry: NeutralRoute & { priority: number } = {
    ...(Object.keys(match).length && { match }),
    split,
    ...(to !== undefined && { timeout: fmtMs(to) }),
    priority: num(rt.priority) ?? 1000,
  };
  const routes = [...((d.routes ?? []) as (NeutralRoute & { priority?: number })[]), entry].sort(
    (a, b) => (a.priority ?? 1000) - (b.priority ?? 1000),
  );
  d.routes = routes;
}

function virtualNode(r: Resource, spec: Record<string, unknown>, t: FieldTracker, ctx: ImportContext): void {
  const name = str(r.body.virtualNodeName) ?? r.name;
  const m = /^(.*)-(v[\w.-]*)$/.exec(name);
  const svc = m ? m[1]! : name;
  arr(spec.listeners).forEach((x, i) => {
    const l = obj(x);
    const at = p('spec', 'listeners', i);
    const d = ctx.policy.dest(svc);
    const od = obj(l.outlierDetection);
    if (l.outlierDetection !== undefined) {
      const next = {
        consecutive5xxErrors: num(od.maxServerErrors) ?? 5,
        interval: fmtMs(durOf(od.interval) ?? 10_000),
        baseEjectionTime: fmtMs(durOf(od.baseEjectionDuration) ?? 30_000),
        maxEjectionPercent: num(od.maxEjectionPercent) ?? 10,
      };
      if (d.outlierDetection && JSON.stringify(d.outlierDetection) !== JSON.stringify(next))
        t.unmapped(p(at, 'outlierDetection'), 'different outlier detection per version: one per destination');
      else {
        d.outlierDetection = next;
        t.approx(
          p(at, 'outlierDetection'),
          `outlierDetection of \`${svc}\` (declared on the destination, enforced by the callers)`,
        );
      }
    }
    const pool = obj(l.connectionPool);
    const h = obj(pool.http);
    if (pool.http !== undefined) {
      d.connectionPool = {
        ...(num(h.maxConnections) !== undefined && { maxConnections: num(h.maxConnections)! }),
        ...(num(h.maxPendingRequests) !== undefined && { maxPendingRequests: num(h.maxPendingRequests)! }),
      };
      t.mapped(p(at, 'connectionPool', 'http'), 'connectionPool');
    }
    if (l.tls !== undefined) {
      const mode = str(obj(l.tls).mode);
      if (mode === 'STRICT') ctx.policy.mtls = 'strict';
      else if (mode === 'PERMISSIVE') ctx.policy.mtls ??= 'permissive';
      t.approx(p(at, 'tls'), `listener TLS \`${mode}\` read as the mesh-wide mTLS mode`);
    }
    if (l.portMapping !== undefined) t.mapped(p(at, 'portMapping'), 'the service port');
    for (const k of ['healthCheck', 'timeout']) if (l[k] !== undefined) t.unmapped(p(at, k), 'not modelled');
  });
  arr(spec.backends).forEach((x, i) => {
    const b = obj(obj(x).virtualService);
    const target = str(obj(b.virtualServiceRef).name) ?? str(b.virtualServiceName) ?? '';
    const to = target.split('.')[0]!;
    const rule = ctx.policy.authz(to);
    if (!(rule.allow ?? []).some((a) => a.from === svc && !a.paths && !a.methods))
      rule.allow = [...(rule.allow ?? []), { from: svc }];
    t.approx(
      p('spec', 'backends', i),
      `backend = allow ${svc} → ${to} (App Mesh refuses undeclared backends at the caller; the neutral rule refuses at ${to})`,
    );
  });
  if (spec.backendDefaults !== undefined)
    t.unmapped(['spec', 'backendDefaults'], 'client TLS policies are not modelled');
}
