/**
 * The speed-and-memory groups of `npm run bench` (issue #13), each selectable:
 *   --only startup   `node bin/meshdojo.mjs run topologies/bookinfo.yaml`, bundle vs tsx, median of 7,
 *                    with the bundle's start-up split (node, loading, a 1 s run)
 *   --only sim       Bookinfo (sidecars, every policy) against the baseline commit, side by side
 *   --only scale     the generated DAGs (201 services at 5 k and 50 k req/s, 1,001 at 5 k) against it
 *   --baseline [c]   sim and scale (default commit bcae645)
 * Baseline comparisons: interleaved rounds (ABBA), CPU time by process.cpuUsage (bench/baseline.ts).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
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

/** CPU seconds (user + system) of this process's finished children, from /proc (Linux); NaN elsewhere. */
function childCpuSeconds(): number {
  try {
    // Fields after the command name: cutime and cstime are the 14th and 15th, in clock ticks (100/s).
    const f = readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ');
    return (Number(f[13]) + Number(f[14])) / 100;
  } catch {
    return Number.NaN;
  }
}

interface Timed {
  wall: number[];
  cpu: number[];
}

/** Wall and CPU seconds of one child run of `node ARGS`. */
function timeChild(args: string[], env: Record<string, string>, into: Timed): void {
  const c0 = childCpuSeconds();
  const t0 = performance.now();
  execFileSync(process.execPath, args, { env: { ...process.env, ...env }, stdio: 'ignore' });
  into.wall.push((performance.now() - t0) / 1000);
  into.cpu.push(childCpuSeconds() - c0);
}

function startup(o: PerfOptions): void {
  execFileSync(process.execPath, ['scripts/build-bundle.mjs'], { stdio: 'inherit' });
  const bookinfo = ['bin/meshdojo.mjs', 'run', 'topologies/bookinfo.yaml', '--quiet'];
  const bundleEnv = { MESHDOJO_REQUIRE_BUNDLE: '1' };
  // The default run, on both paths, and the pieces of the bundle's start-up that add up to it.
  const cases: { label: string; args: string[]; env: Record<string, string> }[] = [
    { label: 'bundle: run (default, 2 simulated min)', args: bookinfo, env: bundleEnv },
    { label: 'tsx: run (default, 2 simulated min)', args: bookinfo, env: { MESHDOJO_NO_BUNDLE: '1' } },
    { label: '  node itself (`node -e 0`)', args: ['-e', '0'], env: {} },
    {
      label: '  node + importing dist/meshdojo.mjs',
      args: ['--input-type=module', '-e', "await import('./dist/meshdojo.mjs')"],
      env: {},
    },
    { label: '  bundle: run --duration 1s', args: [...bookinfo, '--duration', '1s'], env: bundleEnv },
  ];
  const timed: Timed[] = cases.map(() => ({ wall: [], cpu: [] }));
  for (let i = 0; i < 7; i++) cases.forEach((c, k) => timeChild(c.args, c.env, timed[k]));
  const load = loadavg()[0];
  o.say('## Start-up: `node bin/meshdojo.mjs run topologies/bookinfo.yaml` (2 simulated min)');
  o.say();
  o.say(
    `7 interleaved rounds; CPU = user + system of the child (/proc). 1-minute load average at the end: ${o.fmt(load, 1)} on ${availableParallelism()} cores.`,
  );
  o.say();
  o.table(
    ['what', 'wall median of 7, s', 'wall min s', 'CPU median s', 'CPU min s'],
    cases.map((c, k) => [
      c.label,
      o.fmt(median(timed[k].wall), 2),
      o.fmt(Math.min(...timed[k].wall), 2),
      o.fmt(median(timed[k].cpu), 2),
      o.fmt(Math.min(...timed[k].cpu), 2),
    ]),
  );
  o.say();
  const hashOf = (env: Record<string, string>): string =>
    (
      JSON.parse(
        execFileSync(process.execPath, [...bookinfo, '--format', 'json'], {
          env: { ...process.env, ...env },
          encoding: 'utf8',
          maxBuffer: 64 << 20,
        }),
      ) as { hash: string }
    ).hash;
  const viaBundle = hashOf(bundleEnv);
  const viaTsx = hashOf({ MESHDOJO_NO_BUNDLE: '1' });
  o.say(
    `Same hash on both paths: ${viaBundle === viaTsx ? 'yes' : 'NO'} (bundle ${viaBundle.slice(0, 16)}…, tsx ${viaTsx.slice(0, 16)}…).`,
  );
  o.say();
  const [run, , bare, imported, short] = timed.map((t) => median(t.cpu));
  o.say(
    `Split of the bundle's default run, CPU medians: node ${o.fmt(bare, 2)} s, loading the program ${o.fmt(imported - bare, 2)} s, reading the files + 1 simulated s + report ${o.fmt(short - imported, 2)} s, the other 119 simulated s ${o.fmt(run - short, 2)} s.`,
  );
  o.say();
}

export function runPerf(o: PerfOptions): void {
  const sim: BaselineCase[] = [
    { name: 'sidecars', minutes: o.quick ? 0.25 : 1 },
    { name: 'all-policies', minutes: o.quick ? 0.25 : 1 },
    // Long enough that start-up and JIT warm-up (≈ 0.4 s of CPU) are a small part of the figure.
    ...(o.quick ? [] : [{ name: 'sidecars', minutes: 5 }]),
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
