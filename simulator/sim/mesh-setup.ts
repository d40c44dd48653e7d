/**
 * Builds the data plane a scenario asks for: proxies (sidecars, per-node proxies) from the chosen
 * profile, and for each (caller proxy, destination) the mesh core's decision objects from the
 * MeshPolicy documents.
 */
import type { VirtualClock } from '../engine/clock.ts';
import type { Rng } from '../engine/types.ts';
import type { ScenarioSpec } from '../model/types.ts';
import type { MeshCost } from '../telemetry/types.ts';
import type { DataPlane, DataPlaneOptions } from './dataplane.ts';
import { DestClient } from './dest-client.ts';
import type { Proxy } from './proxy.ts';
import type { Sink } from './sink.ts';
import type { SimInstance, World } from './world.ts';

export interface MeshSetup {
  options: Pick<DataPlaneOptions, 'outboundProxy' | 'makeClient' | 'inboundCheck' | 'identityOf'>;
  attach(dp: DataPlane): void;
  finish(durationMs: number): void;
  cost(durationMs: number, entryRequests: number): MeshCost;
}

export function buildMesh(scenario: ScenarioSpec, world: World, clock: VirtualClock, rng: Rng, sink: Sink): MeshSetup {
  void scenario;
  void clock;
  void rng;
  void sink;
  const proxies: Proxy[] = [];
  return {
    options: {
      outboundProxy: (inst: SimInstance | null) => (inst ? inst.proxy : null),
      makeClient: (proxy, svc) => new DestClient(svc, `${proxy ? proxy.name : 'client'} → ${svc.name}`),
      inboundCheck: null,
      identityOf: () => undefined,
    },
    attach: () => {},
    finish: () => {},
    cost: () => ({ profile: 'none', proxies: proxies.length, addedLatencyMsPerRequest: 0, cpuCoreSeconds: 0, cpuCores: 0, memoryMB: 0 }),
  };
  void world;
}
