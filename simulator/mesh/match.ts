/**
 * Request matching: string matches (exact / prefix / regex) and route matches (headers AND path AND
 * method), as Istio's `HTTPMatchRequest` compiles to Envoy's route match.
 *
 * - A regex is compiled once, at construction, and must match the **whole** value: Envoy's
 *   `safe_regex` (RE2) is a full match, so `v1` does not match `v10`. The source is wrapped as
 *   `^(?:source)$`. JavaScript regex syntax is a superset of RE2's for the common cases; RE2-only
 *   constructs are not translated, and JS-only ones (back-references, look-around) are refused so
 *   that a policy keeps meaning the same thing in Istio.
 * - A `StringMatch` with several of exact/prefix/regex set requires all of them (the loader
 *   normally lets only one through, as Istio's `oneof` does).
 * - Header names are compared lower-case (HTTP/2 and Envoy normalise them). A header match `{}`
 *   (no field) means "header present", as in Istio.
 */
import type { RouteMatch, StringMatch } from '../model/types.ts';
import type { RequestInfo } from './types.ts';

/** Constructs that RE2 (Envoy `safe_regex`) does not accept: back-references and look-around. */
const NON_RE2 = /\\[1-9]|\\k<|\(\?<?[=!]/;

/** Compile `source` as an anchored full-match regex (Envoy RE2 `safe_regex` semantics). */
export function compileFullMatchRegex(source: string): RegExp {
  if (NON_RE2.test(source)) {
    throw new Error(
      `regex ${JSON.stringify(source)}: back-references and look-around are not RE2 (Envoy safe_regex) syntax`,
    );
  }
  try {
    return new RegExp(`^(?:${source})$`);
  } catch (e) {
    throw new Error(`regex ${JSON.stringify(source)}: ${(e as Error).message}`);
  }
}

/** A compiled `StringMatch`. */
export class StringMatcher {
  readonly exact: string | undefined;
  readonly prefix: string | undefined;
  readonly regex: RegExp | undefined;

  constructor(spec: StringMatch) {
    this.exact = spec.exact;
    this.prefix = spec.prefix;
    this.regex = spec.regex === undefined ? undefined : compileFullMatchRegex(spec.regex);
  }

  /** True when nothing is required of a present value (`{}`: presence only). */
  get isPresence(): boolean {
    return this.exact === undefined && this.prefix === undefined && this.regex === undefined;
  }

  /** Does `value` match? An absent value (`undefined`) never matches. */
  matches(value: string | undefined): boolean {
    if (value === undefined) return false;
    if (this.exact !== undefined && value !== this.exact) return false;
    if (this.prefix !== undefined && !value.startsWith(this.prefix)) return false;
    if (this.regex !== undefined && !this.regex.test(value)) return false;
    return true;
  }
}

/**
 * A compiled `RouteMatch`: every header matcher AND the path matcher AND the method matcher must
 * match. `undefined` spec = matches every request.
 */
export class RouteMatcher {
  readonly matchesAll: boolean;
  private readonly headerNames: readonly string[];
  private readonly headerMatchers: readonly StringMatcher[];
  private readonly path: StringMatcher | undefined;
  private readonly method: StringMatcher | undefined;

  constructor(spec: RouteMatch | undefined) {
    const names: string[] = [];
    const matchers: StringMatcher[] = [];
    if (spec !== undefined) {
      // Object key order is the document's order; AND does not depend on it anyway.
      for (const name of Object.keys(spec.headers ?? {})) {
        names.push(name.toLowerCase());
        matchers.push(new StringMatcher(spec.headers[name]));
      }
    }
    this.headerNames = names;
    this.headerMatchers = matchers;
    this.path = spec?.path === undefined ? undefined : new StringMatcher(spec.path);
    this.method = spec?.method === undefined ? undefined : new StringMatcher(spec.method);
    this.matchesAll = names.length === 0 && this.path === undefined && this.method === undefined;
  }

  matches(req: RequestInfo): boolean {
    if (this.matchesAll) return true;
    if (this.path !== undefined && !this.path.matches(req.path)) return false;
    if (this.method !== undefined && !this.method.matches(req.method)) return false;
    const headers = req.headers;
    for (let i = 0; i < this.headerNames.length; i++) {
      const v = headers[this.headerNames[i]];
      // `typeof` guards against names such as `constructor` reaching Object.prototype.
      if (typeof v !== 'string' || !this.headerMatchers[i].matches(v)) return false;
    }
    return true;
  }
}

/** Header-only match (used by fault injection's `match.headers`). */
export function compileHeaderMatch(headers: Record<string, StringMatch> | undefined): RouteMatcher {
  return new RouteMatcher(headers === undefined ? undefined : { headers });
}
