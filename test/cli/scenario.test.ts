import { describe, expect, it } from 'vitest';
import { parseSeed, scenarioFromBundle } from '../../simulator/cli/scenario.ts';
import { loadLength } from '../../simulator/sim/load.ts';
import type { LoadProfileSpec, MeshPolicySpec } from '../../simulator/model/types.ts';
import { tinyScenario } from './helpers.ts';

const policy = (name: string): MeshPolicySpec => ({
  name,
  dataPlane: { mode: 'sidecar' },
  destinations: [],
  security: { mtls: 'permissive', authorization: [] },
  canaries: [],
});

describe('scenarioFromBundle', () => {
  const s = tinyScenario();
  const bundle = { topology: s.topology, load: s.load, chaos: [], policies: [policy('a')] };

  it('builds the scenario from topology + load + policies, seed 1, the load length as duration', () => {
    const out = scenarioFromBundle(bundle);
    expect(out.name).toBe('mm1');
    expect(out.seed).toBe(1);
    expect(out.duration).toBe(20_000);
    expect(out.policies.map((p) => p.name)).toEqual(['a']);
    expect(out.interval).toBe(1000);
  });

  it('applies the overrides', () => {
    const out = scenarioFromBundle(bundle, { seed: 7, duration: 5000, policies: [policy('b')], sampling: 1 });
    expect([out.seed, out.duration]).toEqual([7, 5000]);
    expect(out.policies.map((p) => p.name)).toEqual(['a', 'b']);
    expect(out.sampling).toEqual({ traces: 1, accessLogs: 1 });
  });

  it('--duration stretches a constant executor over the whole run (stretchLoad); a plain duration does not', () => {
    const stretched = scenarioFromBundle(bundle, { duration: 60_000, stretchLoad: true });
    const plain = scenarioFromBundle(bundle, { duration: 60_000 });
    expect(stretched.load && 'duration' in stretched.load ? stretched.load.duration : 0).toBe(60_000);
    expect(plain.load && 'duration' in plain.load ? plain.load.duration : 0).toBe(20_000);
  });

  it('lets a Scenario document win', () => {
    const scenario = { ...s, name: 'doc', seed: 42, duration: 3000, policies: [policy('s')] };
    const out = scenarioFromBundle({ ...bundle, scenario }, { policies: [policy('cli')] });
    expect([out.name, out.seed, out.duration]).toEqual(['doc', 42, 3000]);
    expect(out.policies.map((p) => p.name)).toEqual(['s', 'cli']);
  });

  it('refuses a bundle without load profile or without topology', () => {
    expect(() => scenarioFromBundle({ ...bundle, load: undefined })).toThrow(/no load profile/);
    expect(() => scenarioFromBundle({ chaos: [], policies: [] })).toThrow(/no Topology/);
  });
});

describe('loadLength', () => {
  const common = {
    name: 'l',
    timeout: 60_000,
    retries: { attempts: 0, backoff: 1000 },
    headers: [],
    requests: [],
    thresholds: [],
  };
  it('uses duration for constant executors and the sum of stages for ramping ones', () => {
    const ramp: LoadProfileSpec = {
      ...common,
      executor: 'ramping-arrival-rate',
      arrivals: 'poisson',
      startRate: 0,
      stages: [
        { duration: 30_000, target: 100 },
        { duration: 60_000, target: 100 },
      ],
    };
    expect(loadLength(ramp)).toBe(90_000);
    const vus: LoadProfileSpec = {
      ...common,
      executor: 'constant-vus',
      vus: 3,
      duration: 12_000,
      thinkTime: { dist: 'constant', value: 1000 },
    };
    expect(loadLength(vus)).toBe(12_000);
  });
});

describe('parseSeed', () => {
  it('accepts non-negative integers only', () => {
    expect(parseSeed('0')).toBe(0);
    expect(parseSeed('12345')).toBe(12345);
    expect(() => parseSeed('-1')).toThrow(/non-negative integer/);
    expect(() => parseSeed('1.5')).toThrow(/non-negative integer/);
  });
});
