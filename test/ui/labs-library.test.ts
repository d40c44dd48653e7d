/**
 * The labs as the UI bundles them (import.meta.glob of labs/, topologies/, chaos/), graded in the
 * worker's engine host: the same checks and the same run hash as `meshdojo lab check`.
 */
import { describe, expect, it } from 'vitest';
import { reactive } from 'vue';
import { createEngineHost } from '../../ui/src/sim/engine-host.ts';
import { SimClient, type Port } from '../../ui/src/sim/client.ts';
import type { FromWorker, ToWorker } from '../../ui/src/sim/protocol.ts';
import { parseToWorker } from '../../ui/src/sim/protocol.ts';
import { LABS, solutionFiles, startFiles, stepBundle } from '../../ui/src/labs/library.ts';
import { checkStep, findLab } from '../../simulator/cli/lab.ts';

/** A port that clones on post, synchronously, as a browser's Worker.postMessage does. */
function cloningClient(): SimClient {
  const host = createEngineHost((m: FromWorker) =>
    queueMicrotask(() => port.onmessage?.({ data: structuredClone(m) })),
  );
  const port: Port = {
    onmessage: null,
    postMessage(m: ToWorker) {
      const copy = structuredClone(m);
      queueMicrotask(() => host.handle(copy));
    },
  };
  return new SimClient(port);
}

function client(): SimClient {
  const port: Port = {
    onmessage: null,
    postMessage(m: ToWorker) {
      queueMicrotask(() => host.handle(structuredClone(m)));
    },
  };
  const host = createEngineHost((m: FromWorker) =>
    queueMicrotask(() => port.onmessage?.({ data: structuredClone(m) })),
  );
  return new SimClient(port);
}

describe('labs in the UI', () => {
  it('bundles the fifteen shipped labs, each with its starting files and a bundle for every step', () => {
    expect(LABS.length).toBeGreaterThanOrEqual(15);
    for (const l of LABS) {
      const start = startFiles(l);
      expect(Object.keys(start), l.dir).toEqual(l.lab.spec.files);
      l.lab.spec.steps.forEach((_, i) =>
        expect(stepBundle(l, i, start).topology, `${l.dir} ${i}`).toBeDefined(),
      );
    }
  });

  it('grades lab 1 step 1 in the worker like `meshdojo lab check`: the start fails, the solution passes', async () => {
    const lab = LABS.find((l) => l.lab.spec.id === 'cascade')!;
    const c = client();
    const spec = lab.lab.spec;
    const failing = await c.grade(spec, 0, stepBundle(lab, 0, startFiles(lab)), { 1: 'reviews' });
    expect(failing.passed).toBe(false);
    const solution = solutionFiles(lab, 0);
    const passing = await c.grade(spec, 0, stepBundle(lab, 0, solution), { 1: 'reviews' });
    expect(passing.passed).toBe(true);
    const cli = checkStep(
      findLab('cascade'),
      1,
      Object.keys(solution).map((f) => `${lab.dir}/solution/inject/${f}`),
      { 1: 'reviews' },
    );
    expect(passing.hash).toBe(cli.result.hash);
    expect(passing.checks.map((x) => [x.name, x.ok, x.observed])).toEqual(
      cli.checks.map((x) => [x.name, x.ok, x.observed]),
    );
    expect(passing.reveal?.value).toBe(cli.reveal?.value);
  });

  it('checks a grade message on arrival', () => {
    expect(parseToWorker({ type: 'grade', runId: 1, lab: {}, step: 0.5, bundle: {}, answers: {} })).toMatch(
      /step must be an integer/,
    );
    expect(parseToWorker({ type: 'grade', runId: 1, lab: {}, step: 0, answers: {} })).toMatch(
      /bundle missing/,
    );
  });

  it("grades with the panel's answers as a Vue reactive object (a Worker cannot clone a proxy)", async () => {
    const lab = LABS.find((l) => l.lab.spec.id === 'cascade')!;
    const answers = reactive<Record<number, string>>({});
    answers[1] = 'reviews';
    const g = await cloningClient().grade(
      lab.lab.spec,
      0,
      stepBundle(lab, 0, solutionFiles(lab, 0)),
      answers,
    );
    expect(g.passed).toBe(true);
    expect(g.checks.find((c) => c.name === 'question 1')).toMatchObject({
      ok: true,
      observed: 'answered reviews',
    });
  });
});
