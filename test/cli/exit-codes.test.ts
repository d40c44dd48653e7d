/** Exit 1 when a k6 threshold or the steady-state hypothesis is violated; 0 when they hold. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const run = (...args: string[]) =>
  spawnSync(process.execPath, ['bin/meshdojo.mjs', 'run', ...args], { encoding: 'utf8' });
const dir = mkdtempSync(join(tmpdir(), 'meshdojo-exit-'));
const withThresholds = (p99: number) => {
  const file = join(dir, `t${p99}.yaml`);
  writeFileSync(
    file,
    `apiVersion: meshdojo/v1
kind: Topology
metadata: { name: t }
spec:
  entry: { service: api, endpoint: GET / }
  services: [ { name: api, endpoints: [ { name: GET /, serviceTime: { dist: exponential, mean: 10ms } } ] } ]
---
apiVersion: meshdojo/v1
kind: LoadProfile
metadata: { name: l }
spec:
  executor: constant-arrival-rate
  rate: 20
  duration: 20s
  thresholds: { http_req_duration: ['p(99)<${p99}'], http_req_failed: ['rate<0.01'] }
`,
  );
  return file;
};

describe('exit codes of run', () => {
  it('0 when every threshold holds', () => {
    const r = run(withThresholds(1000), '--quiet');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/verdict PASSED/);
  });

  it('1 when a k6 threshold is violated, naming it', () => {
    const r = run(withThresholds(5));
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/http_req_duration.*p\(99\)<5/);
  });

  it('1 when the steady-state hypothesis of a chaos experiment is violated', () => {
    const r = run('topologies/bookinfo.yaml', 'chaos/bookinfo-ratings-slow.yaml');
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/probe page-fast/);
  });
});
