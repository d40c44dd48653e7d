/**
 * `npm run bench -- --baseline [commit]`: simulated calls per CPU-second of this tree against a
 * baseline commit (default: bcae645, the commit before the mesh core moved into
 * `simulator/mesh`), measured side by side in one run.
 *
 * - The baseline is checked out as a git worktree under `.bench-baseline/<commit>` (made once,
 *   detached, sharing this tree's node_modules).
 * - Rounds are interleaved — baseline, current, current, baseline, … — each case in a child
 *   process of its own, so that both sides see the same machine load over time.
 * - CPU seconds come from `process.cpuUsage()` around `runScenario` (user + system), which a
 *   shared machine disturbs less than wall time; the figure compared is service calls per
 *   CPU-second, the median over rounds, and the ratio current ÷ baseline.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, symlinkSync } from 'node:fs';
import { resolve } from 'node:path';

export interface BaselineOptions {
  commit: string;
  cases: string[];
  minutes: number;
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
}

/** The baseline's checkout (created on first use). */
export function baselineTree(commit: string): string {
  const sha = execFileSync('git', ['rev-parse', '--short', `${commit}^{commit}`], {
    encoding: 'utf8',
  }).trim();
  const dir = resolve('.bench-baseline', sha);
  if (!existsSync(dir)) {
    process.stderr.write(`bench: git worktree add --detach ${dir} ${sha}\n`);
    execFileSync('git', ['worktree', 'add', '--detach', dir, sha], {
      stdio: ['ignore', 'ignore', 'inherit'],
    });
  }
  if (!existsSync(resolve(dir, 'node_modules')))
    symlinkSync(resolve('node_modules'), resolve(dir, 'node_modules'));
  return dir;
}

function sample(root: string, name: string, minutes: number): Sample {
  const stdout = execFileSync(
    process.execPath,
    ['--import', 'tsx', 'bench/cpu-case.ts', root, name, String(minutes)],
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
  const base = baselineTree(o.commit);
  const current = resolve('.');
  o.say(
    `## Side by side with the baseline ${o.commit} (Bookinfo at 1000 pages/s, ${o.minutes} simulated min)`,
  );
  o.say();
  o.say(
    `${o.rounds} interleaved rounds per case, each run in a child process of its own; CPU seconds by process.cpuUsage() around runScenario.`,
  );
  o.say();
  const rows: (string | number)[][] = [];
  for (const name of o.cases) {
    const b: Sample[] = [];
    const c: Sample[] = [];
    for (let r = 0; r < o.rounds; r++) {
      // ABBA order: neither side always runs first.
      const order = r % 2 === 0 ? ['base', 'current'] : ['current', 'base'];
      for (const side of order) {
        process.stderr.write(`bench: ${name} round ${r + 1}/${o.rounds} ${side}…\n`);
        if (side === 'base') b.push(sample(base, name, o.minutes));
        else c.push(sample(current, name, o.minutes));
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
    ],
    rows,
  );
  o.say();
}
