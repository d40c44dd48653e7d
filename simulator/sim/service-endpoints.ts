/**
 * A simulated service's instances as the mesh core's `EndpointSet`: slot = the instance's
 * `hostIndex`, key = its name, subset = its version, readiness = Kubernetes readiness (chaos
 * flips `inst.ready` and bumps `svc.readinessEpoch`, which is the set's version).
 */
import type { EndpointSet } from '../mesh/endpoints.ts';
import type { SimService } from './world.ts';

export class ServiceEndpoints implements EndpointSet {
  constructor(private readonly svc: SimService) {}

  get version(): number {
    return this.svc.readinessEpoch;
  }

  get slots(): number {
    return this.svc.instances.length;
  }

  get members(): number {
    return this.svc.instances.length;
  }

  key(slot: number): string | undefined {
    return this.svc.instances[slot]?.name;
  }

  subset(slot: number): string {
    return this.svc.instances[slot]?.version.name ?? '';
  }

  isReady(slot: number): boolean {
    const inst = this.svc.instances[slot];
    return inst !== undefined && inst.ready;
  }
}
