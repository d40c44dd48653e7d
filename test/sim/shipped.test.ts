/** Every shipped topology, experiment and policy loads; every topology runs healthy at its default load. */
import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadFiles } from '../../simulator/model/files.ts';
import { runScenario } from '../../simulator/sim/run.ts';
import { scenarioFromFiles } from '../helpers/load.ts';

const yaml = (dir: string) =>
  readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f) => `${dir}/${f}`);

describe('shipped content', () => {
  for (const file of yaml('topologies')) {
    it(`${file} runs 30 simulated seconds at its default load, healthy`, () => {
      const r = runScenario(scenarioFromFiles([file], { duration: 30_000 }));
      expect(r.summary.requests).toBeGreaterThan(1000);
      expect(r.summary.successRate).toBeGreaterThan(0.999);
      for (const [name, s] of Object.entries(r.services)) {
        expect(s.utilization, name).toBeLessThan(0.85); // the queueing anchors run at ρ = 0.8
        if (s.cpuUtilization !== undefined) expect(s.cpuUtilization, name).toBeLessThan(0.85);
      }
    });
  }

  it('every chaos experiment and example policy loads with Bookinfo', () => {
    for (const file of [...yaml('chaos'), ...yaml('topologies/policies')]) {
      expect(() => loadFiles(['topologies/bookinfo.yaml', file]), file).not.toThrow();
    }
  });
});
