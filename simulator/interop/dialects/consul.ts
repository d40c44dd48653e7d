/**
 * Consul service mesh: service-router, service-splitter, service-resolver, service-defaults,
 * service-intentions, as Kubernetes CRDs (consul.hashicorp.com/v1alpha1) and as HCL-free JSON/YAML
 * config entries (PascalCase keys are read camelCased). Semantics: developer.hashicorp.com/consul
 * docs/connect/config-entries/*; mesh-semantics §2.5.
 */
import type { PathSegment } from '../../model/errors.ts';
import { p, type DialectImporter, type ImportContext } from '../context.ts';
import { fmtMs, type Match, type NeutralDestination, type NeutralRoute } from '../neutral.ts';
import type { FieldTracker } from '../report.ts';
import { groupOf, type Resource } from '../source.ts';
import { arr, envoyRetryOn, num, obj, str } from './common.ts';

const CRD_KIND: Record<string, string> = {
  ServiceRouter: 'service-router',
  ServiceSplitter: 'service-splitter',
  ServiceResolver: 'service-resolver',
  ServiceDefaults: 'service-defaults',
  ServiceIntentions: 'service-intentions',
  ProxyDefaults: 'proxy-defaults',
  Mesh: 'mesh',
};

export const consul: DialectImporter = {
  name: 'consul',
  product: { defaults: 'consul', profile: 'consul' },
  kindsHelp:
    'ServiceRouter, ServiceSplitter, ServiceResolver, ServiceDefaults, ServiceIntentions (CRDs or config entries)',
  reads: (r) => groupOf(r.apiVersion) === 'consul.hashicorp.com' || r.apiVersion === 'consul/config-entry',
  import(resources, ctx) {
    const kindOf = (r: Resource) =>
      r.apiVersion === 'consul/config-entry' ? r.kind : (CRD_KIND[r.kind] ?? r.kind);
    const order = [
      'service-resolver',
      'service-splitter',
      'service-router',
      'service-defaults',
      'service-intentions',
    ];
    const subsets = new Map<string, Map<string, string>>();
    const splits = new Map<string, Record<string, number>>();
    const sorted = [...resources].sort((a, b) => order.indexOf(kindOf(a)) - order.indexOf(kindOf(b)));
    for (const r of sorted) {
      const t = ctx.track(r);
      const entry = r.apiVersion === 'consul/config-entry';
      const spec: Record<string, unknown> = entry ? r.body : obj(r.body.spec);
      const base: PathSegment[] = entry ? [] : ['spec'];
      if (entry) {
        t.mapped(['name'], `destinations[${r.name}]`);
        t.mapped(['kind'], 'config entry kind');
      }
      const k = kindOf(r);
      if (k === 'service-resolver') resolver(r.name, spec, base, t, ctx, subsets);
      else if (k === 'service-splitter') splitter(r.name, spec, base, t, ctx, subsets, splits);
      else if (k === 'service-router') router(r.name, spec, base, t, ctx, subsets, splits);
      else if (k === 'service-defaults') defaults(spec, base, t, ctx);
      else if (k === 'service-intentions') intentions(r.name, spec, base, t, ctx);
      else t.unmapped(base, `${r.kind} (mesh-wide settings) is not modelled`);
      t.done(entry ? ['name', 'kind', 'Kind', 'Name'] : []);
    }
    ctx.report.approximated.push({
      file: resources[0]?.file ?? '',
      line: 1,
      column: 1,
      resource: 'Consul',
      path: '(mTLS)',
      note: 'Consul always uses mTLS between sidecars; `mutualTLSMode: strict` (the default) ≈ security.mtls: strict',
    });
  },
};

/** `Service.Meta.version == v1` → v1 (the filter Consul's docs use for subsets). */
const versionOfFilter = (f: unknown): string | undefined =>
  /Service\.Meta\.version\s*==\s*"?([\w.-]+)"?/.exec(String(f ?? ''))?.[1];

function resolver(
  name: string,
  spec: Record<string, unknown>,
  base: PathSegment[],
  t: FieldTracker,
  ctx: ImportContext,
  subsets: Map<string, Map<string, string>>,
): void {
  const map = new Map<string, string>();
  for (const [sub, v] of Object.entries(obj(spec.subsets))) {
    const version = versionOfFilter(obj(v).filter);
    if (version) {
      map.set(sub, version);
      t.mapped(p(base, 'subsets', sub), `subset \`${sub}\` = version \`${version}\``);
    } else t.unmapped(p(base, 'subsets', sub), 'a filter other than `Service.Meta.version == <v>`');
  }
  subsets.set(name, map);
  const d = ctx.policy.dest(name);
  const rt = t.dur(spec.requestTimeout, p(base, 'requestTimeout'));
  if (rt !== undefined) {
    d.timeout = fmtMs(rt);
    t.mapped(p(base, 'requestTimeout'), `destinations[${name}].timeout`);
  }
  if (spec.defaultSubset !== undefined) {
    const v = map.get(String(spec.defaultSubset));
    if (v) {
      d.routes = [{ split: { [v]: 100 } }];
      t.mapped(p(base, 'defaultSubset'), `routes: ${v}`);
    }
  }
  const lb = str(obj(spec.loadBalancer).policy);
  const alg = lb && { round_robin: 'round-robin', least_request: 'least-request', random: 'random' }[lb];
  if (alg) {
    d.loadBalancer = alg;
    t.mapped(p(base, 'loadBalancer', 'policy'), 'loadBalancer');
  } else if (lb) t.unmapped(p(base, 'loadBalancer'), `\`${lb}\` is not modelled`);
  for (const k of ['connectTimeout', 'redirect', 'failover'])
    if (spec[k] !== undefined) t.unmapped(p(base, k), 'not modelled (one datacenter)');
}

function splitter(
  name: string,
  spec: Record<string, unknown>,
  base: PathSegment[],
  t: FieldTracker,
  ctx: ImportContext,
  subsets: Map<string, Map<string, string>>,
  splits: Map<string, Record<string, number>>,
): void {
  const split: Record<string, number> = {};
  arr(spec.splits).forEach((x, i) => {
    const s = obj(x);
    const v = subsets.get(str(s.service) ?? name)?.get(String(s.serviceSubset));
    if (!v)
      return t.unmapped(
        p(base, 'splits', i),
        `subset \`${String(s.serviceSubset)}\` is not defined by a service-resolver`,
      );
    split[v] = (split[v] ?? 0) + (num(s.weight) ?? 0);
    t.mapped(p(base, 'splits', i), `routes[].split.${v} (percent)`);
  });
  const sum = Object.values(split).reduce((a, b) => a + b, 0);
  if (Math.abs(sum - 100) > 0.01)
    t.finding('KIA1104', 'error', p(base, 'splits'), `split weights add up to ${sum}: Consul requires 100`);
  splits.set(name, split);
  if (Object.keys(split).length) ctx.policy.dest(name).routes = [{ split }];
}

function router(
  name: string,
  spec: Record<string, unknown>,
  base: PathSegment[],
  t: FieldTracker,
  ctx: ImportContext,
  subsets: Map<string, Map<string, string>>,
  splits: Map<string, Record<string, number>>,
): void {
  const d = ctx.policy.dest(name);
  const fallback = d.routes ?? [];
  const routes: NeutralRoute[] = [];
  arr(spec.routes).forEach((x, i) => {
    const route = obj(x);
    const at = p(base, 'routes', i);
    const http = obj(obj(route.match).http);
    const match: NonNullable<NeutralRoute['match']> = {};
    const path: Match | undefined = str(http.pathExact)
      ? { exact: String(http.pathExact) }
      : str(http.pathPrefix)
        ? { prefix: String(http.pathPrefix) }
        : str(http.pathRegex)
          ? { regex: String(http.pathRegex) }
          : undefined;
    if (path) {
      match.path = path;
      t.mapped(p(at, 'match', 'http'), 'routes[].match.path');
    }
    arr(http.header).forEach((h, k) => {
      const hh = obj(h);
      const m: Match | undefined = str(hh.exact)
        ? { exact: String(hh.exact) }
        : str(hh.prefix)
          ? { prefix: String(hh.prefix) }
          : str(hh.regex)
            ? { regex: String(hh.regex) }
            : hh.present === true
              ? {}
              : undefined;
      if (m && !hh.invert) {
        match.headers = { ...match.headers, [String(hh.name).toLowerCase()]: m };
        t.mapped(p(at, 'match', 'http', 'header', k), 'routes[].match.headers');
      } else
        t.unmapped(
          p(at, 'match', 'http', 'header', k),
          'suffix and inverted header matches are not modelled',
        );
    });
    const methods = arr(http.methods).map(String);
    if (methods.length === 1) {
      match.method = { exact: methods[0]! };
      t.mapped(p(at, 'match', 'http', 'methods'), 'routes[].match.method');
    } else if (methods.length) {
      match.method = { regex: methods.join('|') };
      t.mapped(p(at, 'match', 'http', 'methods'), 'routes[].match.method (regex of the methods)');
    }
    for (const k of ['queryParam', 'caseInsensitive'])
      if (http[k] !== undefined) t.unmapped(p(at, 'match', 'http', k), 'not modelled');
    const dest = obj(route.destination);
    const dat = p(at, 'destination');
    const svc = str(dest.service) ?? name;
    if (svc !== name) return t.unmapped(p(dat, 'service'), 'routing to another service is not modelled');
    const v =
      dest.serviceSubset !== undefined ? subsets.get(name)?.get(String(dest.serviceSubset)) : undefined;
    const split = v ? { [v]: 100 } : splits.get(name);
    if (dest.serviceSubset !== undefined && v) t.mapped(p(dat, 'serviceSubset'), `routes[].split.${v}`);
    else if (dest.serviceSubset !== undefined)
      t.finding(
        'KIA1107',
        'error',
        p(dat, 'serviceSubset'),
        `subset \`${String(dest.serviceSubset)}\` is not defined by a service-resolver`,
      );
    const rt = t.dur(dest.requestTimeout, p(dat, 'requestTimeout'));
    if (rt !== undefined) t.mapped(p(dat, 'requestTimeout'), 'routes[].timeout');
    retries(d, dest, dat, t);
    for (const k of [
      'prefixRewrite',
      'idleTimeout',
      'requestHeaders',
      'responseHeaders',
      'namespace',
      'partition',
    ])
      if (dest[k] !== undefined) t.unmapped(p(dat, k), 'not modelled');
    if (!split)
      return t.unmapped(
        dat,
        'a destination without subset and no splitter: the neutral split names versions',
      );
    routes.push({
      ...(Object.keys(match).length && { match }),
      split,
      ...(rt !== undefined && { timeout: fmtMs(rt) }),
    });
  });
  // no match ⇒ Consul's implicit default route (splitter / resolver of the same service)
  d.routes = [...routes, ...fallback.filter((r) => !r.match)];
}

function retries(
  d: NeutralDestination,
  dest: Record<string, unknown>,
  at: PathSegment[],
  t: FieldTracker,
): void {
  const n = num(dest.numRetries);
  if (
    n === undefined &&
    dest.retryOn === undefined &&
    dest.retryOnConnectFailure === undefined &&
    dest.retryOnStatusCodes === undefined
  )
    return;
  const { known, unknown } = envoyRetryOn(arr(dest.retryOn).map(String));
  if (dest.retryOnConnectFailure === true) known.push('connect-failure');
  for (const c of arr(dest.retryOnStatusCodes)) known.push(Number(c));
  for (const k of ['numRetries', 'retryOn', 'retryOnConnectFailure', 'retryOnStatusCodes'])
    if (dest[k] !== undefined) t.mapped(p(at, k), `destinations[${d.service}].retries`);
  if (unknown.length) t.approx(p(at, 'retryOn'), `tokens ${unknown.join(', ')} are not modelled`);
  // Consul sets no per-try timeout and no back-off field: Envoy's 25 ms / 250 ms apply
  const out = { ...(n !== undefined && { attempts: n }), retryOn: known };
  if (d.retries && JSON.stringify(d.retries) !== JSON.stringify(out))
    return t.unmapped(at, 'a second, different retry policy: one per destination');
  d.retries = out;
}

function defaults(
  spec: Record<string, unknown>,
  base: PathSegment[],
  t: FieldTracker,
  ctx: ImportContext,
): void {
  if (spec.protocol !== undefined) t.mapped(p(base, 'protocol'), 'HTTP (meshdojo models HTTP/1.1)');
  if (spec.mutualTLSMode !== undefined) {
    const m = String(spec.mutualTLSMode);
    ctx.policy.mtls = m === 'permissive' ? 'permissive' : 'strict';
    t.mapped(p(base, 'mutualTLSMode'), `security.mtls: ${ctx.policy.mtls}`);
  }
  const up = obj(spec.upstreamConfig);
  const each = (cfg: Record<string, unknown>, at: PathSegment[], svc: string) => {
    const d = ctx.policy.dest(svc);
    const limits = obj(cfg.limits);
    const cp: NonNullable<NeutralDestination['connectionPool']> = {};
    const lm: [string, keyof typeof cp][] = [
      ['maxConnections', 'maxConnections'],
      ['maxPendingRequests', 'maxPendingRequests'],
      ['maxConcurrentRequests', 'maxRequests'],
    ];
    for (const [k, n] of lm)
      if (num(limits[k]) !== undefined) {
        cp[n] = num(limits[k])!;
        t.mapped(p(at, 'limits', k), `connectionPool.${n}`);
      }
    if (Object.keys(cp).length) d.connectionPool = cp;
    const ph = obj(cfg.passiveHealthCheck);
    if (cfg.passiveHealthCheck !== undefined) {
      const od: Record<string, number | string> = {};
      if (num(ph.maxFailures) !== undefined) {
        od.consecutive5xxErrors = num(ph.maxFailures)!;
        t.mapped(p(at, 'passiveHealthCheck', 'maxFailures'), 'outlierDetection.consecutive5xxErrors');
      }
      for (const [k, n] of [
        ['interval', 'interval'],
        ['baseEjectionTime', 'baseEjectionTime'],
      ]) {
        const ms = t.dur(ph[k!], p(at, 'passiveHealthCheck', k!));
        if (ms !== undefined) {
          od[n!] = fmtMs(ms);
          t.mapped(p(at, 'passiveHealthCheck', k!), `outlierDetection.${n}`);
        }
      }
      if (num(ph.maxEjectionPercent) !== undefined) {
        od.maxEjectionPercent = num(ph.maxEjectionPercent)!;
        t.mapped(p(at, 'passiveHealthCheck', 'maxEjectionPercent'), 'outlierDetection.maxEjectionPercent');
      }
      d.outlierDetection = od;
    }
    for (const k of Object.keys(cfg).filter((k) => !['limits', 'passiveHealthCheck', 'name'].includes(k)))
      t.unmapped(p(at, k), 'not modelled');
  };
  arr(up.overrides).forEach((x, i) => {
    const o = obj(x);
    if (str(o.name)) {
      t.mapped(
        p(base, 'upstreamConfig', 'overrides', i, 'name'),
        `destinations[${String(o.name)}] (set on the caller, applied to every caller in meshdojo)`,
      );
      each(o, p(base, 'upstreamConfig', 'overrides', i), String(o.name));
    }
  });
  if (up.defaults !== undefined)
    t.unmapped(
      p(base, 'upstreamConfig', 'defaults'),
      'limits for every upstream: write overrides per upstream',
    );
  for (const k of [
    'maxInboundConnections',
    'localConnectTimeoutMs',
    'localRequestTimeoutMs',
    'transparentProxy',
    'meshGateway',
    'expose',
    'destination',
  ])
    if (spec[k] !== undefined) t.unmapped(p(base, k), 'not modelled');
}

function intentions(
  name: string,
  spec: Record<string, unknown>,
  base: PathSegment[],
  t: FieldTracker,
  ctx: ImportContext,
): void {
  const to = str(obj(spec.destination).name) ?? name;
  if (spec.destination !== undefined) t.mapped(p(base, 'destination'), `authorization[].to: ${to}`);
  const rule = ctx.policy.authz(to);
  arr(spec.sources).forEach((x, i) => {
    const s = obj(x);
    const at = p(base, 'sources', i);
    const from = str(s.name) === '*' ? '*' : str(s.name);
    if (!from) return t.unmapped(at, 'a source without a name');
    t.mapped(p(at, 'name'), `from: ${from}`);
    if (str(s.action)) {
      const list = s.action === 'deny' ? 'deny' : 'allow';
      rule[list] = [...(rule[list] ?? []), { from }];
      t.mapped(p(at, 'action'), `${list}[]`);
    }
    arr(s.permissions).forEach((pm, j) => {
      const perm = obj(pm);
      const http = obj(perm.http);
      const list = perm.action === 'deny' ? 'deny' : 'allow';
      const src = {
        from,
        ...(str(http.pathPrefix) && { paths: [`${String(http.pathPrefix).replace(/\/$/, '')}/*`] }),
        ...(str(http.pathExact) && { paths: [String(http.pathExact)] }),
        ...(Array.isArray(http.methods) && { methods: http.methods.map(String) }),
      };
      rule[list] = [...(rule[list] ?? []), src];
      t.mapped(p(at, 'permissions', j), `${list}[] with paths / methods`);
    });
    if (s.description !== undefined) t.mapped(p(at, 'description'), 'informational');
  });
  t.remark(
    p(base, 'sources'),
    'Consul evaluates the most specific intention; the neutral model evaluates deny, then allow (Istio)',
  );
}
