/**
 * Acceptance 2 of the live data-plane issue, by the import graph: the sidecar program reaches the
 * mesh core's `Exchange` and its one cluster assembly (mesh/policy-cluster.ts), and no module of
 * simulator/live imports a leaf decision object of the mesh (retry policy, budgets, breaker, pool,
 * outlier detector, balancer, router, fault injector) or builds one itself: routing, retries,
 * timeouts, pools, breakers and outlier detection are not written a second time. A static scan
 * of the source (value imports; `import type` carries no code).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const LEAVES = ['retry', 'retry-budget', 'breaker', 'pool', 'outlier', 'balancer', 'router', 'fault'].map(
  (m) => `simulator/mesh/${m}.ts`,
);
const BUILDERS =
  /\bnew (RetryPolicy|CircuitBreaker|ConnectionPool|OutlierDetector|Router|FaultInjector|MaxRetriesGate)\b|\bcreate(Balancer|RetryGate)\(/;

/** Relative value imports of a module's source (`import type …` and `export type …` skipped). */
export function valueImports(source: string): string[] {
  const out: string[] = [];
  const re = /^\s*(import|export)\s+(type\s+)?([^'";]*?)\s*from\s*'(\.[^']+)'|^\s*import\s+'(\.[^']+)'/gm;
  for (let m = re.exec(source); m !== null; m = re.exec(source)) {
    if (m[2]) continue;
    out.push(m[4] ?? m[5]);
  }
  return out;
}

function graph(entry: string): Map<string, string[]> {
  const seen = new Map<string, string[]>();
  const todo = [entry];
  while (todo.length) {
    const file = todo.pop()!;
    if (seen.has(file)) continue;
    const deps = valueImports(readFileSync(join(ROOT, file), 'utf8')).map((s) =>
      relative(ROOT, resolve(ROOT, dirname(file), s)),
    );
    seen.set(file, deps);
    for (const d of deps) if (d.endsWith('.ts')) todo.push(d);
  }
  return seen;
}

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(join(ROOT, dir), { withFileTypes: true })) {
    const p = `${dir}/${e.name}`;
    if (e.isDirectory()) out.push(...filesUnder(p));
    else if (p.endsWith('.ts')) out.push(p);
  }
  return out;
}

describe('the sidecar runs the mesh core, not a copy of it', () => {
  const g = graph('simulator/live/sidecar/main.ts');

  it('reaches the Exchange and the one cluster assembly from main.ts', () => {
    expect(g.has('simulator/mesh/exchange.ts')).toBe(true);
    expect(g.has('simulator/mesh/policy-cluster.ts')).toBe(true);
    expect(g.has('simulator/mesh/security.ts')).toBe(true); // the callee side's Authorizer
    // The leaves are reached, but only through the assembly (or the simulator's own setup).
    for (const leaf of ['simulator/mesh/retry.ts', 'simulator/mesh/breaker.ts', 'simulator/mesh/pool.ts'])
      expect(g.has(leaf), leaf).toBe(true);
    const importersOfLeaves = [...g]
      .filter(([, deps]) => deps.some((d) => LEAVES.includes(d)))
      .map(([f]) => f);
    expect(importersOfLeaves.length).toBeGreaterThan(0);
    for (const f of importersOfLeaves) expect(f.startsWith('simulator/live/'), f).toBe(false);
  });

  it('no module of simulator/live imports a leaf decision object or builds one', () => {
    const live = filesUnder('simulator/live');
    expect(live.length).toBeGreaterThan(10);
    for (const f of live) {
      const src = readFileSync(join(ROOT, f), 'utf8');
      const deps = valueImports(src).map((s) => relative(ROOT, resolve(ROOT, dirname(f), s)));
      for (const d of deps) expect(LEAVES, `${f} imports ${d}`).not.toContain(d);
      expect(BUILDERS.test(src), `${f} builds a mesh decision object`).toBe(false);
    }
  });

  it('the scan sees a forbidden import and a builder when there is one', () => {
    const src =
      "import { RetryPolicy } from '../../mesh/retry.ts';\nimport type { X } from './x.ts';\nconst p = new RetryPolicy(spec);\n";
    expect(valueImports(src)).toEqual(['../../mesh/retry.ts']);
    expect(BUILDERS.test(src)).toBe(true);
  });
});
