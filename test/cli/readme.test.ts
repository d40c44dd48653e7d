/**
 * Every command of README.md's Quickstart, run as written (outputs redirected to a temporary
 * directory), and the lesson its comment claims, checked on the result. A Quickstart command
 * without a check here fails the test: an example must show what it says.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT, runCli, type CliRun } from './helpers.ts';

const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
const block = /## Quickstart[\s\S]*?```sh\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';
const commands = block
  .replace(/\\\n\s*/g, ' ')
  .split('\n')
  .map((l) => l.trim().replace(/\s+/g, ' '))
  .filter((l) => l.startsWith('npx meshdojo '));

const dir = mkdtempSync(join(tmpdir(), 'meshdojo-readme-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The command's arguments, outputs moved to the temporary directory, globs expanded, JSON asked for where a check needs it. */
function argsOf(cmd: string): string[] {
  const args = (cmd.slice('npx meshdojo '.length).match(/'[^']*'|\S+/g) ?? []).map((a) =>
    a.replace(/^'|'$/g, ''),
  );
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (['--out', '--traces-out', '--access-log', '--prometheus'].includes(a)) {
      out.push(a, join(dir, args[++i]));
    } else if (a.includes('*')) {
      const [folder, pattern] = a.split('/');
      const re = new RegExp(`^${pattern.replace('.', '\\.').replace('*', '.*')}$`);
      out.push(
        ...readdirSync(join(ROOT, folder))
          .filter((f) => re.test(f))
          .map((f) => `${folder}/${f}`),
      );
    } else out.push(a);
  }
  return out;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the RunResult / compare JSON, read field by field
const json = (args: string[]): { r: CliRun; j: any } => {
  const withJson = args.includes('--format') ? args : [...args, '--format', 'json'];
  const r = runCli([...withJson, '--quiet']);
  return { r, j: JSON.parse(r.stdout) };
};

/** Lessons, by a fragment of the command. */
const CHECKS: [string, (cmd: string, args: string[]) => void][] = [
  [
    'run topologies/bookinfo.yaml --sampling',
    (_c, args) => {
      const r = runCli([...args, '--quiet']);
      expect(r.status).toBe(0);
      for (const f of ['traces.json', 'access.log', 'metrics.prom'])
        expect(readFileSync(join(dir, f), 'utf8').length).toBeGreaterThan(100);
    },
  ],
  [
    'validate ',
    (_c, args) => {
      const r = runCli(args);
      expect(r.status).toBe(0);
      expect(r.stdout.split('\n').filter((l) => l.startsWith('ok  ')).length).toBe(args.length - 1);
    },
  ],
  [
    'run topologies/bookinfo.yaml --load topologies/loads/bookinfo-jason.yaml',
    (_c, args) => {
      const { j } = json(args);
      const share = j.summary.degraded / j.summary.requests;
      expect(share).toBeGreaterThan(0.07);
      expect(share).toBeLessThan(0.13);
      const { j: base } = json(args.filter((a, i) => a !== '--load' && args[i - 1] !== '--load'));
      expect(base.summary.degraded).toBe(0); // nobody is jason under the shipped load
    },
  ],
  [
    'sweep topologies/bookinfo.yaml chaos/bookinfo-ratings-slow.yaml --policy',
    (_c, args) => {
      const r = runCli([...args, '--format', 'json', '--quiet']);
      expect(r.stderr).not.toMatch(/identical result/);
      const v = JSON.parse(r.stdout).variants.map(
        (x: { metrics: { p99: number; retries: number; degraded: number } }) => x.metrics,
      );
      expect(v).toHaveLength(4);
      // Envoy applies the per-try timeout to the one try too: no 3 s wait even without a retry.
      expect(v[0].p99).toBeLessThan(1000);
      expect(v[1].degraded).toBeLessThan(v[0].degraded); // one retry brings back some answers
      expect(v[3].p99).toBeGreaterThan(5 * v[1].p99); // more retries bring the p99 back to seconds
      expect(v[3].retries).toBeGreaterThan(2 * v[1].retries); // …by multiplying the load
    },
  ],
  [
    '--vary ratings.timeout=none,250ms',
    (_c, args) => {
      const { j } = json(args);
      const [none, t250] = j.variants.map((x: { metrics: { p99: number } }) => x.metrics);
      expect(none.p99).toBeGreaterThan(2900);
      expect(t250.p99).toBeLessThan(400);
    },
  ],
  [
    '--variant sidecars=',
    (_c, args) => {
      const { j } = json(args);
      const [side, res] = j.variants.map((x: { metrics: Record<string, number> }) => x.metrics);
      expect(side.p99).toBeGreaterThan(2900);
      expect(res.p99).toBeLessThan(100);
      expect(side.breakerOpens).toBe(0);
      expect(res.breakerOpens).toBeGreaterThan(0);
      expect(res.degraded).toBeGreaterThan(side.degraded);
      expect(side.arrived).toBe(res.arrived); // same traffic: one change
    },
  ],
  [
    'run topologies/bookinfo.yaml --format json --out',
    (_c, args) => {
      expect(runCli(args).status).toBe(0);
      const j = JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8'));
      expect(j.hash).toMatch(/^[0-9a-f]{64}$/);
      expect(j.verdict).toBe('no-checks');
    },
  ],
  [
    'run topologies/bookinfo-no-timeouts.yaml chaos/bookinfo-ratings-slow.yaml --format html',
    (_c, args) => {
      expect(runCli([...args, '--quiet']).status).toBe(1);
      const html = readFileSync(join(dir, 'report.html'), 'utf8');
      expect(html).toMatch(/data-kind="queue-overflow" data-service="reviews"/);
      expect(html).toMatch(/data-kind="caused-failures" data-service="productpage"/);
      expect(html).toContain('data-chart="service|reviews|queue"');
    },
  ],
  [
    'run topologies/bookinfo.yaml chaos/bookinfo-ratings-slow.yaml --seed 7',
    (_c, args) => {
      const { r, j } = json(args);
      expect(r.status).toBe(1); // the p99 probe does not hold
      expect(j.summary.successRate).toBeGreaterThan(0.999); // pages stay up (fallbacks)…
      expect(j.summary.latencyMs.p99).toBeGreaterThan(2900); // …but p99 goes to 3 s
    },
  ],
  [
    'run topologies/bookinfo.yaml',
    (_c, args) => {
      const r = runCli(args);
      expect(r.status).toBe(0);
      expect(r.stdout).toMatch(/verdict NO CHECKS/);
    },
  ],
];

describe('README Quickstart', () => {
  it('has commands', () => expect(commands.length).toBeGreaterThanOrEqual(10));
  for (const cmd of commands) {
    it(
      cmd,
      () => {
        const check = CHECKS.find(([frag]) => cmd.replace(/'/g, '').includes(frag.replace(/'/g, '')));
        expect(check, `no lesson is checked for: ${cmd}`).toBeDefined();
        check![1](cmd, argsOf(cmd));
      },
      120_000,
    );
  }
});
