/**
 * Contracts of the mesh policy core. Every object here is a small synchronous decision object with
 * explicit state: it takes `now` from the injected Clock and randomness from the injected Rng, and
 * never touches a socket, a timer of its own making or the wall clock. The simulator's driver and the
 * live sidecar compose them into one filter chain:
 *   route → authz/mTLS (callee side) → fault → breaker/pool → balance → retry/timeout → send.
 * Hot-path methods must not allocate per call where it can be avoided (the simulator calls them
 * hundreds of thousands of times per wall second).
 */
import type { FailureCause } from '../model/causes.ts';

/** What a proxy knows about a request. Header names are lower-case. */
export interface RequestInfo {
  method: string;
  path: string;
  headers: Readonly<Record<string, string>>;
  /** Caller's service name (`client` for the load generator). */
  source: string;
}

/** How one attempt ended, as the caller-side proxy sees it. */
export type AttemptOutcome =
  | { kind: 'response'; status: number }
  | { kind: 'connect-failure' }
  | { kind: 'reset' }
  | { kind: 'per-try-timeout' }
  /** Local circuit-breaker overflow (UO): Envoy never retries it. */
  | { kind: 'overflow' };

/** One upstream host as a balancer sees it. `active` = requests outstanding through this balancer. */
export interface Host {
  /** The endpoint's slot in its EndpointSet (stable while it is a member). */
  readonly index: number;
  /** The endpoint's stable key (pod name, host:port): what ring hash hashes. Defaults to the index. */
  readonly key?: string;
  active: number;
}

/** A mesh event with its reason ("why did (or didn't) my breaker trip?"). */
export interface MeshEvent {
  kind: 'breaker' | 'ejection' | 'unejection' | 'panic' | 'canary';
  subject: string;
  state?: string;
  reason: string;
}

export type MeshEventSink = (now: number, e: MeshEvent) => void;

export type { FailureCause };
