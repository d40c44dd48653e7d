/**
 * The speed-and-memory groups of `npm run bench` (issue #13), each selectable:
 *   --only startup   `node bin/meshdojo.mjs run topologies/bookinfo.yaml`, bundle vs tsx, median of 7
 *   --only sim       Bookinfo (sidecars, every policy) against the baseline commit, side by side
 *   --only scale     the generated DAGs (201 services at 5 k and 50 k req/s, 1,001 at 5 k) against it
 *   --baseline [c]   sim and scale (default commit bcae645)
 * Baseline comparisons: interleaved rounds (ABBA), CPU time by process.cpuUsage (bench/baseline.ts).
 */
import { execFileSync } from 'node:child_process';
import { runBaseline, type BaselineCase } from './baseline.ts';

export interface PerfOptions {
  only: string | undefined;
  commit: string;
  rounds: number;
  quick: boolean;
  say: (line?: string) => void;
  table: (head: string[], rows: (string | number)[][]) => void;
  fmt: (n: number, digits?: number) => string;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1];

function startup(o: PerfOptions): void {
  execFileSync(process.execPath, ['scripts/build-bundle.mjs'], { stdio: 'inherit' });
  const time = (env: Record<string, string>): number => {
    const t0 = performance.now();
    execFileSync(process.execPath, ['bin/meshdojo.mjs', 'run', 'topologies/bookinfo.yaml', '--quiet'], {
      env: { ...process.env, ...env },
      stdio: 'ignore',
    });
    return performance.now() - t0;
  };
  const bundle: number[] = [];
  const tsx: number[] = [];
  for (let i = 0; i < 7; i++) {
    bundle.push(time({ MESHDOJO_REQUIRE_BUNDLE: '1' }));
    tsx.push(time({ MESHDOJO_NO_BUNDLE: '1' }));
  }
  o.say('## Start-up: `node bin/meshdojo.mjs run topologies/bookinfo.yaml` (2 simulated min), wall');
  o.say();
  o.table(
    ['path', 'median of 7, s', 'min s', 'max s'],
    [
      [
        'bundle (dist/meshdojo.mjs)',
        o.fmt(median(bundle) / 1000, 2),
        o.fmt(Math.min(...bundle) / 1000, 2),
        o.fmt(Math.max(...bundle) / 1000, 2),
      ],
      [
        'tsx',
        o.fmt(median(tsx) / 1000, 2),
        o.fmt(Math.min(...tsx) / 1000, 2),
        o.fmt(Math.max(...tsx) / 1000, 2),
      ],
    ],
  );
  o.say();
}

export function runPerf(o: PerfOptions): void {
  const sim: BaselineCase[] = [
    { name: 'sidecars', minutes: o.quick ? 0.25 : 1 },
    { name: 'all-policies', minutes: o.quick ? 0.25 : 1 },
  ];
  const scale: BaselineCase[] = o.quick
    ? [{ name: 'dag200', minutes: 0.5 / 60, rate: 5000 }]
    : [
        { name: 'dag200', minutes: 2 / 60, rate: 5000 },
        { name: 'dag200', minutes: 2 / 60, rate: 50000 },
        { name: 'dag1000', minutes: 2 / 60, rate: 5000 },
      ];
  if (o.only === undefined || o.only === 'startup') startup(o);
  const cases =
    o.only === 'sim' ? sim : o.only === 'scale' ? scale : o.only === 'startup' ? [] : [...sim, ...scale];
  if (cases.length > 0)
    runBaseline({ commit: o.commit, cases, rounds: o.rounds, say: o.say, table: o.table, fmt: o.fmt });
}
