/**
 * Every shipped lab, every step: the starting files must not pass (no vacuous check), neither
 * must the previous step's solution (the step asks for a change), and the reference solution
 * must. Plus the grader's own rules: no data never passes, bad lab files give file:line errors.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkStep, listLabs, type LabEntry } from '../../simulator/cli/lab.ts';
import { parseLab } from '../../simulator/labs/load.ts';
import { SpecError } from '../../simulator/model/errors.ts';
import { runCli } from '../cli/helpers.ts';

const labs = listLabs();

function filesOf(entry: LabEntry, folder: string): string[] {
  const dir = join(entry.dir, folder);
  return existsSync(dir)
    ? readdirSync(dir)
        .filter((f) => f.endsWith('.yaml'))
        .sort()
        .map((f) => join(dir, f))
    : [];
}

/** The reference answers to a step's observation questions. */
function answersOf(entry: LabEntry, step: number): Record<number, string> {
  const qs = entry.lab.spec.steps[step]!.check.observe;
  return Object.fromEntries(qs.map((q, i) => [i + 1, q.answer]));
}

describe('shipped labs', () => {
  it('are listed, with ids unique', () => {
    expect(labs.length).toBeGreaterThanOrEqual(1);
    const ids = labs.map((l) => l.lab.spec.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  for (const entry of labs) {
    const spec = entry.lab.spec;
    spec.steps.forEach((step, i) => {
      describe(`${spec.id} step ${i + 1} (${step.id})`, () => {
        const solution = filesOf(entry, join('solution', step.id));
        const answers = answersOf(entry, i);

        it('has a reference solution', () => {
          expect(solution.length).toBeGreaterThan(0);
        });
        it('fails on the starting files', () => {
          const g = checkStep(entry, i + 1, filesOf(entry, 'start'), answers);
          expect(g.passed, g.checks.map((c) => `${c.name}: ${c.observed}`).join('\n')).toBe(false);
        });
        if (i > 0) {
          it("fails on the previous step's solution", () => {
            const prev = filesOf(entry, join('solution', spec.steps[i - 1]!.id));
            const g = checkStep(entry, i + 1, prev, answers);
            expect(g.passed, g.checks.map((c) => `${c.name}: ${c.observed}`).join('\n')).toBe(false);
          });
        }
        it('passes on the reference solution', () => {
          const g = checkStep(entry, i + 1, solution, answers);
          const failed = g.checks
            .filter((c) => !c.ok)
            .map((c) => `${c.name}: ${c.observed} (expected ${c.expected})`);
          expect(failed).toEqual([]);
          expect(g.passed).toBe(true);
        });
      });
    });
  }
});

describe('lab grading', () => {
  const cascade = labs.find((l) => l.lab.spec.id === 'cascade')!;

  it('a check whose window holds no data fails, whatever its bound', () => {
    const spec = structuredClone(cascade.lab.spec);
    // A window after the run's end: nothing completes there.
    spec.steps[0]!.check.expect = [
      { name: 'late', measure: { metric: 'successRate', window: { from: 200_000, to: 300_000 } }, min: 0 },
    ];
    spec.steps[0]!.check.observe = [];
    const g = checkStep(
      { ...cascade, lab: { ...cascade.lab, spec } },
      1,
      filesOf(cascade, 'solution/inject'),
    );
    expect(g.checks[0]!.ok).toBe(false);
    expect(g.checks[0]!.observed).toContain('no data');
    expect(g.passed).toBe(false);
  });

  it('an unanswered or wrong observation question does not pass', () => {
    const files = filesOf(cascade, 'solution/inject');
    expect(checkStep(cascade, 1, files, {}).passed).toBe(false);
    expect(checkStep(cascade, 1, files, { 1: 'ratings' }).passed).toBe(false);
    expect(checkStep(cascade, 1, files, { 1: 'reviews' }).passed).toBe(true);
  });

  it('is deterministic: the same files give the same run', () => {
    const files = filesOf(cascade, 'solution/timeout');
    expect(checkStep(cascade, 2, files).result.hash).toBe(checkStep(cascade, 2, files).result.hash);
  });

  it('bad lab files get file:line errors naming the field', () => {
    const bad = [
      'apiVersion: meshdojo/v1',
      'kind: Lab',
      'metadata: { name: x }',
      'spec:',
      '  title: t',
      '  summary: s',
      '  level: expert',
      '  minutes: 5',
      '  topology: t.yaml',
      '  duration: 10',
      '  steps:',
      '    - { id: a, title: t, goal: g, action: { text: x }, explain: e,',
      '        check: { expect: [ { name: n, metric: successRate } ] } }',
    ].join('\n');
    let err: unknown;
    try {
      parseLab(bad, 'bad-lab.yaml');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SpecError);
    const text = (err as SpecError).format();
    expect(text).toMatch(/^bad-lab\.yaml:7:10 spec\.level: /m);
    expect(text).toMatch(/^bad-lab\.yaml:10:13 spec\.duration: expected a duration with a unit/m);
    expect(text).toMatch(/spec\.steps\[0\]\.check\.expect\[0\]: expected `min`, `max` or both/);
  });
});

describe('meshdojo lab (CLI)', () => {
  it('list shows every lab; check exits 1 on the starting files and 0 on the solution', () => {
    const list = runCli(['lab', 'list']);
    expect(list.status).toBe(0);
    for (const l of labs) expect(list.stdout).toContain(l.lab.spec.id);

    const start = runCli(['lab', 'check', 'cascade', '--step', '1', ...filesOf(labs[0]!, 'start')]);
    expect(start.status).toBe(1);
    expect(start.stdout).toContain('NOT YET');
    const sol = runCli([
      'lab',
      'check',
      'cascade',
      '--step',
      '1',
      '--answer',
      '1=reviews',
      ...filesOf(labs[0]!, 'solution/inject'),
    ]);
    expect(sol.status).toBe(0);
    expect(sol.stdout).toMatch(/PASSED \(4\/4 checks held\)/);
  });

  it('a step out of range is bad input (exit 2, no stack)', () => {
    const r = runCli(['lab', 'check', 'cascade', '--step', '9']);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('--step: expected 1..3');
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});
