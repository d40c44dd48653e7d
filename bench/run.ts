/**
 * `npm run bench`: the simulator's speed and memory, measured side by side in one run.
 *
 *   1. the engine's bare event-loop rate (the ceiling),
 *   2. Bookinfo at 1000 pages/s: no mesh, Istio sidecars, sidecars + every policy (10 simulated
 *      minutes each), and sidecars for 60 simulated minutes (memory must not grow with duration),
 *   3. the M/M/1 acceptance case (1.15 million requests),
 *   4. a 20-variant sweep on one worker thread and on every core.
 *
 * Each simulation runs in a child process of its own so that its peak memory is its own.
 * `--write-docs` replaces the generated block of docs/benchmarks.md with the tables printed here.
 * `--quick` runs shorter cases (for a smoke check of the harness).
 * `--baseline [commit]` and `--only startup|sim|scale` run the groups of bench/perf.ts (start-up,
 * and calls per CPU-second against a baseline commit side by side, default bcae645) and nothing
 * else; `--rounds N`.
 * `--only live` measures one live sidecar hop against a direct call and HAProxy
 * (bench/live-sidecar.ts), and runs nothing else; `--only live --soak` is its 10-minute soak.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import { runMany } from '../simulator/cli/pool.ts';
import { EventQueue } from '../simulator/engine/event-queue.ts';
import { createRng } from '../simulator/engine/rng.ts';
import type { ScenarioSpec } from '../simulator/model/types.ts';
import { bookinfoCase } from './cases.ts';

const argv = process.argv.slice(2);
const args = new Set(argv);
const valueOf = (flag: string): string | undefined => {
  const i = argv.indexOf(flag);
  const v = i >= 0 ? argv[i + 1] : undefined;
  return v !== undefined && !v.startsWith('--') ? v : undefined;
};
// `--only fidelity`: the sim-to-live fidelity benchmark alone (live processes; writes docs/fidelity.md).
if (valueOf('--only') === 'fidelity') {
  await import('./fidelity.ts');
  process.exit(0);
}
const quick = args.has('--quick');
const out: string[] = [];
const say = (line = ''): void => {
  console.log(line);
  out.push(line);
};
const fmt = (n: number, digits = 0): string =>
  n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

function table(head: string[], rows: (string | number)[][]): void {
  const cells = [head, ...rows.map((r) => r.map(String))];
  const w = head.map((_, i) => Math.max(...cells.map((r) => r[i].length)));
  const line = (r: string[]) =>
    `| ${r.map((c, i) => (i === 0 ? c.padEnd(w[i]) : c.padStart(w[i]))).join(' | ')} |`;
  say(line(head));
  say(`|${w.map((x, i) => (i === 0 ? `${'-'.repeat(x + 1)}-` : `${'-'.repeat(x + 1)}:`)).join('|')}|`);
  for (const r of cells.slice(1)) say(line(r));
}

// ── 1. bare event loop ──
function bareEventLoop(pending: number, events: number): number {
  const q = new EventQueue();
  const rng = createRng(1);
  let now = 0;
  let n = 0;
  const advance = (t: number): void => {
    now = t;
  };
  const hold = (): void => {
    n++;
    q.push(now + rng.next() * 10, hold, null);
  };
  for (let i = 0; i < pending; i++) q.push(rng.next() * 10, hold, null);
  const t0 = performance.now();
  while (n < events) q.popAndRun(advance);
  return events / ((performance.now() - t0) / 1000);
}

interface CaseResult {
  case: string;
  minutes: number;
  wallMs: number;
  serviceCalls: number;
  events: number;
  entryRequests: number;
  callsPerSec: number;
  eventsPerSec: number;
  peakRssMB: number;
  peakHeapMB: number;
  meshCpuCores: number;
  meshAddedMs: number;
}

function runCase(name: string, minutes: number): CaseResult {
  const stdout = execFileSync(process.execPath, ['--import', 'tsx', 'bench/case.ts', name, String(minutes)], {
    encoding: 'utf8',
    maxBuffer: 1 << 20,
  });
  return JSON.parse(stdout.trim().split('\n').pop()!) as CaseResult;
}

say(`# meshdojo benchmarks`);
say();
say(
  `Node ${process.version}, ${cpus()[0]?.model ?? 'unknown CPU'}, ${availableParallelism()} cores. ${quick ? '(quick mode)' : ''}`,
);
say();

if (valueOf('--only') === 'live' || args.has('--soak')) {
  // The live sidecar hop vs HAProxy (bench/live-sidecar.ts reads the same argv: --quick, --rounds,
  // --soak, --write-docs) and nothing else.
  await import('./live-sidecar.ts');
  process.exit(0);
}

// ── issue #13's groups (bench/perf.ts): --baseline [commit], --only startup|sim|scale ──
const only = valueOf('--only');
if (args.has('--baseline') || (only !== undefined && ['startup', 'sim', 'scale'].includes(only))) {
  const { runPerf } = await import('./perf.ts');
  runPerf({
    only,
    commit: valueOf('--baseline') ?? 'bcae645',
    rounds: Number(valueOf('--rounds') ?? (quick ? 2 : 4)),
    quick,
    say,
    table,
    fmt,
  });
  writeDocsIfAsked();
  process.exit(0);
}

// Warm the JIT once for the in-process measurement.
bareEventLoop(1000, 200_000);
const ceiling = [10, 1000, 100_000].map((p) => [fmt(p), fmt(bareEventLoop(p, quick ? 500_000 : 3_000_000))]);
say('## Engine ceiling: bare event loop (hold model: each event schedules one more)');
say();
table(['pending events', 'events / wall s'], ceiling);
say();

const short = quick ? 1 : 10;
const long = quick ? 3 : 60;
const cases: CaseResult[] = [];
for (const c of ['no-mesh', 'sidecars', 'all-policies']) {
  process.stderr.write(`bench: ${c} ${short} min…\n`);
  cases.push(runCase(c, short));
}
process.stderr.write(`bench: sidecars ${long} min…\n`);
cases.push(runCase('sidecars', long));

say('## Bookinfo at 1000 pages/s (replicas ×5), one core each');
say();
table(
  [
    'case',
    'simulated',
    'wall s',
    'service calls',
    'calls / wall s',
    'events / wall s',
    'peak RSS MB',
    'peak heap MB',
    'mesh CPU cores',
    'mesh ms / page',
  ],
  cases.map((c) => [
    c.case,
    `${c.minutes} min`,
    fmt(c.wallMs / 1000, 1),
    fmt(c.serviceCalls),
    fmt(c.callsPerSec),
    fmt(c.eventsPerSec),
    fmt(c.peakRssMB, 1),
    fmt(c.peakHeapMB, 1),
    fmt(c.meshCpuCores, 2),
    fmt(c.meshAddedMs, 3),
  ]),
);
say();
const bySide = (name: string) => cases.find((c) => c.case === name && c.minutes === short)!;
const overhead = bySide('sidecars').callsPerSec / bySide('all-policies').callsPerSec;
say(`Policy overhead (sidecars ÷ all policies, calls per wall second): ${fmt(overhead, 2)}×.`);
const mem10 = bySide('sidecars');
const mem60 = cases.find((c) => c.case === 'sidecars' && c.minutes === long)!;
say(
  `Peak RSS ${long} min vs ${short} min with sidecars: ${fmt(mem60.peakRssMB, 1)} MB vs ${fmt(mem10.peakRssMB, 1)} MB (${fmt(mem60.peakRssMB / mem10.peakRssMB, 2)}×).`,
);
say();

// ── 3. M/M/1 ──
process.stderr.write('bench: M/M/1…\n');
{
  const stdout = execFileSync(
    process.execPath,
    [
      '--import',
      'tsx',
      '-e',
      `
    import { runScenario } from './simulator/sim/run.ts';
    import { loadFiles } from './simulator/cli/files.ts';
    import { scenarioFromBundle } from './simulator/cli/scenario.ts';
    const s = scenarioFromBundle(loadFiles(['topologies/mm1.yaml']), { sampling: 0 });
    const t0 = performance.now();
    const r = runScenario(s);
    console.log(JSON.stringify({ wall: performance.now() - t0, n: r.summary.requests, mean: r.summary.latencyMs.mean }));
  `,
    ],
    { encoding: 'utf8' },
  );
  const m = JSON.parse(stdout.trim().split('\n').pop()!) as { wall: number; n: number; mean: number };
  say('## M/M/1 acceptance case (topologies/mm1.yaml, 4 simulated hours)');
  say();
  table(
    ['requests', 'mean latency ms (exact 50)', 'wall s'],
    [[fmt(m.n), fmt(m.mean, 3), fmt(m.wall / 1000, 2)]],
  );
  say();
}

// ── 4. sweep speed-up ──
process.stderr.write('bench: sweep…\n');
{
  const variants: ScenarioSpec[] = [];
  for (let i = 0; i < 20; i++) {
    const s = bookinfoCase('all-policies', quick ? 0.25 : 3, 400);
    const ratings = s.policies[0].destinations.find((d) => d.service === 'ratings')!;
    ratings.retries = { ...ratings.retries!, attempts: i % 5 };
    ratings.timeout = [250, 500, 1000, 2000][i % 4];
    variants.push(s);
  }
  const t1 = performance.now();
  const one = await runMany(variants, { workers: 1 });
  const w1 = performance.now() - t1;
  const t2 = performance.now();
  const all = await runMany(variants, { workers: availableParallelism() });
  const w2 = performance.now() - t2;
  const same = one.every((r, i) => r.hash === all[i].hash);
  say(
    `## A 20-variant sweep (Bookinfo with every policy, ${quick ? 15 : 180} simulated s at 400 pages/s each)`,
  );
  say();
  table(
    ['workers', 'wall s', 'speed-up'],
    [
      ['1', fmt(w1 / 1000, 2), '1.00×'],
      [String(availableParallelism()), fmt(w2 / 1000, 2), `${fmt(w1 / w2, 2)}×`],
    ],
  );
  say();
  say(`Same 20 hashes on 1 worker and on ${availableParallelism()}: ${same ? 'yes' : 'NO'}.`);
}

writeDocsIfAsked();

/** `--write-docs`: replace the generated block (the groups of bench/perf.ts have a block of their own). */
function writeDocsIfAsked(): void {
  if (!args.has('--write-docs')) return;
  const path = 'docs/benchmarks.md';
  const doc = readFileSync(path, 'utf8');
  const tag = args.has('--baseline') || valueOf('--only') !== undefined ? 'bench-perf' : 'bench';
  const begin = `<!-- ${tag}:begin -->`;
  const end = `<!-- ${tag}:end -->`;
  const i = doc.indexOf(begin);
  const j = doc.indexOf(end);
  if (i < 0 || j < 0) throw new Error(`${path}: markers ${begin} … ${end} not found`);
  writeFileSync(path, `${doc.slice(0, i + begin.length)}\n${out.slice(2).join('\n')}\n${doc.slice(j)}`);
  console.error(`bench: wrote ${path}`);
}

// The live sidecar hop vs HAProxy (its own block of docs/benchmarks.md), then the UI case
// (Chromium frame time, events/s in a Web Worker vs Node); each lives in its own file.
await import('./live-sidecar.ts');
await import('./ui-browser.ts');
