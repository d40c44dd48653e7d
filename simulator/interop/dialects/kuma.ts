/**
 * Kuma 2.x targetRef policies (MeshHTTPRoute, MeshRetry, MeshTimeout, MeshCircuitBreaker,
 * MeshFaultInjection, MeshTrafficPermission, MeshLoadBalancingStrategy, Mesh) and the legacy
 * source/destination ones (TrafficRoute, Retry, Timeout, CircuitBreaker, FaultInjection,
 * TrafficPermission). Semantics: kumahq/kuma-website app/_src/policies/*.md; mesh-semantics §2.3.
 */
import type { PathSegment } from '../../model/errors.ts';
import { p, type DialectImporter, type ImportContext } from '../context.ts';
import { fmtMs, type Match, type NeutralDestination, type NeutralRoute } from '../neutral.ts';
import type { FieldTracker } from '../report.ts';
import { groupOf, type Resource } from '../source.ts';
import { arr, gatewayMatch, istioMatch, num, obj, str } from './common.ts';
import { specificity } from './linkerd.ts';

/** `reviews_default_svc_9080` (kuma.io/service tag) or a MeshService name → `reviews`. */
const kumaService = (v: unknown): string | undefined =>
  typeof v === 'string' && v !== '*' ? v.split('_')[0] : undefined;
const refService = (ref: Record<string, unknown>): string | undefined =>
  ref.kind === 'Mesh' ? '*' : kumaService(ref.name ?? obj(ref.tags)['kuma.io/service']);

const RETRY_ON: Record<string, string> = {
  '5xx': '5xx',
  GatewayError: 'gateway-error',
  Reset: 'reset',
  ConnectFailure: 'connect-failure',
  RefusedStream: 'refused-stream',
  Retriable4xx: 'retriable-4xx',
  all_5xx: '5xx',
  gateway_error: 'gateway-error',
  reset: 'reset',
  connect_failure: 'connect-failure',
  refused_stream: 'refused-stream',
  retriable_4xx: 'retriable-4xx',
};

export const kuma: DialectImporter = {
  name: 'kuma',
  product: { defaults: 'kuma', profile: 'kuma' },
  kindsHelp:
    'MeshHTTPRoute, MeshRetry, MeshTimeout, MeshCircuitBreaker, MeshFaultInjection, MeshTrafficPermission, MeshLoadBalancingStrategy, Mesh and the legacy TrafficRoute, Retry, Timeout, CircuitBreaker, FaultInjection, TrafficPermission',
  reads: (r) => groupOf(r.apiVersion) === 'kuma.io',
  import(resources, ctx) {
    let mtls = false;
    let permissions = false;
    for (const r of resources) {
      const t = ctx.track(r);
      const spec = obj(r.body.spec);
      const legacy = spec.conf !== undefined || spec.sources !== undefined || r.body.mesh !== undefined;
      if (r.body.mesh !== undefined) t.mapped(['mesh'], 'the mesh (one in meshdojo)');
      if (spec.targetRef !== undefined)
        t.mapped(['spec', 'targetRef'], 'the proxies it configures (every caller in meshdojo)');
      switch (r.kind) {
        case 'Mesh':
          mtls = mesh(r, t, ctx) || mtls;
          break;
        case 'MeshHTTPRoute':
          eachTo(r, t, (svc, dflt, at, to) => meshHttpRoute(svc, obj(to), at, t, ctx));
          break;
        case 'MeshRetry':
          eachTo(r, t, (svc, dflt, at) =>
            retry(ctx.policy.dest(svc), obj(dflt.http), p(at, 'http'), t, false),
          );
          break;
        case 'MeshTimeout':
          eachTo(r, t, (svc, dflt, at) => timeout(ctx.policy.dest(svc), dflt, at, t));
          break;
        case 'MeshCircuitBreaker':
          eachTo(r, t, (svc, dflt, at) => breaker(ctx.policy.dest(svc), dflt, at, t, false));
          break;
        case 'MeshLoadBalancingStrategy':
          eachTo(r, t, (svc, dflt, at) =>
            balancer(ctx.policy.dest(svc), obj(dflt.loadBalancer), p(at, 'loadBalancer'), t),
          );
          break;
        case 'MeshFaultInjection':
          meshFault(r, t, ctx);
          break;
        case 'MeshTrafficPermission':
          permissions = true;
          meshPermission(r, t, ctx);
          break;
        case 'TrafficRoute':
        case 'Retry':
        case 'Timeout':
        case 'CircuitBreaker':
        case 'FaultInjection':
        case 'TrafficPermission':
          if (r.kind === 'TrafficPermission') permissions = true;
          legacyPolicy(r, t, ctx);
          break;
        default:
          t.unmapped(['spec'], `${r.kind} is not modelled`);
      }
      void legacy;
      t.done(['mesh']);
    }
    if (mtls && resources[0])
      ctx.report.approximated.push({
        file: resources[0].file,
        ...resources[0].at([]),
        resource: 'Mesh',
        path: 'spec.mtls',
        note: permissions
          ? 'Kuma with mTLS denies every pair no permission allows; the neutral model denies only at services that have allow rules — allow the other pairs too (the Bookinfo fixtures do)'
          : 'Kuma with mTLS and no MeshTrafficPermission denies all traffic; the neutral policy (Istio semantics) allows it',
      });
  },
};

function eachTo(
  r: Resource,
  t: FieldTracker,
  f: (service: string, dflt: Record<string, unknown>, at: PathSegment[], to: unknown) => void,
): void {
  arr(obj(r.body.spec).to).forEach((x, i) => {
    const to = obj(x);
    const svc = refService(obj(to.targetRef));
    const at = p('spec', 'to', i);
    if (!svc || svc === '*')
      return t.unmapped(
        p(at, 'targetRef'),
        'a Mesh-wide `to` (every destination): write one per MeshService',
      );
    t.mapped(p(at, 'targetRef'), `destinations[${svc}]`);
    f(svc, obj(to.default), p(at, 'default'), to);
  });
}

function mesh(r: Resource, t: FieldTracker, ctx: ImportContext): boolean {
  const m = obj(obj(r.body.spec).mtls);
  const enabled = str(m.enabledBackend);
  if (!enabled) return false;
  const backend = arr(m.backends)
    .map(obj)
    .find((b) => b.name === enabled);
  const mode = str(backend?.mode) ?? 'STRICT';
  ctx.policy.mtls = mode === 'PERMISSIVE' ? 'permissive' : 'strict';
  t.mapped(['spec', 'mtls'], `security.mtls: ${ctx.policy.mtls}`);
  return true;
}

function matchOf(m: Record<string, unknown>, at: PathSegment[], t: FieldTracker): NeutralRoute['match'] {
  const out: NonNullable<NeutralRoute['match']> = {};
  if (m.path !== undefined) {
    const pm = gatewayMatch(obj(m.path).type, obj(m.path).value, 'PathPrefix');
    if (pm && pm.prefix !== '/') out.path = pm;
    t.mapped(p(at, 'path'), 'routes[].match.path');
  }
  if (str(m.method)) {
    out.method = { exact: String(m.method) };
    t.mapped(p(at, 'method'), 'routes[].match.method');
  }
  arr(m.headers).forEach((h, k) => {
    const hh = obj(h);
    const type = str(hh.type) ?? 'Exact';
    const hm: Match | undefined =
      type === 'Present'
        ? {}
        : type === 'Prefix'
          ? { prefix: String(hh.value) }
          : gatewayMatch(type, hh.value);
    if (hm && str(hh.name)) {
      out.headers = { ...out.headers, [String(hh.name).toLowerCase()]: hm };
      t.mapped(p(at, 'headers', k), 'routes[].match.headers');
    } else t.unmapped(p(at, 'headers', k), `header match \`${type}\` is not modelled`);
  });
  if (m.queryParams !== undefined) t.unmapped(p(at, 'queryParams'), 'query matching is not modelled');
  return Object.keys(out).length ? out : undefined;
}

function meshHttpRoute(
  svc: string,
  to: Record<string, unknown>,
  at: PathSegment[],
  t: FieldTracker,
  ctx: ImportContext,
): void {
  const d = ctx.policy.dest(svc);
  const flat: { route: NeutralRoute; key: number[]; n: number }[] = [];
  arr(to.rules).forEach((x, i) => {
    const rule = obj(x);
    const rat = p(at.slice(0, -1), 'rules', i);
    const split: Record<string, number> = {};
    arr(obj(rule.default).backendRefs).forEach((b, k) => {
      const ref = obj(b);
      const tags = obj(ref.tags ?? ref.labels);
      const v = str(tags.version);
      if (!v)
        return t.unmapped(
          p(rat, 'default', 'backendRefs', k),
          'a backend without a `version` tag: the neutral split names versions',
        );
      split[v] = (split[v] ?? 0) + (num(ref.weight) ?? 1);
      t.mapped(p(rat, 'default', 'backendRefs', k), `routes[].split.${v}`);
    });
    if (obj(rule.default).filters !== undefined)
      t.unmapped(p(rat, 'default', 'filters'), 'header modifiers, rewrites and mirrors are not modelled');
    if (!Object.keys(split).length) return;
    const matches = arr(rule.matches);
    if (!matches.length) flat.push({ route: { split }, key: specificity(undefined), n: flat.length });
    matches.forEach((m, j) => {
      const match = matchOf(obj(m), p(rat, 'matches', j), t);
      flat.push({ route: match ? { match, split } : { split }, key: specificity(match), n: flat.length });
    });
  });
  flat.sort((a, b) => {
    for (let i = 0; i < a.key.length; i++) if (a.key[i] !== b.key[i]) return b.key[i]! - a.key[i]!;
    return a.n - b.n;
  });
  if (flat.length > 1)
    t.remark(
      p(at.slice(0, -1), 'rules'),
      'Gateway API precedence written as first-match order; Kuma appends a catch-all to the original service',
    );
  if (flat.length) d.routes = flat.map((f) => f.route);
}

function retry(
  d: NeutralDestination,
  http: Record<string, unknown>,
  at: PathSegment[],
  t: FieldTracker,
  legacy: boolean,
): void {
  const out: NonNullable<NeutralDestination['retries']> = {};
  const n = num(http.numRetries);
  // a retry block without numRetries: Envoy's num_retries default, 1 (mesh-semantics §2.3.1)
  if (n === undefined && Object.keys(http).length) {
    out.attempts = 1;
    t.approx(p(at, 'numRetries'), 'no `numRetries`: Envoy retries once (written as attempts: 1)');
  }
  if (n !== undefined) {
    out.attempts = n;
    t.mapped(p(at, 'numRetries'), `destinations[${d.service}].retries.attempts (retries, as Istio)`);
  }
  const ptt = t.dur(http.perTryTimeout, p(at, 'perTryTimeout'));
  if (ptt !== undefined) {
    out.perTryTimeout = fmtMs(ptt);
    t.mapped(p(at, 'perTryTimeout'), 'retries.perTryTimeout');
  }
  const bo = obj(http.backOff);
  const base = t.dur(bo.baseInterval, p(at, 'backOff', 'baseInterval'));
  const max = t.dur(bo.maxInterval, p(at, 'backOff', 'maxInterval'));
  if (base !== undefined) {
    out.backoff = { base: fmtMs(base), ...(max !== undefined && { max: fmtMs(max) }) };
    t.mapped(p(at, 'backOff'), 'retries.backoff');
  }
  if (http.retryOn !== undefined) {
    const on: (string | number)[] = [];
    arr(http.retryOn).forEach((x, i) => {
      const s = String(x);
      if (/^\d{3}$/.test(s)) on.push(Number(s));
      else if (RETRY_ON[s]) on.push(RETRY_ON[s]!);
      else t.unmapped(p(at, 'retryOn', i), `\`${s}\` is not modelled`);
    });
    out.retryOn = on;
    t.mapped(p(at, 'retryOn'), 'retries.retryOn');
  } else if (Object.keys(http).length) {
    // Kuma's own default conditions when retryOn is unset (mesh-semantics §2.3.1)
    out.retryOn = ['gateway-error', 'connect-failure', 'refused-stream'];
  }
  for (const k of legacy ? ['retriableStatusCodes'] : [])
    if (http[k] !== undefined) for (const c of arr(http[k])) (out.retryOn ??= []).push(Number(c));
  if (legacy && http.retriableStatusCodes !== undefined)
    t.mapped(p(at, 'retriableStatusCodes'), 'retries.retryOn status codes');
  if (Object.keys(out).length) d.retries = out;
}

function timeout(
  d: NeutralDestination,
  dflt: Record<string, unknown>,
  at: PathSegment[],
  t: FieldTracker,
): void {
  const rt = t.dur(obj(dflt.http).requestTimeout, p(at, 'http', 'requestTimeout'));
  if (rt !== undefined) {
    d.timeout = fmtMs(rt);
    t.mapped(p(at, 'http', 'requestTimeout'), `destinations[${d.service}].timeout`);
  }
  for (const k of Object.keys(dflt).filter((k) => k !== 'http'))
    t.unmapped(p(at, k), 'connection and idle timeouts are not modelled');
  for (const k of Object.keys(obj(dflt.http)).filter((k) => k !== 'requestTimeout'))
    t.unmapped(p(at, 'http', k), 'stream and idle timeouts are not modelled');
}

function breaker(
  d: NeutralDestination,
  dflt: Record<string, unknown>,
  at: PathSegment[],
  t: FieldTracker,
  legacy: boolean,
): void {
  const limits = obj(legacy ? dflt.thresholds : dflt.connectionLimits);
  const lat = p(at, legacy ? 'thresholds' : 'connectionLimits');
  const cp: NonNullable<NeutralDestination['connectionPool']> = {};
  for (const k of ['maxConnections', 'maxPendingRequests', 'maxRequests', 'maxRetries'] as const) {
    const n = num(limits[k]);
    if (n !== undefined) {
      cp[k] = n;
      t.mapped(p(lat, k), `destinations[${d.service}].connectionPool.${k}`);
    }
  }
  if (Object.keys(cp).length) d.connectionPool = cp;
  const od = legacy ? dflt : obj(dflt.outlierDetection);
  const oat = legacy ? at : p(at, 'outlierDetection');
  if (!legacy && (dflt.outlierDetection === undefined || od.disabled === true)) return;
  const det = obj(od.detectors);
  const out: Record<string, number | string> = {};
  const c5 = num(obj(det[legacy ? 'totalErrors' : 'totalFailures']).consecutive);
  if (c5 !== undefined) {
    out.consecutive5xxErrors = c5;
    t.mapped(
      p(oat, 'detectors', legacy ? 'totalErrors' : 'totalFailures'),
      'outlierDetection.consecutive5xxErrors',
    );
  }
  const cg = num(obj(det[legacy ? 'gatewayErrors' : 'gatewayFailures']).consecutive);
  if (cg !== undefined) {
    out.consecutiveGatewayErrors = cg;
    t.mapped(
      p(oat, 'detectors', legacy ? 'gatewayErrors' : 'gatewayFailures'),
      'outlierDetection.consecutiveGatewayErrors',
    );
  }
  for (const k of Object.keys(det).filter(
    (k) => !['totalErrors', 'totalFailures', 'gatewayErrors', 'gatewayFailures'].includes(k),
  ))
    t.unmapped(p(oat, 'detectors', k), 'not modelled');
  for (const k of ['interval', 'baseEjectionTime']) {
    const ms = t.dur(od[k], p(oat, k));
    if (ms !== undefined) {
      out[k] = fmtMs(ms);
      t.mapped(p(oat, k), `outlierDetection.${k}`);
    }
  }
  if (num(od.maxEjectionPercent) !== undefined) {
    out.maxEjectionPercent = num(od.maxEjectionPercent)!;
    t.mapped(p(oat, 'maxEjectionPercent'), 'outlierDetection.maxEjectionPercent');
  }
  if (num(od.healthyPanicThreshold) !== undefined) {
    out.minHealthPercent = num(od.healthyPanicThreshold)!;
    t.mapped(p(oat, 'healthyPanicThreshold'), 'outlierDetection.minHealthPercent');
  }
  if (od.splitExternalAndLocalErrors !== undefined)
    t.unmapped(p(oat, 'splitExternalAndLocalErrors'), 'local-origin errors always count as 5xx');
  if (!legacy && od.disabled !== undefined) t.mapped(p(oat, 'disabled'), 'outlier detection on');
  // Kuma enforces only the detectors that are present
  if (Object.keys(out).length) d.outlierDetection = out;
}

function balancer(
  d: NeutralDestination,
  lb: Record<string, unknown>,
  at: PathSegment[],
  t: FieldTracker,
): void {
  const type = str(lb.type);
  const alg = type && { RoundRobin: 'round-robin', LeastRequest: 'least-request', Random: 'random' }[type];
  if (alg) {
    d.loadBalancer = alg;
    t.mapped(p(at, 'type'), `destinations[${d.service}].loadBalancer`);
  } else if (type) t.unmapped(p(at, 'type'), `\`${type}\` is not modelled (ring hash takes a header policy)`);
}

function faultEntry(
  d: NeutralDestination,
  f: Record<string, unknown>,
  at: PathSegment[],
  t: FieldTracker,
  valueKey: string,
): void {
  const out: NonNullable<NeutralDestination['faults']> = {};
  const delay = obj(f.delay);
  const ms = t.dur(delay[valueKey], p(at, 'delay', valueKey));
  if (ms !== undefined) {
    out.delay = { percent: num(delay.percentage) ?? 100, fixed: fmtMs(ms) };
    t.approx(
      p(at, 'delay'),
      "delay injected before the caller's router (Istio placement); Kuma injects it on the destination's inbound, inside the caller's per-try timeout",
    );
  }
  const abort = obj(f.abort);
  if (num(abort.httpStatus) !== undefined) {
    out.abort = { percent: num(abort.percentage) ?? 100, status: num(abort.httpStatus)! };
    t.approx(
      p(at, 'abort'),
      "abort on the caller's proxy (never retried there); Kuma aborts at the destination",
    );
  }
  if (f.responseBandwidth !== undefined)
    t.unmapped(p(at, 'responseBandwidth'), 'bandwidth limits are not modelled');
  if (out.delay || out.abort) d.faults = out;
}

function meshFault(r: Resource, t: FieldTracker, ctx: ImportContext): void {
  const spec = obj(r.body.spec);
  const svc = refService(obj(spec.targetRef));
  if (!svc || svc === '*')
    return t.unmapped(['spec', 'targetRef'], 'a mesh-wide fault: target a MeshService');
  const d = ctx.policy.dest(svc);
  arr(spec.from).forEach((x, i) => {
    const from = obj(x);
    t.mapped(['spec', 'from', i, 'targetRef'], 'every caller');
    const list = arr(obj(from.default).http);
    if (list.length > 1)
      t.unmapped(
        ['spec', 'from', i, 'default', 'http', 1],
        'chained fault entries: the neutral model has one',
      );
    if (list[0]) faultEntry(d, obj(list[0]), ['spec', 'from', i, 'default', 'http', 0], t, 'value');
  });
}

function meshPermission(r: Resource, t: FieldTracker, ctx: ImportContext): void {
  const spec = obj(r.body.spec);
  const to = refService(obj(spec.targetRef)) ?? '*';
  const rule = ctx.policy.authz(to);
  arr(spec.from).forEach((x, i) => {
    const from = obj(x);
    const src = refService(obj(from.targetRef));
    const action = str(obj(from.default).action) ?? 'Allow';
    const at = p('spec', 'from', i);
    if (!src) return t.unmapped(p(at, 'targetRef'), 'only Mesh and MeshService sources are modelled');
    const s = src === '*' ? { from: '*' } : { from: src };
    if (action === 'Allow') rule.allow = [...(rule.allow ?? []), s];
    else if (action === 'Deny') rule.deny = [...(rule.deny ?? []), s];
    else return t.unmapped(p(at, 'default', 'action'), `\`${action}\` is not modelled`);
    t.mapped(at, `authorization[${to}].${action === 'Allow' ? 'allow' : 'deny'}: ${s.from}`);
  });
}

function legacyPolicy(r: Resource, t: FieldTracker, ctx: ImportContext): void {
  const spec = obj(r.body.spec);
  const conf = obj(spec.conf);
  const dests = arr(spec.destinations).map((x) => kumaService(obj(obj(x).match)['kuma.io/service']));
  const svc = dests[0];
  const srcs = arr(spec.sources).map((x) => obj(obj(x).match)['kuma.io/service']);
  if (spec.sources !== undefined)
    t.mapped(['spec', 'sources'], srcs.every((s) => s === '*') ? 'every caller' : 'the callers');
  if (spec.destinations !== undefined)
    t.mapped(['spec', 'destinations'], svc ? `destinations[${svc}]` : 'every destination');
  if (r.kind === 'TrafficPermission') {
    const rule = ctx.policy.authz(svc ?? '*');
    rule.allow = [...(rule.allow ?? []), ...srcs.map((s) => ({ from: s === '*' ? '*' : kumaService(s)! }))];
    return;
  }
  if (!svc) return t.unmapped(['spec', 'destinations'], 'a `*` destination: write one policy per service');
  const d = ctx.policy.dest(svc);
  const at: PathSegment[] = ['spec', 'conf'];
  if (r.kind === 'Retry') retry(d, obj(conf.http), p(at, 'http'), t, true);
  else if (r.kind === 'Timeout') timeout(d, conf, at, t);
  else if (r.kind === 'CircuitBreaker') breaker(d, conf, at, t, true);
  else if (r.kind === 'FaultInjection') faultEntry(d, conf, at, t, 'value');
  else if (r.kind === 'TrafficRoute') {
    const splitOf = (list: unknown, sat: PathSegment[]) => {
      const split: Record<string, number> = {};
      arr(list).forEach((x, i) => {
        const s = obj(x);
        const v = str(obj(s.destination).version);
        if (v) {
          split[v] = (split[v] ?? 0) + (num(s.weight) ?? 0);
          t.mapped(p(sat, i), `routes[].split.${v}`);
        } else t.unmapped(p(sat, i), 'a destination without a `version` tag');
      });
      return split;
    };
    const routes: NeutralRoute[] = [];
    arr(conf.http).forEach((x, i) => {
      const h = obj(x);
      const hat = p(at, 'http', i);
      const m = obj(h.match);
      const match: NonNullable<NeutralRoute['match']> = {};
      const path = istioMatch(m.path);
      if (path) {
        match.path = path;
        t.mapped(p(hat, 'match', 'path'), 'routes[].match.path');
      }
      const method = istioMatch(m.method);
      if (method) {
        match.method = method;
        t.mapped(p(hat, 'match', 'method'), 'routes[].match.method');
      }
      for (const [n, v] of Object.entries(obj(m.headers))) {
        const hm = istioMatch(v);
        if (hm) {
          match.headers = { ...match.headers, [n.toLowerCase()]: hm };
          t.mapped(p(hat, 'match', 'headers', n), 'routes[].match.headers');
        }
      }
      const split = splitOf(h.split, p(hat, 'split'));
      if (Object.keys(split).length) routes.push({ ...(Object.keys(match).length && { match }), split });
      if (h.modify !== undefined) t.unmapped(p(hat, 'modify'), 'rewrites are not modelled');
    });
    const split = splitOf(conf.split, p(at, 'split'));
    if (Object.keys(split).length) routes.push({ split });
    if (conf.loadBalancer !== undefined) {
      const lb = Object.keys(obj(conf.loadBalancer))[0];
      const alg = lb && { roundRobin: 'round-robin', leastRequest: 'least-request', random: 'random' }[lb];
      if (alg) {
        d.loadBalancer = alg;
        t.mapped(p(at, 'loadBalancer'), 'loadBalancer');
      } else t.unmapped(p(at, 'loadBalancer'), `\`${lb}\` is not modelled`);
    }
    if (routes.length) d.routes = routes;
  }
}
