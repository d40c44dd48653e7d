/**
 * A 20-variant sweep gives the same numbers as 20 separate `meshdojo run` calls with the
 * equivalent policy files (issue acceptance: common random numbers, no cross-talk between workers).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const BIN = 'bin/meshdojo.mjs';

const head = `
apiVersion: meshdojo/v1
kind: MeshPolicy
metadata: { name: base }
spec:
  dataPlane: { profile: istio-sidecar }
  destinations:
    - service: ratings
`;
const base = `${head}      retries: { retryOn: [5xx] }\n`;
const variantPolicy = (attempts: number, perTry: string) =>
  `${head}      retries: { attempts: ${attempts}, perTryTimeout: ${perTry}, retryOn: [5xx] }\n`;

describe('sweep vs separate runs', () => {
  it('20 variants on worker threads equal 20 separate meshdojo run calls', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'meshdojo-sweep-'));
    writeFileSync(join(dir, 'base.yaml'), base);
    const common = [
      'topologies/bookinfo.yaml',
      'chaos/bookinfo-ratings-slow.yaml',
      '--duration',
      '40s',
      '--seed',
      '7',
    ];
    const { stdout } = await run(
      process.execPath,
      [
        BIN,
        'sweep',
        ...common,
        '--policy',
        join(dir, 'base.yaml'),
        '--vary',
        'ratings.retries.attempts=0..4',
        '--vary',
        'ratings.retries.perTryTimeout=100ms,200ms,400ms,800ms',
        '--workers',
        '2',
        '--format',
        'json',
      ],
      { maxBuffer: 1 << 26 },
    );
    const sweep = JSON.parse(stdout) as {
      variants: {
        values: Record<string, string>;
        metrics: { hash: string; successRate: number; p99: number };
      }[];
    };
    expect(sweep.variants).toHaveLength(20);
    const hashes = new Set(sweep.variants.map((v) => v.metrics.hash));
    expect(hashes.size).toBeGreaterThan(15); // the variants really differ

    const separate = async (v: (typeof sweep.variants)[number]) => {
      const attempts = Number(v.values['ratings.retries.attempts']);
      const perTry = v.values['ratings.retries.perTryTimeout'];
      const file = join(dir, `v-${attempts}-${perTry}.yaml`);
      writeFileSync(file, variantPolicy(attempts, perTry));
      const r = await run(process.execPath, [BIN, 'run', ...common, '--policy', file, '--format', 'json'], {
        maxBuffer: 1 << 26,
      }).catch(
        (e: { stdout: string }) => e, // exit 1 (probes violated) still prints the JSON
      );
      return JSON.parse(r.stdout) as {
        hash: string;
        summary: { successRate: number; latencyMs: { p99: number } };
      };
    };
    for (let i = 0; i < sweep.variants.length; i += 2) {
      const pair = sweep.variants.slice(i, i + 2);
      const results = await Promise.all(pair.map(separate));
      pair.forEach((v, k) => {
        expect(
          results[k].hash,
          v.values['ratings.retries.attempts'] + ' ' + v.values['ratings.retries.perTryTimeout'],
        ).toBe(v.metrics.hash);
        expect(results[k].summary.successRate).toBe(v.metrics.successRate);
        expect(results[k].summary.latencyMs.p99).toBe(v.metrics.p99);
      });
    }
  }, 180_000);
});
