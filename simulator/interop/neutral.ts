/**
 * The neutral MeshPolicy *document* the importers write (the YAML input form of
 * docs/policies.md, not the parsed spec): what a manifest leaves out stays out, and
 * `spec.defaults` names the product whose defaults fill it when the document is loaded.
 */
import { tryParseDuration } from '../model/duration.ts';

export type Match = { exact?: string; prefix?: string; regex?: string };
export interface NeutralRoute {
  match?: { headers?: Record<string, Match>; path?: Match; method?: Match };
  split: Record<string, number>;
  timeout?: string;
}
export interface NeutralDestination {
  service: string;
  timeout?: string;
  routes?: NeutralRoute[];
  retries?: {
    attempts?: number;
    perTryTimeout?: string;
    retryOn?: (string | number)[];
    backoff?: string | { base: string; max?: string };
    otherHost?: boolean;
  };
  retryBudget?: Record<string, number | string>;
  outlierDetection?: Record<string, number | string>;
  circuitBreaker?: Record<string, unknown>;
  connectionPool?: {
    maxConnections?: number;
    maxPendingRequests?: number;
    maxRequests?: number;
    maxRetries?: number;
  };
  loadBalancer?: string | { ringHash: { header: string } };
  faults?: {
    delay?: { percent: number; fixed: string };
    abort?: { percent: number; status?: number };
    match?: { headers: Record<string, Match> };
  };
}
export interface NeutralSource {
  from?: string;
  paths?: string[];
  methods?: string[];
}
export interface NeutralAuthz {
  to: string;
  allow?: NeutralSource[];
  deny?: NeutralSource[];
}
export interface NeutralPolicyDoc {
  apiVersion: 'meshdojo/v1';
  kind: 'MeshPolicy';
  metadata: { name: string; description?: string };
  spec: {
    dataPlane?: string | { profile: string };
    defaults?: string;
    destinations?: NeutralDestination[];
    security?: { mtls?: 'disable' | 'permissive' | 'strict'; authorization?: NeutralAuthz[] };
  };
}

/** `1500` → `1500ms`, `2000` → `2s`: exact, and what a person would write. */
export function fmtMs(ms: number): string {
  if (ms === 0) return '0s';
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  if (Number.isInteger(ms)) return `${ms}ms`;
  return `${Math.round(ms * 1000)}us`;
}

/** A product duration (`"1.5s"`, `"250ms"`, Go `"1m30s"`) in ms, or undefined when unreadable. */
export function readDuration(v: unknown): number | undefined {
  const r = tryParseDuration(v);
  return r.ok ? r.ms : undefined;
}

/** Collects destinations (one per service, in first-seen order) and the security block. */
export class PolicyBuilder {
  private readonly dests = new Map<string, NeutralDestination>();
  mtls?: 'disable' | 'permissive' | 'strict';
  readonly authorization: NeutralAuthz[] = [];

  dest(service: string): NeutralDestination {
    let d = this.dests.get(service);
    if (!d) {
      d = { service };
      this.dests.set(service, d);
    }
    return d;
  }
  all(): NeutralDestination[] {
    return [...this.dests.values()];
  }
  has(service: string): boolean {
    return this.dests.has(service);
  }
  /** The authorization rule for `to` (one per target, as policies.md writes them). */
  authz(to: string): NeutralAuthz {
    let r = this.authorization.find((a) => a.to === to);
    if (!r) {
      r = { to };
      this.authorization.push(r);
    }
    return r;
  }

  document(
    name: string,
    product: { defaults: string; profile: string },
    description?: string,
  ): NeutralPolicyDoc {
    const destinations = [...this.dests.values()].filter((d) => Object.keys(d).length > 1);
    const security: NeutralPolicyDoc['spec']['security'] = {};
    if (this.mtls) security.mtls = this.mtls;
    if (this.authorization.length) security.authorization = this.authorization;
    return {
      apiVersion: 'meshdojo/v1',
      kind: 'MeshPolicy',
      metadata: { name, ...(description && { description }) },
      spec: {
        dataPlane: { profile: product.profile },
        defaults: product.defaults,
        ...(destinations.length && { destinations }),
        ...(Object.keys(security).length && { security }),
      },
    };
  }
}
