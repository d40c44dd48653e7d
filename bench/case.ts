/**
 * One benchmark case in its own process (so that peak memory is this case's own):
 *   node --import tsx bench/case.ts <case> <minutes> [rate]
 * Prints one JSON line.
 */
import { runScenario } from '../simulator/sim/run.ts';
import { bookinfoCase, type CaseName } from './cases.ts';

const [name, minutes, rate] = process.argv.slice(2);
const scenario = bookinfoCase(name as CaseName, Number(minutes), rate ? Number(rate) : 1000);
let peakHeap = 0;
const t0 = performance.now();
const r = runScenario(scenario, {
  wallClock: () => performance.now(),
  progressEveryMs: 10_000,
  onProgress: () => {
    const h = process.memoryUsage().heapUsed;
    if (h > peakHeap) peakHeap = h;
  },
});
const wallMs = performance.now() - t0;
console.log(
  JSON.stringify({
    case: name,
    minutes: Number(minutes),
    wallMs,
    serviceCalls: r.engine.serviceCalls,
    events: r.engine.events,
    entryRequests: r.summary.requests,
    successRate: r.summary.successRate,
    p99: r.summary.latencyMs.p99,
    callsPerSec: r.engine.serviceCalls / (wallMs / 1000),
    eventsPerSec: r.engine.events / (wallMs / 1000),
    peakRssMB: process.resourceUsage().maxRSS / 1024,
    peakHeapMB: peakHeap / 1048576,
    meshCpuCores: r.mesh.cpuCores,
    meshAddedMs: r.mesh.addedLatencyMsPerRequest,
  }),
);
