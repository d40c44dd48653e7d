/**
 * The router: which route of a destination a request takes and which subset it goes to.
 *
 * Semantics copied from Istio (VirtualService `http[]` compiled to Envoy routes):
 * - Routes are tried in order; the **first** matching route wins (not the most specific).
 * - A route's `split` weights are relative (`weight / Σweights`). The subset is drawn **once per
 *   request**: Envoy's weighted clusters keep a request's retries in the subset chosen here.
 * - No routes configured (no VirtualService) ⇒ the request goes to all instances of the service,
 *   balanced as one pool: `subset: '*'`.
 * - Routes configured but none matches ⇒ `null`: 404, flag `NR`.
 * - A route with an empty `split` also means "all instances" (`'*'`); meshdojo accepts it so that a
 *   route can only set a timeout.
 *
 * Weighted draw, exact: integer weights are used as they are (draw an integer in [0, Σw)); when
 * some weight is fractional, all weights are first scaled to integer units of 1/1 000 000 of the
 * total (0.0001 % resolution, finer than the 0.01 % the model promises).
 *
 * Hot path: `route()` returns one of the `RouteDecision` objects built at construction; it never
 * allocates. Callers must treat the decision as read-only.
 */
import type { DestinationPolicySpec, Ms, RouteSpec } from '../model/types.ts';
import type { Rng } from '../engine/types.ts';
import { RouteMatcher } from './match.ts';
import type { RequestInfo } from './types.ts';

/** Subset name meaning "every instance of the service". */
export const ALL_SUBSETS = '*';

export interface RouteDecision {
  /** Index into the destination's `routes`; -1 when no routes are configured. */
  readonly routeIndex: number;
  /** Subset name, or `'*'` for all instances of the service. */
  readonly subset: string;
  /** Mesh request timeout covering all tries (route's, else the destination's); undefined = none. */
  readonly timeout?: Ms;
}

export interface RouterOptions {
  /** Timeout used when a route sets none (the destination's `timeout`, or a product default). */
  timeout?: Ms;
}

/** Units per total when weights are fractional: 0.0001 % resolution. */
const FRACTIONAL_UNITS = 1_000_000;

interface CompiledRoute {
  readonly matcher: RouteMatcher;
  readonly timeout: Ms | undefined;
  /** Subset names of the split, in document order. */
  readonly subsets: string[];
  /** Raw relative weights as given (kept to rescale when one changes). */
  readonly weights: number[];
  /** Cumulative integer units, same order as `subsets`. */
  cumulative: Float64Array;
  total: number;
  decisions: RouteDecision[];
}

function checkWeight(routeIndex: number, subset: string, w: number): void {
  if (!Number.isFinite(w) || w < 0) {
    throw new Error(
      `route ${routeIndex}: weight of subset '${subset}' must be a finite number ≥ 0, got ${w}`,
    );
  }
}

export class Router {
  private readonly routes: CompiledRoute[];
  private readonly knownSubsets: ReadonlySet<string>;
  private readonly allDecision: RouteDecision;

  /**
   * @param routes the destination's routes, in order.
   * @param subsets the service's subset (version) names; every split must name one of them.
   */
  constructor(routes: readonly RouteSpec[], subsets: readonly string[], options: RouterOptions = {}) {
    this.knownSubsets = new Set(subsets);
    this.allDecision = freezeDecision(-1, ALL_SUBSETS, options.timeout);
    this.routes = routes.map((r, i) => {
      const timeout = r.timeout ?? options.timeout;
      const names = Object.keys(r.split);
      const weights = names.map((n) => r.split[n]);
      names.forEach((n, k) => {
        if (!this.knownSubsets.has(n)) {
          throw new Error(
            `route ${i}: unknown subset '${n}' (known: ${subsets.map((s) => `'${s}'`).join(', ') || 'none'})`,
          );
        }
        checkWeight(i, n, weights[k]);
      });
      const route: CompiledRoute = {
        matcher: new RouteMatcher(r.match),
        timeout,
        subsets: names,
        weights,
        cumulative: new Float64Array(names.length),
        total: 0,
        decisions: [],
      };
      this.rebuild(i, route);
      return route;
    });
  }

  /** A router for a destination policy (or for none: all instances, no timeout). */
  static fromPolicy(
    policy: DestinationPolicySpec | undefined,
    subsets: readonly string[],
    defaultTimeout?: Ms,
  ): Router {
    return new Router(policy?.routes ?? [], subsets, { timeout: policy?.timeout ?? defaultTimeout });
  }

  get routeCount(): number {
    return this.routes.length;
  }

  /** Route a request: first matching route, then a weighted subset draw (one `rng.next()` when the split has ≥ 2 entries). */
  route(req: RequestInfo, rng: Rng): RouteDecision | null {
    const routes = this.routes;
    if (routes.length === 0) return this.allDecision;
    for (let i = 0; i < routes.length; i++) {
      const r = routes[i];
      if (!r.matcher.matches(req)) continue;
      const n = r.decisions.length;
      if (n === 1) return r.decisions[0];
      const draw = Math.floor(rng.next() * r.total);
      const cum = r.cumulative;
      for (let k = 0; k < n; k++) if (draw < cum[k]) return r.decisions[k];
      return r.decisions[n - 1]; // unreachable: draw < total = cum[n-1]
    }
    return null;
  }

  /**
   * Change one subset's weight on a route (a canary step). Adds the subset to the split if the
   * route did not name it yet. Rebuilds that route's table (allocates; not for the hot path).
   */
  setWeight(routeIndex: number, subset: string, weight: number): void {
    const r = this.routes[routeIndex];
    if (r === undefined) throw new Error(`setWeight: no route ${routeIndex} (have ${this.routes.length})`);
    if (!this.knownSubsets.has(subset)) throw new Error(`setWeight: unknown subset '${subset}'`);
    checkWeight(routeIndex, subset, weight);
    const k = r.subsets.indexOf(subset);
    if (k >= 0) r.weights[k] = weight;
    else {
      r.subsets.push(subset);
      r.weights.push(weight);
    }
    this.rebuild(routeIndex, r);
  }

  /** The current relative weights of a route, in split order (for reports). */
  weights(routeIndex: number): Array<{ subset: string; weight: number }> {
    const r = this.routes[routeIndex];
    if (r === undefined) return [];
    return r.subsets.map((subset, k) => ({ subset, weight: r.weights[k] }));
  }

  private rebuild(i: number, r: CompiledRoute): void {
    const n = r.subsets.length;
    if (n === 0) {
      // A route without destinations: all instances of the service.
      r.cumulative = new Float64Array(0);
      r.total = 0;
      r.decisions = [freezeDecision(i, ALL_SUBSETS, r.timeout)];
      return;
    }
    let sum = 0;
    let integral = true;
    for (const w of r.weights) {
      sum += w;
      if (!Number.isInteger(w)) integral = false;
    }
    if (!(sum > 0)) throw new Error(`route ${i}: the weights of its split add up to 0`);
    const cumulative = new Float64Array(n);
    let acc = 0;
    for (let k = 0; k < n; k++) {
      const w = r.weights[k];
      acc += integral ? w : Math.round((w / sum) * FRACTIONAL_UNITS);
      cumulative[k] = acc;
    }
    if (!(acc > 0)) throw new Error(`route ${i}: the weights of its split round to 0`);
    r.cumulative = cumulative;
    r.total = acc;
    // A subset with weight 0 keeps its decision object but can never be drawn.
    r.decisions = r.subsets.map((s) => freezeDecision(i, s, r.timeout));
    if (n > 1 && r.weights.filter((w) => w > 0).length === 1) {
      // Only one subset can be drawn: skip the draw, as Envoy does for a single cluster.
      const only = r.weights.findIndex((w) => w > 0);
      r.decisions = [r.decisions[only]];
      r.cumulative = new Float64Array([acc]);
    }
  }
}

function freezeDecision(routeIndex: number, subset: string, timeout: Ms | undefined): RouteDecision {
  return Object.freeze(timeout === undefined ? { routeIndex, subset } : { routeIndex, subset, timeout });
}
