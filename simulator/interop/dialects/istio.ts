/**
 * Istio (and Anthos Service Mesh, which serves the same APIs): VirtualService, DestinationRule,
 * PeerAuthentication, AuthorizationPolicy → the neutral policy. The neutral model copies Istio,
 * so most fields map one to one; the rest is reported with its reason.
 * Semantics: https://istio.io/latest/docs/reference/config/networking/virtual-service/ and
 * destination-rule/, security/peer_authentication/, security/authorization-policy/.
 */
import type { PathSegment } from '../../model/errors.ts';
import { p, shortHost, versionForLabels, type DialectImporter, type ImportContext } from '../context.ts';
import { fmtMs, type NeutralDestination, type NeutralRoute, type NeutralSource } from '../neutral.ts';
import type { FieldTracker } from '../report.ts';
import { groupOf, type Resource } from '../source.ts';
import { arr, envoyRetryOn, istioMatch, num, obj, str } from './common.ts';

const GROUPS = ['networking.istio.io', 'security.istio.io'];
const KINDS = ['VirtualService', 'DestinationRule', 'PeerAuthentication', 'AuthorizationPolicy'];

/** A route to the whole service (no subset): every version, as without a VirtualService. */
const ALL = '*';

/** subset name → version name, per service (from DestinationRule subsets). */
type Subsets = Map<string, Map<string, { version: string; at: PathSegment[]; res: FieldTracker }>>;

export const istio: DialectImporter = {
  name: 'istio',
  product: { defaults: 'istio', profile: 'istio-sidecar' },
  kindsHelp: 'VirtualService, DestinationRule, PeerAuthentication, AuthorizationPolicy',
  reads: (r) => GROUPS.includes(groupOf(r.apiVersion)) && KINDS.includes(r.kind),
  import(resources, ctx) {
    const subsets: Subsets = new Map();
    const order = (k: string) => (KINDS.indexOf(k) === 0 ? 1 : KINDS.indexOf(k) === 1 ? 0 : KINDS.indexOf(k));
    for (const r of [...resources].sort((a, b) => order(a.kind) - order(b.kind))) {
      const t = ctx.track(r);
      if (r.kind === 'DestinationRule') destinationRule(r, t, ctx, subsets);
      else if (r.kind === 'VirtualService') virtualService(r, t, ctx, subsets);
      else if (r.kind === 'PeerAuthentication') peerAuthentication(r, t, ctx);
      else authorizationPolicy(r, t, ctx);
      t.done();
    }
  },
};

// ───────────────────────────── DestinationRule ─────────────────────────────

function destinationRule(r: Resource, t: FieldTracker, ctx: ImportContext, subsets: Subsets): void {
  const spec = obj(r.body.spec);
  const host = str(spec.host);
  if (!host) {
    t.unmapped(['spec', 'host'], 'a DestinationRule needs `host`');
    return;
  }
  const service = shortHost(host);
  t.mapped(['spec', 'host'], `destinations[${service}]`);
  const map = subsets.get(service) ?? new Map();
  subsets.set(service, map);
  arr(spec.subsets).forEach((s, i) => {
    const sub = obj(s);
    const name = str(sub.name) ?? `subset-${i}`;
    const labels = Object.fromEntries(Object.entries(obj(sub.labels)).map(([k, v]) => [k, String(v)]));
    const at = p('spec', 'subsets', i);
    const fromInventory = versionForLabels(ctx.inventory, service, labels);
    const version = fromInventory ?? labels.version ?? name;
    map.set(name, { version, at, res: t });
    t.mapped(p(at, 'name'), `subset \`${name}\` = version \`${version}\``);
    t.mapped(p(at, 'labels'), `version \`${version}\` (its pods' labels)`);
    if (ctx.inventory.known) {
      const versions = ctx.inventory.services.get(service);
      if (versions && !fromInventory)
        t.finding(
          'KIA0203',
          'warning',
          p(at, 'labels'),
          `subset \`${name}\` labels ${JSON.stringify(labels)} match no version of \`${service}\` (known: ${[...versions.keys()].join(', ')}); example: labels: { version: ${[...versions.keys()][0]} }`,
        );
    }
    if (sub.trafficPolicy !== undefined)
      t.unmapped(
        p(at, 'trafficPolicy'),
        'per-subset traffic policy: the neutral model has one policy per destination',
      );
  });
  if (ctx.inventory.known && !ctx.inventory.services.has(service))
    t.finding(
      'KIA0202',
      'warning',
      ['spec', 'host'],
      `DestinationRule for host \`${host}\`, but no service \`${service}\` exists; example: host: ${[...ctx.inventory.services.keys()][0] ?? 'reviews'}`,
    );
  const d = ctx.policy.dest(service);
  trafficPolicy(obj(spec.trafficPolicy), ['spec', 'trafficPolicy'], t, d);
  if (spec.exportTo !== undefined)
    t.unmapped(['spec', 'exportTo'], 'visibility across namespaces: meshdojo has one namespace');
  if (spec.workloadSelector !== undefined)
    t.unmapped(['spec', 'workloadSelector'], 'applies to every caller in meshdojo');
}

function trafficPolicy(
  tp: Record<string, unknown>,
  at: PathSegment[],
  t: FieldTracker,
  d: NeutralDestination,
): void {
  const pool = obj(tp.connectionPool);
  const tcp = obj(pool.tcp);
  const http = obj(pool.http);
  const cp: NonNullable<NeutralDestination['connectionPool']> = {};
  const poolField = (v: unknown, path: PathSegment[], key: keyof typeof cp) => {
    const n = num(v);
    if (n === undefined) return;
    cp[key] = n;
    t.mapped(path, `destinations[${d.service}].connectionPool.${key}`);
  };
  poolField(tcp.maxConnections, p(at, 'connectionPool', 'tcp', 'maxConnections'), 'maxConnections');
  poolField(
    http.http1MaxPendingRequests,
    p(at, 'connectionPool', 'http', 'http1MaxPendingRequests'),
    'maxPendingRequests',
  );
  poolField(http.http2MaxRequests, p(at, 'connectionPool', 'http', 'http2MaxRequests'), 'maxRequests');
  poolField(http.maxRetries, p(at, 'connectionPool', 'http', 'maxRetries'), 'maxRetries');
  for (const f of Object.keys(tcp).filter((k) => k !== 'maxConnections'))
    t.unmapped(
      p(at, 'connectionPool', 'tcp', f),
      'connection tuning (timeouts, keep-alive) is not modelled: one request per connection',
    );
  for (const f of Object.keys(http).filter(
    (k) => !['http1MaxPendingRequests', 'http2MaxRequests', 'maxRetries'].includes(k),
  ))
    t.unmapped(
      p(at, 'connectionPool', 'http', f),
      'HTTP/2 and connection reuse are not modelled (HTTP/1.1, one request per connection)',
    );
  if (tp.connectionPool !== undefined) d.connectionPool = cp;

  if (tp.outlierDetection !== undefined) {
    const od = obj(tp.outlierDetection);
    const base = p(at, 'outlierDetection');
    const out: Record<string, number | string> = {};
    for (const k of [
      'consecutive5xxErrors',
      'consecutiveGatewayErrors',
      'maxEjectionPercent',
      'minHealthPercent',
    ]) {
      const n = num(od[k]);
      if (n !== undefined) {
        out[k] = n;
        t.mapped(p(base, k), `destinations[${d.service}].outlierDetection.${k}`);
      }
    }
    for (const k of ['interval', 'baseEjectionTime']) {
      const ms = t.dur(od[k], p(base, k));
      if (ms !== undefined) {
        out[k] = fmtMs(ms);
        t.mapped(p(base, k), `destinations[${d.service}].outlierDetection.${k}`);
      }
    }
    if (od.consecutiveErrors !== undefined)
      t.unmapped(
        p(base, 'consecutiveErrors'),
        'deprecated since Istio 1.8; use consecutive5xxErrors / consecutiveGatewayErrors',
      );
    for (const k of ['consecutiveLocalOriginFailures', 'splitExternalLocalOriginErrors'])
      if (od[k] !== undefined)
        t.unmapped(p(base, k), 'local-origin errors always count as 5xx in meshdojo (Envoy non-split mode)');
    d.outlierDetection = out;
  }

  const lb = obj(tp.loadBalancer);
  if (tp.loadBalancer !== undefined) {
    const simple = str(lb.simple);
    const base = p(at, 'loadBalancer');
    if (simple) {
      const alg = {
        ROUND_ROBIN: 'round-robin',
        LEAST_REQUEST: 'least-request',
        LEAST_CONN: 'least-request',
        RANDOM: 'random',
      }[simple];
      if (alg) {
        d.loadBalancer = alg;
        (simple === 'LEAST_CONN' ? t.approx.bind(t) : t.mapped.bind(t))(
          p(base, 'simple'),
          simple === 'LEAST_CONN'
            ? 'least-request (LEAST_CONN is a deprecated alias of it)'
            : `destinations[${d.service}].loadBalancer: ${alg}`,
        );
      } else
        t.unmapped(
          p(base, 'simple'),
          `\`${simple}\` has no neutral equivalent (UNSPECIFIED = the default, PASSTHROUGH is not load balancing)`,
        );
    }
    const ch = obj(lb.consistentHash);
    if (str(ch.httpHeaderName)) {
      d.loadBalancer = { ringHash: { header: String(ch.httpHeaderName) } };
      t.mapped(
        p(base, 'consistentHash', 'httpHeaderName'),
        `destinations[${d.service}].loadBalancer.ringHash.header`,
      );
    }
    for (const k of Object.keys(ch).filter((k) => k !== 'httpHeaderName'))
      t.unmapped(p(base, 'consistentHash', k), 'only header hashing on a ring is modelled');
    for (const k of Object.keys(lb).filter((k) => !['simple', 'consistentHash'].includes(k)))
      t.unmapped(p(base, k), 'locality and warm-up are not modelled (one zone)');
  }
  if (tp.retryBudget !== undefined) {
    const rb = obj(tp.retryBudget);
    const out: Record<string, number | string> = {};
    if (num(rb.percent) !== undefined) {
      out.percent = num(rb.percent)!;
      t.mapped(p(at, 'retryBudget', 'percent'), `destinations[${d.service}].retryBudget.percent`);
    }
    if (num(rb.minRetryConcurrency) !== undefined) {
      out.minRetryConcurrency = num(rb.minRetryConcurrency)!;
      t.mapped(
        p(at, 'retryBudget', 'minRetryConcurrency'),
        `destinations[${d.service}].retryBudget.minRetryConcurrency`,
      );
    }
    if (rb.budgetInterval !== undefined)
      t.unmapped(
        p(at, 'retryBudget', 'budgetInterval'),
        'the Envoy budget counts requests in flight; no interval',
      );
    d.retryBudget = Object.keys(out).length ? out : { percent: 20 };
  }
  if (tp.tls !== undefined)
    t.unmapped(
      p(at, 'tls'),
      'client TLS settings: meshdojo uses auto-mTLS (ISTIO_MUTUAL) whenever both sides have a proxy',
    );
  const ports = arr(tp.portLevelSettings);
  if (ports.length === 1 && at.length === 2) {
    // Istio: a port's settings replace the destination's for that port (no inheritance); a
    // meshdojo service has one port, so one entry is the policy of the whole destination.
    for (const k of ['connectionPool', 'outlierDetection', 'loadBalancer', 'retryBudget'] as const)
      delete d[k];
    const pat = p(at, 'portLevelSettings', 0);
    trafficPolicy(obj(ports[0]), pat, t, d);
    t.approx(
      pat,
      "the one port's settings replace the destination's (Istio: no inheritance): the service has one port",
    );
    if (obj(ports[0]).port !== undefined) t.mapped(p(pat, 'port'), 'the service port');
  } else if (ports.length)
    t.unmapped(p(at, 'portLevelSettings'), 'settings for several ports: meshdojo services have one port');
  if (tp.tunnel !== undefined) t.unmapped(p(at, 'tunnel'), 'tunnelling is not modelled');
  if (tp.proxyProtocol !== undefined) t.unmapped(p(at, 'proxyProtocol'), 'PROXY protocol is not modelled');
}

// ───────────────────────────── VirtualService ─────────────────────────────

function virtualService(r: Resource, t: FieldTracker, ctx: ImportContext, subsets: Subsets): void {
  const spec = obj(r.body.spec);
  const hosts = arr(spec.hosts).map(String);
  if (!hosts.length) {
    t.unmapped(['spec', 'hosts'], 'a VirtualService needs `hosts`');
    return;
  }
  const service = shortHost(hosts[0]!);
  t.mapped(['spec', 'hosts', 0], `destinations[${service}]`);
  hosts
    .slice(1)
    .forEach((_, i) =>
      t.unmapped(['spec', 'hosts', i + 1], 'one destination per VirtualService: write one per host'),
    );
  const gateways = arr(spec.gateways).map(String);
  if (gateways.some((g) => g !== 'mesh'))
    t.unmapped(['spec', 'gateways'], 'ingress gateways: meshdojo routes sidecar (mesh) traffic only');
  else if (spec.gateways !== undefined) t.mapped(['spec', 'gateways'], 'sidecars (mesh)');
  for (const k of ['tcp', 'tls'])
    if (spec[k] !== undefined) t.unmapped(['spec', k], 'L4 routing: meshdojo routes HTTP');
  if (spec.exportTo !== undefined)
    t.unmapped(['spec', 'exportTo'], 'visibility across namespaces: meshdojo has one namespace');
  const d = ctx.policy.dest(service);
  const known = subsets.get(service);
  const routes: (NeutralRoute & { fault?: { f: Record<string, unknown>; at: PathSegment[] } })[] = [];
  arr(spec.http).forEach((h, i) => {
    const rule = obj(h);
    const at = p('spec', 'http', i);
    const split = routeSplit(rule, at, t, ctx, service, known);
    const timeoutMs = t.dur(rule.timeout, p(at, 'timeout'));
    if (timeoutMs !== undefined) t.mapped(p(at, 'timeout'), `destinations[${service}].routes[].timeout`);
    const matches = arr(rule.match).map((m, j) => routeMatch(obj(m), p(at, 'match', j), t));
    if (rule.retries !== undefined) retries(obj(rule.retries), p(at, 'retries'), t, d);
    for (const k of Object.keys(rule).filter(
      (k) => !['match', 'route', 'timeout', 'retries', 'fault', 'name'].includes(k),
    ))
      t.unmapped(p(at, k), `\`${k}\` (rewrites, redirects, mirrors, headers, CORS) is not modelled`);
    if (rule.name !== undefined) t.mapped(p(at, 'name'), 'informational');
    if (!split) return;
    const faulted = rule.fault !== undefined ? { fault: { f: obj(rule.fault), at: p(at, 'fault') } } : {};
    const base: NeutralRoute = { split, ...(timeoutMs !== undefined && { timeout: fmtMs(timeoutMs) }) };
    // Istio ORs the entries of `match`: one neutral route per entry, in order, is the same first-match.
    if (matches.length === 0) routes.push({ ...base, ...faulted });
    for (const m of matches) routes.push(m ? { match: m, ...base, ...faulted } : { ...base, ...faulted });
  });
  faultsOf(routes, t, d);
  const clean = routes.map(({ fault: _f, ...r }) => r);
  if (clean.every((r) => Object.keys(r.split).length === 1 && r.split[ALL] !== undefined && !r.match)) {
    // only whole-service routes: no routing at all (what no VirtualService does); their timeout is the destination's
    const tm = clean[0]?.timeout;
    if (tm !== undefined && clean.every((r) => r.timeout === tm)) d.timeout = tm;
    return;
  }
  if (clean.some((r) => r.split[ALL] !== undefined)) {
    t.unmapped(
      ['spec', 'http'],
      'a route to the whole service beside routes to subsets: the neutral split names versions',
    );
    return;
  }
  if (clean.length) d.routes = clean;
}

type FaultedRoute = NeutralRoute & { fault?: { f: Record<string, unknown>; at: PathSegment[] } };
const sameTarget = (a: NeutralRoute, b: NeutralRoute) =>
  JSON.stringify(a.split) === JSON.stringify(b.split) && a.timeout === b.timeout;
const within = (outer: NeutralRoute['match'], inner: NeutralRoute['match']) =>
  JSON.stringify(outer?.path) === JSON.stringify(inner?.path) &&
  JSON.stringify(outer?.method) === JSON.stringify(inner?.method) &&
  Object.entries(inner?.headers ?? {}).every(
    ([k, v]) => JSON.stringify(outer?.headers?.[k]) === JSON.stringify(v),
  );

/**
 * Istio faults live on rules; the neutral fault is one per destination with a header match. A
 * faulted rule followed by a rule to the same place whose match it narrows is that header match
 * (and routes nothing of its own: it is dropped); a fault on every rule has no match of its own.
 */
function faultsOf(routes: FaultedRoute[], t: FieldTracker, d: NeutralDestination): void {
  const faulted = routes.filter((r) => r.fault);
  if (!faulted.length) return;
  const same = (a: FaultedRoute, b: FaultedRoute) =>
    JSON.stringify(a.fault!.f) === JSON.stringify(b.fault!.f);
  if (faulted.length === routes.length && faulted.every((r) => same(r, faulted[0]!))) {
    fault(faulted[0]!.fault!.f, faulted[0]!.fault!.at, t, d, undefined);
    faulted.slice(1).forEach((r) => t.mapped(r.fault!.at, 'the same fault on every rule'));
    return;
  }
  for (let i = 0; i < routes.length; i++) {
    const a = routes[i]!;
    if (!a.fault) continue;
    const b = routes[i + 1];
    if (b && !b.fault && sameTarget(a, b) && within(a.match, b.match)) {
      const extra = Object.fromEntries(
        Object.entries(a.match?.headers ?? {}).filter(([k]) => !(k in (b.match?.headers ?? {}))),
      );
      fault(a.fault.f, a.fault.at, t, d, { headers: extra });
      routes.splice(i, 1);
      i--;
    } else {
      fault(a.fault.f, a.fault.at, t, d, a.match);
      delete a.fault;
    }
  }
}

function routeSplit(
  rule: Record<string, unknown>,
  at: PathSegment[],
  t: FieldTracker,
  ctx: ImportContext,
  service: string,
  known: Map<string, { version: string }> | undefined,
): Record<string, number> | undefined {
  const dests = arr(rule.route);
  if (!dests.length) {
    if (rule.fault === undefined)
      t.unmapped(p(at, 'route'), 'a rule without `route` (redirect / direct response) is not modelled');
    return undefined;
  }
  const split: Record<string, number> = {};
  let ok = true;
  dests.forEach((x, k) => {
    const rd = obj(x);
    const dest = obj(rd.destination);
    const dat = p(at, 'route', k);
    const host = str(dest.host);
    if (!host || shortHost(host) !== service) {
      t.unmapped(
        p(dat, 'destination', 'host'),
        `routing to another service (\`${host}\`) is not modelled: a route picks a version of \`${service}\``,
      );
      ok = false;
      return;
    }
    t.mapped(p(dat, 'destination', 'host'), `destinations[${service}]`);
    const subset = str(dest.subset);
    const weight = num(rd.weight) ?? (dests.length === 1 ? 100 : 0);
    if (rd.weight !== undefined) t.mapped(p(dat, 'weight'), 'routes[].split weight (relative, as Istio)');
    if (dest.port !== undefined) t.unmapped(p(dat, 'destination', 'port'), 'meshdojo services have one port');
    for (const k of ['headers'])
      if (rd[k] !== undefined) t.unmapped(p(dat, k), 'header manipulation is not modelled');
    if (!subset) {
      // the whole service (every version): kept as a marker, resolved once all rules are read
      split[ALL] = (split[ALL] ?? 0) + weight;
      t.mapped(p(dat, 'destination'), 'the whole service (every version)');
      return;
    }
    const s = known?.get(subset);
    if (!s) {
      t.finding(
        'KIA1107',
        'error',
        p(dat, 'destination', 'subset'),
        `subset \`${subset}\` is not defined by any DestinationRule for \`${service}\` (Envoy answers 503 NR/UH); example: subsets: [{ name: ${subset}, labels: { version: ${subset} } }]`,
      );
      t.approx(
        p(dat, 'destination', 'subset'),
        `no DestinationRule defines \`${subset}\`: read as version \`${subset}\``,
      );
    } else t.mapped(p(dat, 'destination', 'subset'), `routes[].split.${s.version}`);
    const v = s?.version ?? subset;
    split[v] = (split[v] ?? 0) + weight;
  });
  if (!ok) return undefined;
  const sum = Object.values(split).reduce((a, b) => a + b, 0);
  if (dests.length > 1 && sum !== 100)
    t.finding(
      'KIA1104',
      'warning',
      p(at, 'route'),
      `route weights add up to ${sum}, not 100 (Istio normalises them: weight / Σ); example: weights 90 and 10`,
    );
  if (sum === 0) {
    t.unmapped(p(at, 'route'), 'every weight is 0: no traffic would be routed');
    return undefined;
  }
  return split;
}

function routeMatch(m: Record<string, unknown>, at: PathSegment[], t: FieldTracker): NeutralRoute['match'] {
  const out: NonNullable<NeutralRoute['match']> = {};
  const uri = istioMatch(m.uri);
  if (uri) {
    out.path = uri;
    t.mapped(p(at, 'uri'), 'routes[].match.path');
  }
  const method = istioMatch(m.method);
  if (method) {
    out.method = method;
    t.mapped(p(at, 'method'), 'routes[].match.method');
  }
  const headers = obj(m.headers);
  for (const [name, v] of Object.entries(headers)) {
    const hm = istioMatch(v);
    if (hm) {
      out.headers = { ...out.headers, [name.toLowerCase()]: hm };
      t.mapped(p(at, 'headers', name), `routes[].match.headers.${name.toLowerCase()}`);
    } else t.unmapped(p(at, 'headers', name), 'expected `exact`, `prefix` or `regex`');
  }
  for (const k of Object.keys(m).filter((k) => !['uri', 'method', 'headers', 'name'].includes(k)))
    t.unmapped(
      p(at, k),
      k === 'sourceLabels' || k === 'sourceNamespace' || k === 'gateways'
        ? 'selects which proxies get the rule: meshdojo applies rules to every caller'
        : `matching on \`${k}\` is not modelled`,
    );
  return Object.keys(out).length ? out : undefined;
}

function retries(
  r: Record<string, unknown>,
  at: PathSegment[],
  t: FieldTracker,
  d: NeutralDestination,
): void {
  const out: NonNullable<NeutralDestination['retries']> = {};
  const attempts = num(r.attempts);
  if (attempts !== undefined) {
    out.attempts = attempts;
    t.mapped(p(at, 'attempts'), `destinations[${d.service}].retries.attempts (retries, as Istio)`);
  }
  const ptt = t.dur(r.perTryTimeout, p(at, 'perTryTimeout'));
  if (ptt !== undefined) {
    out.perTryTimeout = fmtMs(ptt);
    t.mapped(p(at, 'perTryTimeout'), `destinations[${d.service}].retries.perTryTimeout`);
  }
  if (typeof r.retryOn === 'string') {
    const { known, unknown } = envoyRetryOn(r.retryOn.split(','));
    out.retryOn = known;
    if (unknown.length)
      t.approx(
        p(at, 'retryOn'),
        `tokens ${unknown.map((u) => `\`${u}\``).join(', ')} are not modelled and are left out (meshdojo's outcomes never produce them)`,
      );
    else t.mapped(p(at, 'retryOn'), `destinations[${d.service}].retries.retryOn`);
  }
  const backoff = t.dur(r.backoff, p(at, 'backoff'));
  if (backoff !== undefined) {
    out.backoff = fmtMs(backoff);
    t.mapped(p(at, 'backoff'), `destinations[${d.service}].retries.backoff (base)`);
  }
  if (r.retryIgnorePreviousHosts !== undefined) {
    out.otherHost = r.retryIgnorePreviousHosts !== false;
    t.mapped(p(at, 'retryIgnorePreviousHosts'), `destinations[${d.service}].retries.otherHost`);
  }
  if (r.retryRemoteLocalities !== undefined)
    t.unmapped(p(at, 'retryRemoteLocalities'), 'one locality in meshdojo');
  if (d.retries && JSON.stringify(d.retries) !== JSON.stringify(out)) {
    t.unmapped(
      at,
      `a second, different retry policy for \`${d.service}\`: the neutral model has one per destination (the first rule's is kept)`,
    );
    return;
  }
  d.retries = out;
}

function fault(
  f: Record<string, unknown>,
  at: PathSegment[],
  t: FieldTracker,
  d: NeutralDestination,
  m: NeutralRoute['match'],
): void {
  const out: NonNullable<NeutralDestination['faults']> = {};
  const pct = (x: Record<string, unknown>, base: PathSegment[]) => {
    if (x.percentage !== undefined) {
      t.mapped(p(base, 'percentage'), 'faults percent');
      return num(obj(x.percentage).value) ?? 0;
    }
    if (x.percent !== undefined) {
      t.approx(p(base, 'percent'), 'deprecated integer `percent`, read as the percentage');
      return num(x.percent) ?? 0;
    }
    t.approx(p(base, 'percentage'), 'no `percentage`: Istio injects nothing (percent 0)');
    return 0;
  };
  if (f.delay !== undefined) {
    const dl = obj(f.delay);
    const ms = t.dur(dl.fixedDelay, p(at, 'delay', 'fixedDelay'));
    if (ms !== undefined) {
      out.delay = { percent: pct(dl, p(at, 'delay')), fixed: fmtMs(ms) };
      t.mapped(p(at, 'delay', 'fixedDelay'), `destinations[${d.service}].faults.delay.fixed`);
    }
    if (dl.exponentialDelay !== undefined)
      t.unmapped(p(at, 'delay', 'exponentialDelay'), 'not implemented by Istio either');
  }
  if (f.abort !== undefined) {
    const ab = obj(f.abort);
    const status = num(ab.httpStatus);
    if (status !== undefined) {
      out.abort = { percent: pct(ab, p(at, 'abort')), status };
      t.mapped(p(at, 'abort', 'httpStatus'), `destinations[${d.service}].faults.abort.status`);
    }
    for (const k of ['grpcStatus', 'http2Error'])
      if (ab[k] !== undefined) t.unmapped(p(at, 'abort', k), 'meshdojo aborts with an HTTP status');
  }
  if (!out.delay && !out.abort) return;
  if (m?.headers && Object.keys(m.headers).length) out.match = { headers: m.headers };
  if (m && (m.path || m.method))
    t.remark(
      at,
      'the fault applies to the header match of the rule only (neutral faults match headers, not paths or methods)',
    );
  if (d.faults) {
    t.unmapped(
      at,
      `a second fault for \`${d.service}\`: the neutral model has one per destination (the first is kept)`,
    );
    return;
  }
  d.faults = out;
}

// ───────────────────────────── security ─────────────────────────────

function peerAuthentication(r: Resource, t: FieldTracker, ctx: ImportContext): void {
  const spec = obj(r.body.spec);
  const mode = str(obj(spec.mtls).mode);
  if (spec.selector !== undefined) {
    t.unmapped(['spec'], 'a workload-level PeerAuthentication: meshdojo has one mesh-wide mTLS mode');
    return;
  }
  if (spec.portLevelMtls !== undefined)
    t.unmapped(['spec', 'portLevelMtls'], 'meshdojo services have one port');
  const neutral =
    mode === 'STRICT'
      ? 'strict'
      : mode === 'PERMISSIVE'
        ? 'permissive'
        : mode === 'DISABLE'
          ? 'disable'
          : undefined;
  if (!neutral) {
    t.mapped(['spec', 'mtls'], 'UNSET: inherits the default (permissive)');
    return;
  }
  ctx.policy.mtls = neutral;
  if (r.namespace === 'istio-system') t.mapped(['spec', 'mtls', 'mode'], `security.mtls: ${neutral}`);
  else
    t.approx(
      ['spec', 'mtls', 'mode'],
      `namespace \`${r.namespace}\` policy read as mesh-wide security.mtls: ${neutral} (meshdojo has one namespace)`,
    );
}

/** `cluster.local/ns/default/sa/reviews` → `reviews` (meshdojo runs service X as account X in `default`). */
export function principalToService(principal: string): string {
  const m = /^(?:spiffe:\/\/)?[^/]+\/ns\/default\/sa\/([^/]+)$/.exec(principal);
  return m ? m[1]! : principal;
}

function authorizationPolicy(r: Resource, t: FieldTracker, ctx: ImportContext): void {
  const spec = obj(r.body.spec);
  const action = str(spec.action) ?? 'ALLOW';
  if (action !== 'ALLOW' && action !== 'DENY') {
    t.unmapped(['spec', 'action'], `\`${action}\`: only ALLOW and DENY are modelled`);
    return;
  }
  if (spec.action !== undefined) t.mapped(['spec', 'action'], action === 'ALLOW' ? 'allow[]' : 'deny[]');
  let to = '*';
  const app = str(obj(obj(spec.selector).matchLabels).app);
  if (app) {
    to = app;
    t.mapped(['spec', 'selector', 'matchLabels', 'app'], `authorization[].to: ${app}`);
  } else if (spec.selector !== undefined)
    t.unmapped(['spec', 'selector'], 'only `matchLabels.app` selects a service');
  const refs = [...arr(spec.targetRefs), ...(spec.targetRef ? [spec.targetRef] : [])].map(obj);
  if (refs.length) {
    const svc = refs.find((x) => x.kind === 'Service');
    if (svc && str(svc.name)) {
      to = svc.name as string;
      t.mapped(
        [spec.targetRef ? 'spec' : 'spec', spec.targetRef ? 'targetRef' : 'targetRefs'],
        `authorization[].to: ${to}`,
      );
    } else
      t.unmapped(['spec', spec.targetRef ? 'targetRef' : 'targetRefs'], 'only a Service target is modelled');
  }
  if (!app && !refs.length && r.namespace !== 'istio-system' && r.namespace !== 'default')
    t.approx(['metadata', 'namespace'], `a namespace-wide policy of \`${r.namespace}\` read as mesh-wide`);
  const rules = arr(spec.rules);
  if (spec.rules === undefined && action === 'ALLOW') {
    t.unmapped(
      ['spec'],
      'an ALLOW policy without rules denies everything: not expressible (neutral allow lists admit someone)',
    );
    return;
  }
  const sources: NeutralSource[] = [];
  rules.forEach((x, i) => {
    const rule = obj(x);
    const at = p('spec', 'rules', i);
    const ops: { paths?: string[]; methods?: string[] }[] = [];
    arr(rule.to).forEach((o, j) => {
      const op = obj(obj(o).operation);
      const oat = p(at, 'to', j, 'operation');
      const one: { paths?: string[]; methods?: string[] } = {};
      if (Array.isArray(op.paths)) {
        one.paths = op.paths.map(String);
        t.mapped(p(oat, 'paths'), 'paths');
      }
      if (Array.isArray(op.methods)) {
        one.methods = op.methods.map(String);
        t.mapped(p(oat, 'methods'), 'methods');
      }
      for (const k of Object.keys(op).filter((k) => k !== 'paths' && k !== 'methods'))
        t.unmapped(p(oat, k), `\`${k}\` is not matched by meshdojo's authorization`);
      ops.push(one);
    });
    if (!ops.length) ops.push({});
    const froms: (string | undefined)[] = [];
    arr(rule.from).forEach((f, j) => {
      const src = obj(obj(f).source);
      const fat = p(at, 'from', j, 'source');
      for (const pr of arr(src.principals).map(String)) froms.push(principalToService(pr));
      if (src.principals !== undefined) t.mapped(p(fat, 'principals'), 'from (service account = service)');
      for (const sa of arr(src.serviceAccounts).map(String))
        froms.push(sa.startsWith('default/') ? sa.slice(8) : sa);
      if (src.serviceAccounts !== undefined) t.mapped(p(fat, 'serviceAccounts'), 'from');
      if (src.namespaces !== undefined) {
        const ns = arr(src.namespaces).map(String);
        if (ns.length === 1 && ns[0] === 'default') {
          froms.push('*');
          t.approx(p(fat, 'namespaces'), 'namespace `default` = every authenticated service (`*`)');
        } else t.unmapped(p(fat, 'namespaces'), 'meshdojo has one namespace');
      }
      for (const k of Object.keys(src).filter(
        (k) => !['principals', 'serviceAccounts', 'namespaces'].includes(k),
      ))
        t.unmapped(p(fat, k), `\`${k}\` is not matched by meshdojo's authorization`);
    });
    if (!arr(rule.from).length) froms.push(undefined);
    if (rule.when !== undefined) t.unmapped(p(at, 'when'), 'conditions are not matched by meshdojo');
    for (const f of froms) for (const op of ops) sources.push({ ...(f !== undefined && { from: f }), ...op });
  });
  const rule = ctx.policy.authz(to);
  if (action === 'ALLOW') rule.allow = [...(rule.allow ?? []), ...sources];
  else rule.deny = [...(rule.deny ?? []), ...sources];
}
