/**
 * Hooks the benchmark (bench/ui-browser.ts) calls from the page: a whole run of a shipped
 * topology inside the Web Worker, and the page's frame times. Not used by the UI itself.
 */
import type { SimClient } from './sim/client.ts';
import { buildScenario } from './scenario/build.ts';
import { topologyById } from './scenario/library.ts';
import { frameStats, resetFrames } from './perf.ts';

export function installBenchHook(client: SimClient): void {
  (globalThis as unknown as { __meshdojoBench: unknown }).__meshdojoBench = {
    frameStats,
    resetFrames,
    /** A whole run in the worker of a shipped topology (by id) or of the given YAML text. */
    async runInWorker(topology: string, durationMs: number) {
      const t = topologyById(topology) ?? { file: 'bench.yaml', text: topology };
      const b = buildScenario({
        topology: { file: t.file, text: t.text },
        policies: [],
        chaos: [],
        seed: 1,
        durationMs,
        sampling: 0,
      });
      if (!b.ok) throw new Error(b.issues[0].message);
      const { result, wallMs } = await client.run(b.scenario);
      return {
        events: result.engine.events,
        serviceCalls: result.engine.serviceCalls,
        wallMs,
        hash: result.hash,
      };
    },
  };
}
