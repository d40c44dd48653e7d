/**
 * Workload identity, mTLS mode and authorization, with Istio semantics (PeerAuthentication +
 * AuthorizationPolicy), enforced on the **callee's** side.
 *
 * Identity: every service runs as the Kubernetes service account of its own name in namespace
 * `default`, so its SPIFFE id is `spiffe://cluster.local/ns/default/sa/<service>`. A caller
 * presents that identity only over mTLS; a plaintext caller has none (`undefined`).
 *
 * mTLS modes (meshdojo's `MtlsMode`, Istio PeerAuthentication):
 * - `strict`: the callee's proxy accepts mTLS only; a plaintext caller (no proxy, the load
 *   generator, a service with `inMesh: false`) is refused at the TLS handshake — cause `mtls`.
 * - `permissive` (Istio's default): both are accepted; with auto-mTLS a caller's proxy sends mTLS
 *   whenever the callee has a proxy.
 * - `disable`: proxies send and accept plaintext only, so no caller has an identity and rules that
 *   name a source never match. (Istio ambient ignores DISABLE — ztunnel always uses mTLS; the
 *   driver passes `permissive` for ambient data planes.)
 *
 * Authorization (Istio AuthorizationPolicy evaluation, mesh-semantics.md §2.1): for the target
 * service, (1) any matching DENY entry ⇒ 403; (2) no ALLOW entry targets the service ⇒ allow;
 * (3) a matching ALLOW entry ⇒ allow; (4) otherwise ⇒ 403 (default deny once an ALLOW exists).
 * HTTP denial is 403 `RBAC: access denied`, cause `denied`.
 *
 * Matching of one `AuthzSource` (its fields are AND-ed; an absent field matches anything; the
 * entries of a list are OR-ed):
 * - `from`: a service name (`reviews`), a SPIFFE id (`spiffe://cluster.local/ns/default/sa/reviews`)
 *   or an Istio principal (`cluster.local/ns/default/sa/reviews`); `*` = any authenticated caller;
 *   a leading or trailing `*` is a suffix / prefix wildcard, as Istio principals. A plaintext caller
 *   matches no `from` (to deny plaintext callers use strict mTLS).
 * - `paths`: Istio operation paths — exact, `/prefix/*`, `*suffix`, or `*`.
 * - `methods`: exact, case-sensitive (`GET`), or `*`.
 * - `to: '*'` makes an entry apply to every service (Istio's root-namespace policy).
 *
 * L4-only enforcement (istio-ambient without a waypoint): ztunnel cannot see paths or methods;
 * istio.io "Use Layer 4 security policy" (1.22): when a policy needs processing beyond L4 and the
 * destination has no waypoint, ztunnel drops all its traffic. `check(..., l7 = false)` therefore
 * denies every request to a target that has an entry with `paths` or `methods`.
 *
 * Hot path: `check()` returns shared, frozen result objects built at construction.
 */
import type { AuthzRuleSpec, AuthzSource, MtlsMode } from '../model/types.ts';
import type { RequestInfo } from './types.ts';

export const TRUST_DOMAIN = 'cluster.local';
export const NAMESPACE = 'default';
const SPIFFE_PREFIX = `spiffe://${TRUST_DOMAIN}/ns/${NAMESPACE}/sa/`;

const idCache = new Map<string, string>();

/** The SPIFFE id of a service's workloads (cached: no allocation after the first call). */
export function spiffeId(service: string): string {
  let id = idCache.get(service);
  if (id === undefined) {
    id = SPIFFE_PREFIX + service;
    idCache.set(service, id);
  }
  return id;
}

/**
 * The identity a caller presents to a callee, or `undefined` for plaintext. mTLS happens only
 * between two proxies (auto-mTLS) and never in `disable` mode.
 */
export function peerIdentity(
  mode: MtlsMode,
  source: string,
  callerHasProxy: boolean,
  calleeHasProxy: boolean,
): string | undefined {
  return mode !== 'disable' && callerHasProxy && calleeHasProxy ? spiffeId(source) : undefined;
}

export type AuthzCause = 'denied' | 'mtls';

export interface AuthzResult {
  readonly allowed: boolean;
  readonly cause?: AuthzCause;
  /** Which entry decided (`authorization[2].deny[0]`), `default-deny`, or `mtls:strict`. */
  readonly rule?: string;
}

/** Allowed because no policy restricts the target. */
export const ALLOWED: AuthzResult = Object.freeze({ allowed: true });
/** Plaintext caller refused by strict mTLS. */
export const MTLS_REFUSED: AuthzResult = Object.freeze({
  allowed: false,
  cause: 'mtls',
  rule: 'mtls:strict',
});
/** ALLOW entries target the service and none matched. */
export const DEFAULT_DENIED: AuthzResult = Object.freeze({
  allowed: false,
  cause: 'denied',
  rule: 'default-deny',
});
/** An L7 rule on a target enforced by an L4-only proxy. */
export const L7_WITHOUT_WAYPOINT: AuthzResult = Object.freeze({
  allowed: false,
  cause: 'denied',
  rule: 'l7-policy-without-waypoint',
});

// ───────────────────────────── patterns ─────────────────────────────

// Plain constants rather than an enum: the sources stay erasable-syntax TypeScript.
const ANY = 0;
const EXACT = 1;
const PREFIX = 2;
const SUFFIX = 3;
type PatternKind = typeof ANY | typeof EXACT | typeof PREFIX | typeof SUFFIX;

interface Pattern {
  readonly kind: PatternKind;
  readonly value: string;
}

/** Istio's string form: `*`, `prefix*`, `*suffix`, or exact. */
function pattern(s: string): Pattern {
  if (s === '*') return { kind: ANY, value: '' };
  if (s.endsWith('*')) return { kind: PREFIX, value: s.slice(0, -1) };
  if (s.startsWith('*')) return { kind: SUFFIX, value: s.slice(1) };
  return { kind: EXACT, value: s };
}

function matchPattern(p: Pattern, v: string): boolean {
  switch (p.kind) {
    case ANY:
      return true;
    case EXACT:
      return v === p.value;
    case PREFIX:
      return v.startsWith(p.value);
    case SUFFIX:
      return v.endsWith(p.value);
  }
}

function matchAny(ps: readonly Pattern[] | undefined, v: string): boolean {
  if (ps === undefined) return true;
  for (let i = 0; i < ps.length; i++) if (matchPattern(ps[i], v)) return true;
  return false;
}

/** `from` → a pattern over SPIFFE ids. */
function sourcePattern(from: string): Pattern {
  if (from === '*') return pattern('*');
  if (from.startsWith('spiffe://')) return pattern(from);
  if (from.includes('/')) {
    // Istio principal `cluster.local/ns/default/sa/x` (wildcards keep their side).
    return from.startsWith('*') ? pattern(from) : pattern(`spiffe://${from}`);
  }
  // A service name (`reviews`, `review*`, `*s`).
  if (from.startsWith('*') && from.length > 1) return pattern(from);
  return pattern(SPIFFE_PREFIX + from);
}

interface CompiledSource {
  readonly from: Pattern | undefined;
  readonly paths: readonly Pattern[] | undefined;
  readonly methods: readonly Pattern[] | undefined;
  readonly hasL7: boolean;
  readonly result: AuthzResult;
}

function compileSource(s: AuthzSource, result: AuthzResult): CompiledSource {
  const paths = s.paths !== undefined && s.paths.length > 0 ? s.paths.map(pattern) : undefined;
  const methods = s.methods !== undefined && s.methods.length > 0 ? s.methods.map(pattern) : undefined;
  return {
    from: s.from === undefined ? undefined : sourcePattern(s.from),
    paths,
    methods,
    hasL7: paths !== undefined || methods !== undefined,
    result,
  };
}

function sourceMatches(c: CompiledSource, identity: string | undefined, req: RequestInfo): boolean {
  if (c.from !== undefined && (identity === undefined || !matchPattern(c.from, identity))) return false;
  if (c.paths !== undefined && !matchAny(c.paths, req.path)) return false;
  if (c.methods !== undefined && !matchAny(c.methods, req.method)) return false;
  return true;
}

interface CompiledTarget {
  readonly deny: readonly CompiledSource[];
  readonly allow: readonly CompiledSource[];
  readonly hasL7: boolean;
}

// ───────────────────────────── authorizer ─────────────────────────────

export class Authorizer {
  readonly mtls: MtlsMode;
  private readonly targets = new Map<string, CompiledTarget>();
  private readonly wildcardOnly: CompiledTarget;

  constructor(rules: readonly AuthzRuleSpec[], mtls: MtlsMode) {
    this.mtls = mtls;
    const deny = new Map<string, CompiledSource[]>();
    const allow = new Map<string, CompiledSource[]>();
    const order: string[] = [];
    const bucket = (m: Map<string, CompiledSource[]>, to: string): CompiledSource[] => {
      let list = m.get(to);
      if (list === undefined) {
        list = [];
        m.set(to, list);
      }
      return list;
    };
    rules.forEach((rule, r) => {
      if (!order.includes(rule.to)) order.push(rule.to);
      rule.deny.forEach((s, i) =>
        bucket(deny, rule.to).push(
          compileSource(
            s,
            Object.freeze({ allowed: false, cause: 'denied', rule: `authorization[${r}].deny[${i}]` }),
          ),
        ),
      );
      rule.allow.forEach((s, i) =>
        bucket(allow, rule.to).push(
          compileSource(s, Object.freeze({ allowed: true, rule: `authorization[${r}].allow[${i}]` })),
        ),
      );
    });
    const build = (to: string): CompiledTarget => {
      // Mesh-wide ('*') entries first, then the target's own; both in document order.
      const d = to === '*' ? (deny.get('*') ?? []) : [...(deny.get('*') ?? []), ...(deny.get(to) ?? [])];
      const a = to === '*' ? (allow.get('*') ?? []) : [...(allow.get('*') ?? []), ...(allow.get(to) ?? [])];
      return { deny: d, allow: a, hasL7: d.some((s) => s.hasL7) || a.some((s) => s.hasL7) };
    };
    this.wildcardOnly = build('*');
    for (const to of order) if (to !== '*') this.targets.set(to, build(to));
  }

  /** Whether any ALLOW or DENY entry applies to `target`. */
  hasPolicies(target: string): boolean {
    const t = this.targets.get(target) ?? this.wildcardOnly;
    return t.deny.length > 0 || t.allow.length > 0;
  }

  /**
   * Admit or refuse one request at the callee's proxy.
   * @param sourceIdentity the caller's SPIFFE id, or `undefined` for a plaintext caller.
   * @param l7 whether the enforcing proxy sees HTTP (false for ztunnel-only ambient).
   */
  check(sourceIdentity: string | undefined, target: string, req: RequestInfo, l7 = true): AuthzResult {
    const mode = this.mtls;
    if (mode === 'strict' && sourceIdentity === undefined) return MTLS_REFUSED;
    const identity = mode === 'disable' ? undefined : sourceIdentity;
    const t = this.targets.get(target) ?? this.wildcardOnly;
    if (!l7 && t.hasL7) return L7_WITHOUT_WAYPOINT;
    const deny = t.deny;
    for (let i = 0; i < deny.length; i++) if (sourceMatches(deny[i], identity, req)) return deny[i].result;
    const allow = t.allow;
    if (allow.length === 0) return ALLOWED;
    for (let i = 0; i < allow.length; i++) if (sourceMatches(allow[i], identity, req)) return allow[i].result;
    return DEFAULT_DENIED;
  }
}
