/**
 * One case of the code checked out at `root`, in its own process, timed in CPU seconds:
 *   node --import tsx bench/cpu-case.ts <root> <case> <minutes> [rate]
 * A Bookinfo case is built by `root`'s own bench/cases.ts; a DAG case (`dag200`, `dag1000`) by this
 * tree's generator (the baseline has none) and run by `root`'s engine.
 * Prints one JSON line. The baseline comparison runs this same file against two checkouts (the
 * current tree and a git worktree of the baseline commit), so both sides are measured alike.
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const [root, name, minutes, rate] = process.argv.slice(2);
const base = pathToFileURL(`${resolve(root)}/`).href;
const { runScenario } = (await import(
  new URL('simulator/sim/run.ts', base).href
)) as typeof import('../simulator/sim/run.ts');
const { bookinfoCase } = (await import(new URL('bench/cases.ts', base).href)) as typeof import('./cases.ts');

const { dagCase } = await import('./cases.ts');
const scenario = name.startsWith('dag')
  ? dagCase(Number(name.slice(3)) as 200 | 1000, Number(rate), Number(minutes) * 60)
  : bookinfoCase(name as Parameters<typeof bookinfoCase>[0], Number(minutes), 1000);
const c0 = process.cpuUsage();
const t0 = performance.now();
const r = runScenario(scenario);
const wallMs = performance.now() - t0;
const cpu = process.cpuUsage(c0);
const cpuSeconds = (cpu.user + cpu.system) / 1e6;
console.log(
  JSON.stringify({
    case: name,
    serviceCalls: r.engine.serviceCalls,
    events: r.engine.events,
    cpuSeconds,
    wallMs,
    callsPerCpuSecond: r.engine.serviceCalls / cpuSeconds,
    successRate: r.summary.successRate,
    peakRssMB: process.resourceUsage().maxRSS / 1024,
  }),
);
