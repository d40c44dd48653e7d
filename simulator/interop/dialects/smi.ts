/**
 * SMI v0.6 (archived 2023): TrafficSplit, HTTPRouteGroup, TrafficTarget. SMI has no retries,
 * timeouts, breakers, faults or mTLS switch: those are the implementation's (reported as such).
 * Semantics: servicemeshinterface/smi-spec apis/traffic-split, traffic-specs, traffic-access.
 */
import type { PathSegment } from '../../model/errors.ts';
import { p, type DialectImporter, type ImportContext } from '../context.ts';
import type { NeutralRoute, NeutralSource } from '../neutral.ts';
import type { FieldTracker } from '../report.ts';
import { groupOf, type Resource } from '../source.ts';
import { arr, num, obj, str, versionOfBackend } from './common.ts';

const GROUPS = ['split.smi-spec.io', 'specs.smi-spec.io', 'access.smi-spec.io'];

export const smi: DialectImporter = {
  name: 'smi',
  // SMI has no data plane of its own; Linkerd (linkerd-smi) is the implementation still maintained
  product: { defaults: 'linkerd', profile: 'linkerd' },
  kindsHelp: 'TrafficSplit, HTTPRouteGroup, TrafficTarget',
  reads: (r) => GROUPS.includes(groupOf(r.apiVersion)),
  import(resources, ctx) {
    importSmi(resources, ctx);
  },
};

export type RouteGroups = Map<
  string,
  { matches: Map<string, NonNullable<NeutralRoute['match']> & { methods?: string[] }>; t: FieldTracker }
>;

/** SMI resources (also as Linkerd and Traefik Mesh accept them). TrafficTargets make the target default-deny, as SMI says. */
export function importSmi(
  resources: Resource[],
  ctx: ImportContext,
  done: (t: FieldTracker) => void = (t) => t.done(),
): void {
  const groups: RouteGroups = new Map();
  const rank = (r: Resource) => (r.kind === 'HTTPRouteGroup' ? 0 : r.kind === 'TrafficSplit' ? 1 : 2);
  const trackers: FieldTracker[] = [];
  for (const r of [...resources].sort((a, b) => rank(a) - rank(b))) {
    const t = ctx.track(r);
    trackers.push(t);
    if (r.kind === 'HTTPRouteGroup') routeGroup(r, t, groups);
    else if (r.kind === 'TrafficSplit') trafficSplit(r, t, ctx, groups);
    else if (r.kind === 'TrafficTarget') trafficTarget(r, t, ctx, groups);
    else t.unmapped(['spec'], `${r.kind} (L4 routes) is not modelled: meshdojo routes HTTP`);
  }
  trackers.forEach(done);
}

function routeGroup(r: Resource, t: FieldTracker, groups: RouteGroups): void {
  const matches = new Map<string, NonNullable<NeutralRoute['match']> & { methods?: string[] }>();
  arr(obj(r.body.spec).matches).forEach((x, i) => {
    const m = obj(x);
    const at = p('spec', 'matches', i);
    const out: NonNullable<NeutralRoute['match']> & { methods?: string[] } = {};
    if (str(m.pathRegex)) {
      out.path = { regex: String(m.pathRegex) };
      t.approx(
        p(at, 'pathRegex'),
        'path regex (SMI anchors it at the start only; neutral regexes match the whole path)',
      );
    }
    const methods = arr(m.methods)
      .map(String)
      .filter((x) => x !== '*');
    if (methods.length === 1) out.method = { exact: methods[0]! };
    if (methods.length) out.methods = methods;
    if (m.methods !== undefined) t.mapped(p(at, 'methods'), 'match method');
    // the wire format is a list of single-key maps (smi-sdk-go); the spec prose shows a map
    const hs = Array.isArray(m.headers) ? m.headers.map(obj) : [obj(m.headers)];
    for (const h of hs)
      for (const [name, v] of Object.entries(h))
        out.headers = { ...out.headers, [name.toLowerCase()]: { regex: String(v) } };
    if (m.headers !== undefined) t.mapped(p(at, 'headers'), 'match headers (regex)');
    if (m.name !== undefined) t.mapped(p(at, 'name'), 'the match name rules refer to');
    matches.set(String(m.name ?? i), out);
  });
  groups.set(r.name, { matches, t });
}

/** Fallback routes to the root Service added for header splits; a plain split replaces them. */
const rootFallbacks = new WeakSet<NeutralRoute>();

/** TrafficSplit: `spec.service` (root) → backends `<root>-<version>`; matches → header/path routes. */
export function trafficSplit(r: Resource, t: FieldTracker, ctx: ImportContext, groups?: RouteGroups): void {
  const spec = obj(r.body.spec);
  const service = str(spec.service);
  if (!service) return t.invalid(['spec', 'service'], 'a TrafficSplit needs `service` (the root Service)');
  t.mapped(['spec', 'service'], `destinations[${service}]`);
  const split: Record<string, number> = {};
  arr(spec.backends).forEach((x, i) => {
    const b = obj(x);
    const name = str(b.service) ?? '';
    const v = versionOfBackend(service, name);
    if (!v)
      return t.unmapped(
        ['spec', 'backends', i],
        `backend \`${name}\` is not a per-version Service \`${service}-<version>\``,
      );
    const w = num(b.weight);
    if (w === undefined)
      return t.invalid(['spec', 'backends', i, 'weight'], 'expected a whole-number weight');
    split[v] = (split[v] ?? 0) + w;
    t.approx(['spec', 'backends', i], `Service \`${name}\` = version \`${v}\`, weight ${w} (relative)`);
  });
  const sum = Object.values(split).reduce((a, b) => a + b, 0);
  if (Object.keys(split).length > 1 && sum !== 100)
    t.finding(
      'KIA1104',
      'warning',
      ['spec', 'backends'],
      `backend weights add up to ${sum}, not 100 (SMI normalises them); example: weights 90 and 10`,
    );
  if (!Object.keys(split).length) return;
  const d = ctx.policy.dest(service);
  const routes: NeutralRoute[] = [];
  arr(spec.matches).forEach((x, i) => {
    const ref = obj(x);
    const g = groups?.get(String(ref.name));
    if (!g)
      return t.unmapped(
        ['spec', 'matches', i],
        `HTTPRouteGroup \`${String(ref.name)}\` is not among the manifests`,
      );
    t.mapped(['spec', 'matches', i], 'routes[].match');
    for (const m of g.matches.values()) {
      const { methods: _m, ...match } = m;
      routes.push({ ...(Object.keys(match).length && { match }), split });
    }
  });
  if (routes.length) {
    // Non-matching requests go to the root Service: every version (SMI). The neutral model needs names.
    const versions = [...(ctx.inventory.services.get(service)?.keys() ?? [])];
    const existing = d.routes ?? [];
    const all = versions.length ? Object.fromEntries(versions.map((v) => [v, 1])) : undefined;
    d.routes = [...existing.filter((x) => x.match), ...routes, ...existing.filter((x) => !x.match)];
    if (!existing.some((x) => !x.match) && all) {
      const fallback = { split: all };
      rootFallbacks.add(fallback);
      d.routes.push(fallback);
      t.remark(
        ['spec', 'matches'],
        'requests no match selects go to the root Service (all versions, equal weight per version)',
      );
    }
  } else {
    d.routes = [...(d.routes ?? []).filter((x) => !rootFallbacks.has(x)), { split }];
  }
}

function trafficTarget(r: Resource, t: FieldTracker, ctx: ImportContext, groups: RouteGroups): void {
  const spec = obj(r.body.spec);
  const dest = obj(spec.destination);
  const to = str(dest.name);
  if (!to)
    return t.invalid(
      ['spec', 'destination', 'name'],
      'a TrafficTarget needs `destination.name` (a ServiceAccount)',
    );
  t.mapped(['spec', 'destination'], `authorization[].to: ${to} (service account = service)`);
  const ops: { paths?: string[]; methods?: string[] }[] = [];
  arr(spec.rules).forEach((x, i) => {
    const rule = obj(x);
    const at: PathSegment[] = p('spec', 'rules', i);
    if (rule.kind !== 'HTTPRouteGroup') return t.unmapped(at, 'TCP / UDP rules are not modelled');
    const g = groups.get(String(rule.name));
    if (!g) return t.unmapped(at, `HTTPRouteGroup \`${String(rule.name)}\` is not among the manifests`);
    const names = arr(rule.matches).map(String);
    for (const [name, m] of g.matches) {
      if (names.length && !names.includes(name)) continue;
      const paths = m.path?.regex !== undefined ? [m.path.regex.replace(/\.\*$/, '*')] : undefined;
      ops.push({ ...(paths && { paths }), ...(m.methods && { methods: m.methods }) });
    }
    t.remark(at, 'the route group as paths (`/x.*` → `/x*`) and methods');
    t.mapped(p(at, 'kind'), 'an HTTP route group');
    t.mapped(p(at, 'name'), 'the route group');
    if (rule.matches !== undefined) t.mapped(p(at, 'matches'), 'the matches of the group it names');
  });
  if (!ops.length) ops.push({});
  const sources: NeutralSource[] = [];
  arr(spec.sources).forEach((x, i) => {
    const s = obj(x);
    if (s.kind !== 'ServiceAccount' || !str(s.name))
      return t.unmapped(['spec', 'sources', i], 'only ServiceAccount sources are modelled');
    t.mapped(['spec', 'sources', i], `allow[].from: ${String(s.name)}`);
    for (const op of ops) sources.push({ from: String(s.name), ...op });
  });
  const rule = ctx.policy.authz(to);
  rule.allow = [...(rule.allow ?? []), ...sources];
}
