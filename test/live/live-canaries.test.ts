/** The weights a live canary pushes to the sidecars: written into the routes of its destination only. */
import { describe, expect, it } from 'vitest';
import { weightedPolicies } from '../../simulator/live/run/canaries.ts';
import type { CanarySpec, MeshPolicySpec } from '../../simulator/model/types.ts';

const canary = { service: 'back', stable: 'v1', canary: 'v2' } as CanarySpec;
const policy = (destinations: MeshPolicySpec['destinations']): MeshPolicySpec =>
  ({
    name: 'p',
    dataPlane: { mode: 'sidecar' },
    destinations,
    canaries: [canary],
  }) as unknown as MeshPolicySpec;

describe('weightedPolicies', () => {
  it('sets canary w / stable 100 − w in every route naming either subset, and leaves other routes and destinations alone', () => {
    const p = policy([
      {
        service: 'back',
        timeout: 2000,
        routes: [{ match: { headers: { 'end-user': 'jason' } }, split: { v3: 100 } }, { split: { v1: 100 } }],
      },
      { service: 'front', routes: [{ split: { v1: 100 } }] },
    ] as unknown as MeshPolicySpec['destinations']);
    const [out] = weightedPolicies([p], [{ spec: canary, weight: 40 }]);
    expect(out.destinations[0]).toEqual({
      service: 'back',
      timeout: 2000,
      routes: [
        { match: { headers: { 'end-user': 'jason' } }, split: { v3: 100 } },
        { split: { v1: 60, v2: 40 } },
      ],
    });
    expect(out.destinations[1]).toBe(p.destinations[1]);
    expect(p.destinations[0].routes![1].split).toEqual({ v1: 100 }); // the input is not changed
    expect(out.canaries).toEqual([canary]);
  });

  it('gives a destination without routes one split, and a rollback sets the canary to 0', () => {
    const p = policy([{ service: 'back' }] as unknown as MeshPolicySpec['destinations']);
    expect(weightedPolicies([p], [{ spec: canary, weight: 20 }])[0].destinations[0].routes).toEqual([
      { split: { v1: 80, v2: 20 } },
    ]);
    expect(weightedPolicies([p], [{ spec: canary, weight: 0 }])[0].destinations[0].routes).toEqual([
      { split: { v1: 100, v2: 0 } },
    ]);
  });
});
