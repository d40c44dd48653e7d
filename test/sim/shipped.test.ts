/** Every shipped topology, experiment and policy loads; every topology runs healthy at its default load. */
import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadFiles } from '../../simulator/cli/files.ts';
import { runScenario } from '../../simulator/sim/run.ts';
import { renderText } from '../../simulator/telemetry/report-text.ts';
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

describe('the text report of a real run', () => {
  it('shows the split of a multi-version service and the mesh section', () => {
    const r = runScenario(
      scenarioFromFiles(['topologies/bookinfo.yaml'], {
        duration: 20_000,
        policies: loadFiles(['topologies/bookinfo.yaml', 'topologies/policies/bookinfo-resilient.yaml'])
          .policies,
      }),
    );
    const text = renderText(r);
    expect(text).toMatch(/reviews: v1 [\d,]+ \(\d+(\.\d)?%\) · v2 [\d,]+ \(\d+(\.\d)?%\) · v3/);
    expect(text).toMatch(/Mesh \(istio-sidecar\)/);
    expect(text).toMatch(/reviews-v3-0 → ratings\s+closed\s+0\s+0\s+\d+ of 5/);
  });
});
