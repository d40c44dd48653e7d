/**
 * One generation of the sidecar's policy: the MeshPolicy documents resolved (mesh/resolve.ts) and
 * a `Cluster` per destination built by the mesh core's one assembly (mesh/policy-cluster.ts), plus
 * the callee side's `Authorizer`. `PUT /policy` makes a new generation; exchanges in flight finish
 * on the one they started on, which is stopped when its last exchange is over.
 */
import type { Clock, Rng } from '../../engine/types.ts';
import type { MeshPolicySpec, MtlsMode } from '../../model/types.ts';
import { Cluster } from '../../mesh/cluster.ts';
import { buildPolicyCluster, type PolicyCluster } from '../../mesh/policy-cluster.ts';
import { resolvePolicies, type ResolvedPolicy } from '../../mesh/resolve.ts';
import { Authorizer } from '../../mesh/security.ts';
import type { MeshEventSink } from '../../mesh/types.ts';
import { chooseProfile } from '../../sim/mesh-setup.ts';
import type { DataPlaneProfile } from '../../sim/profiles.ts';
import type { EndpointDirectory } from './endpoint-table.ts';

export interface ClusterSetInput {
  generation: number;
  policies: MeshPolicySpec[];
  services: readonly { name: string; versions: readonly string[] }[];
  endpoints: EndpointDirectory;
  clock: Clock;
  rng: Rng;
  /** This sidecar's instance name (the caller side of every cluster's label). */
  instance: string;
  sink: MeshEventSink;
}

export class ClusterSet {
  readonly generation: number;
  readonly policies: MeshPolicySpec[];
  readonly resolved: ResolvedPolicy;
  readonly profile: DataPlaneProfile;
  readonly mtls: MtlsMode;
  readonly authorizer: Authorizer;
  /** Exchanges started on this generation and not over. */
  inFlight = 0;
  private retired = false;
  private readonly built = new Map<string, PolicyCluster>();
  private readonly plain = new Map<string, Cluster>();

  constructor(private readonly input: ClusterSetInput) {
    this.generation = input.generation;
    this.policies = input.policies;
    this.profile = chooseProfileOrMode(input.policies);
    this.resolved = resolvePolicies(input.policies, this.profile.defaults);
    this.mtls = mtlsOf(this.profile, this.resolved);
    this.authorizer = new Authorizer(this.resolved.authorization, this.mtls);
  }

  /** The cluster of a destination; null for a service the topology does not have (404 NR). */
  cluster(service: string): Cluster | null {
    const known = this.built.get(service)?.cluster ?? this.plain.get(service);
    if (known !== undefined) return known;
    const svc = this.input.services.find((s) => s.name === service);
    if (svc === undefined) return null;
    const { endpoints, clock, rng, instance, sink } = this.input;
    const dest = endpoints.of(service);
    const label = `${instance} → ${service}`;
    if (!this.profile.supportsL7) {
      const c = new Cluster(dest.set, {}, rng.stream(`mesh/${service}`), label);
      this.plain.set(service, c);
      return c;
    }
    const canary = this.resolved.canaries.find((k) => k.service === service);
    const pc = buildPolicyCluster({
      dest: this.resolved.destination(service),
      versions: svc.versions,
      endpoints: dest.set,
      clock,
      rng: rng.stream(`mesh/${service}`),
      balancerRng: rng.stream(`lb/${label}`),
      label,
      hostNames: dest.keys(),
      sink,
      fallbackRoutes: canary ? [{ split: { [canary.stable]: 100, [canary.canary]: 0 } }] : [],
    });
    this.built.set(service, pc);
    return pc.cluster;
  }

  /** The built clusters, by destination (for /stats). */
  entries(): [string, PolicyCluster | { cluster: Cluster; breaker: null; outlier: null }][] {
    const out: [string, PolicyCluster | { cluster: Cluster; breaker: null; outlier: null }][] = [
      ...this.built.entries(),
    ];
    for (const [k, c] of this.plain) out.push([k, { cluster: c, breaker: null, outlier: null }]);
    return out.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  }

  /** A newer generation took over: stop once the last exchange on this one is over. */
  retire(): void {
    this.retired = true;
    if (this.inFlight === 0) this.stop();
  }

  /** An exchange of this generation is over. */
  release(): void {
    this.inFlight--;
    if (this.retired && this.inFlight === 0) this.stop();
  }

  stop(): void {
    for (const pc of this.built.values()) pc.stop();
  }
}

/**
 * The mTLS mode the policies put the mesh in (no mesh: `disable`). A live run hands out workload
 * certificates exactly when this is `strict` or `permissive`.
 */
export function mtlsModeOf(policies: MeshPolicySpec[]): MtlsMode {
  const profile = chooseProfileOrMode(policies);
  return mtlsOf(profile, resolvePolicies(policies, profile.defaults));
}

function mtlsOf(profile: DataPlaneProfile, resolved: ResolvedPolicy): MtlsMode {
  return profile.mode === 'none' ? 'disable' : resolved.mtls;
}

/** The policies' data-plane profile; an unknown profile name falls back to its mode's product. */
function chooseProfileOrMode(policies: MeshPolicySpec[]): DataPlaneProfile {
  try {
    return chooseProfile(policies);
  } catch {
    return chooseProfile(policies.map((p) => ({ ...p, dataPlane: { mode: p.dataPlane.mode } })));
  }
}
