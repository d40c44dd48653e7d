/**
 * One Bookinfo case of the code checked out at `root`, in its own process, timed in CPU seconds:
 *   node --import tsx bench/cpu-case.ts <root> <case> <minutes>
 * Prints one JSON line. The baseline comparison runs this same file against two checkouts (the
 * current tree and a git worktree of the baseline commit), so both sides are measured alike.
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const [root, name, minutes] = process.argv.slice(2);
const base = pathToFileURL(`${resolve(root)}/`).href;
const { runScenario } = (await import(
  new URL('simulator/sim/run.ts', base).href
)) as typeof import('../simulator/sim/run.ts');
const { bookinfoCase } = (await import(new URL('bench/cases.ts', base).href)) as typeof import('./cases.ts');

const scenario = bookinfoCase(name as Parameters<typeof bookinfoCase>[0], Number(minutes), 1000);
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
  }),
);
