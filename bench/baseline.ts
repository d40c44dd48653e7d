/**
 * `npm run bench -- --baseline [commit]`: simulated calls per CPU-second of this tree against a
 * baseline commit (default: bcae645, the commit before the mesh core moved into
 * `simulator/mesh`), measured side by side in one run.
 *
 * - The baseline is checked out as a detached git worktree in a temporary directory (sharing this
 *   tree's node_modules through a symlink) and removed when the comparison ends.
 * - Rounds are interleaved — baseline, current, current, baseline, … — each case in a child
 *   process of its own, so that both sides see the same machine load over time.
 * - CPU seconds come from `process.cpuUsage()` around `runScenario` (user + system), which a
 *   shared machine disturbs less than wall time; the figure compared is service calls per
 *   CPU-second, the median over rounds, and the ratio current ÷ baseline.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/** A case compared on both sides: a Bookinfo case name, or `dag200`/`dag1000` at `rate` req/s. */
export interface BaselineCase {
  name: string;
  minutes: number;
  rate?: number;
}

export interface BaselineOptions {
  commit: string;
  cases: BaselineCase[];
  rounds: number;
  say: (line?: string) => void;
  table: (head: string[], rows: (string | number)[][]) => void;
  fmt: (n: number, digits?: number) => string;
}

interface Sample {
  case: string;
  serviceCalls: number;
  cpuSeconds: number;
  callsPerCpuSecond: number;
  peakRssMB: number;
}

/** A detached worktree of `commit` in a temporary directory; `remove()` takes it away again. */
export function baselineTree(commit: string): { dir: string; sha: string; remove: () => void } {
  const sha = execFileSync('git', ['rev-parse', '--short', `${commit}^{commit}`], {
    encoding: 'utf8',
  }).trim();
  const parent = mkdtempSync(join(tmpdir(), 'meshdojo-baseline-'));
  const dir = join(parent, sha);
  process.stderr.write(`bench: git worktree add --detach ${dir} ${sha}\n`);
  execFileSync('git', ['worktree', 'add', '--detach', dir, sha], { stdio: ['ignore', 'ignore', 'inherit'] });
  symlinkSync(resolve('node_modules'), join(dir, 'node_modules'));
  const remove = (): void => {
    execFileSync('git', ['worktree', 'remove', '--force', dir], { stdio: ['ignore', 'ignore', 'inherit'] });
    rmSync(parent, { recursive: true, force: true });
  };
  return { dir, sha, remove };
}

function sample(root: string, c: BaselineCase): Sample {
  const stdout = execFileSync(
    process.execPath,
    ['--import', 'tsx', 'bench/cpu-case.ts', root, c.name, String(c.minutes), String(c.rate ?? 1000)],
    { encoding: 'utf8', maxBuffer: 1 << 20 },
  );
  return JSON.parse(stdout.trim().split('\n').pop()!) as Sample;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

export function runBaseline(o: BaselineOptions): void {
  const tree = baselineTree(o.commit);
  try {
    compare(o, tree.dir);
  } finally {
    tree.remove();
  }
}

function compare(o: BaselineOptions, base: string): void {
  const current = resolve('.');
  o.say(`## Side by side with the baseline ${o.commit}`);
  o.say();
  o.say(
    `${o.rounds} interleaved rounds per case, each run in a child process of its own; CPU seconds by process.cpuUsage() around runScenario.`,
  );
  o.say();
  const rows: (string | number)[][] = [];
  for (const cs of o.cases) {
    const name =
      cs.rate && cs.name.startsWith('dag')
        ? `${cs.name} @ ${o.fmt(cs.rate)}/s, ${o.fmt(cs.minutes * 60, 0)} s`
        : `${cs.name}, ${cs.minutes} min`;
    const b: Sample[] = [];
    const c: Sample[] = [];
    for (let r = 0; r < o.rounds; r++) {
      // ABBA order: neither side always runs first.
      const order = r % 2 === 0 ? ['base', 'current'] : ['current', 'base'];
      for (const side of order) {
        process.stderr.write(`bench: ${name} round ${r + 1}/${o.rounds} ${side}…\n`);
        if (side === 'base') b.push(sample(base, cs));
        else c.push(sample(current, cs));
      }
    }
    const mb = median(b.map((s) => s.callsPerCpuSecond));
    const mc = median(c.map((s) => s.callsPerCpuSecond));
    const perRound = c.map((s, i) => s.callsPerCpuSecond / b[i].callsPerCpuSecond);
    rows.push([
      name,
      o.fmt(b[0].serviceCalls),
      o.fmt(c[0].serviceCalls),
      o.fmt(median(b.map((s) => s.cpuSeconds)), 2),
      o.fmt(median(c.map((s) => s.cpuSeconds)), 2),
      o.fmt(mb),
      o.fmt(mc),
      `${o.fmt(mc / mb, 3)}×`,
      `${o.fmt(Math.min(...perRound), 2)}–${o.fmt(Math.max(...perRound), 2)}×`,
      o.fmt(Math.max(...b.map((s) => s.peakRssMB))),
      o.fmt(Math.max(...c.map((s) => s.peakRssMB))),
    ]);
  }
  o.table(
    [
      'case',
      'calls (base)',
      'calls (now)',
      'CPU s (base)',
      'CPU s (now)',
      'calls / CPU s (base)',
      'calls / CPU s (now)',
      'ratio now ÷ base',
      'ratio per round',
      'peak RSS MB (base)',
      'peak RSS MB (now)',
    ],
    rows,
  );
  o.say();
  const [one, five, fifteen] = loadavg();
  o.say(
    `Load average at the end (1, 5, 15 min): ${o.fmt(one, 1)}, ${o.fmt(five, 1)}, ${o.fmt(fifteen, 1)} on ${availableParallelism()} cores.`,
  );
  o.say();
}
