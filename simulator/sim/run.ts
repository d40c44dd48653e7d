/**
 * Entry point of the simulated data plane: Scenario in, RunResult out. Deterministic: the same
 * scenario and seed give a byte-identical result (and hash) in Node, a worker thread or a browser.
 */
import { VirtualClock } from '../engine/clock.ts';
import { createRng } from '../engine/rng.ts';
import type { FaultSpec, ScenarioSpec } from '../model/types.ts';
import { resultHash } from '../telemetry/hash.ts';
import { Recorder } from '../telemetry/recorder.ts';
import type { RunEvent, RunResult, TimeSeries } from '../telemetry/types.ts';
import { ChaosController } from './chaos.ts';
import { DataPlane } from './dataplane.ts';
import { headerSets, LoadGenerator, loadLength } from './load.ts';
import { buildMesh } from './mesh-setup.ts';
import { Tracer } from './tracer.ts';
import type { Sink } from './sink.ts';
import { thresholdResults, VerdictSink } from './verdict.ts';
import { compileWorld } from './world.ts';
import { formatAccessLog } from '../telemetry/access-log.ts';
import { verdictOf } from '../telemetry/verdict.ts';

export interface RunOptions {
  /** Called about every `progressEveryMs` of simulated time (default: 1/100 of the run). */
  onProgress?: (simulatedMs: number, totalMs: number) => void;
  progressEveryMs?: number;
  /** Wall-clock reader for the `wall` block (Node: performance.now); omitted = no `wall` block. */
  wallClock?: () => number;
  /** Called once the run is over, with the data plane (tests read its clusters' counters). */
  inspect?: (dataPlane: DataPlane) => void;
}

/** How long a scenario runs: its own duration, else its load profile's length. */
export function scenarioDuration(s: ScenarioSpec): number {
  if (s.duration !== undefined) return s.duration;
  if (s.load) return loadLength(s.load);
  throw new Error(`scenario ${s.name}: no duration and no load profile to take one from`);
}

export function runScenario(scenario: ScenarioSpec, options: RunOptions = {}): RunResult {
  const run = startScenario(scenario, options);
  const durationMs = run.durationMs;
  const step = options.progressEveryMs ?? Math.max(durationMs / 100, scenario.interval);
  for (let t = 0; t < durationMs;) {
    t = Math.min(durationMs, t + step);
    run.advance(t);
    options.onProgress?.(t, durationMs);
  }
  return run.finish();
}

/**
 * A run that advances in slices: `advance(t)` simulates up to virtual time `t`, `finish()` builds
 * the RunResult. Lets a caller (the CLI) measure speed on the run itself, estimate the rest, show
 * progress by wall time and stop on Ctrl-C between slices; `runScenario` drives it in one go.
 */
export interface RunStepper {
  readonly durationMs: number;
  /** Virtual time reached so far (ms). */
  readonly now: number;
  /** Engine events processed so far. */
  readonly events: number;
  /** Entry requests the load generator has sent so far. */
  readonly requestsSent: number;
  advance(toMs: number): void;
  finish(): RunResult;
}

/** `startRun` with the CLI's options: `inspect` at the end and the wall-clock block. */
export function startScenario(scenario: ScenarioSpec, options: RunOptions = {}): RunStepper {
  const wallStart = options.wallClock?.();
  const run = startRun(scenario);
  return {
    durationMs: run.durationMs,
    get now() {
      return run.now();
    },
    get events() {
      return run.engineEvents();
    },
    get requestsSent() {
      return run.requestsSent();
    },
    advance: (t) => run.advanceTo(t),
    finish() {
      const result = run.finish(options.inspect);
      if (wallStart !== undefined && options.wallClock && result.wall === undefined) {
        const elapsedMs = options.wallClock() - wallStart;
        result.wall = {
          elapsedMs: Math.round(elapsedMs),
          eventsPerSecond: Math.round(result.engine.events / (elapsedMs / 1000)),
          callsPerSecond: Math.round(result.engine.serviceCalls / (elapsedMs / 1000)),
        };
      }
      return result;
    },
  };
}

/**
 * A run driven step by step (a live view in a Web Worker): advance the virtual clock to any time,
 * read the intervals closed so far, inject and end faults between steps, then finish. Advancing
 * in any slices and finishing gives the same RunResult, hash included, as `runScenario`.
 */
export interface SteppedRun {
  readonly durationMs: number;
  /** Simulated time reached (ms). */
  now(): number;
  /** Engine events run so far. */
  engineEvents(): number;
  /** Entry requests the load generator has sent so far. */
  requestsSent(): number;
  /** Run every event due at or before `t` (clamped to the run's end). */
  advanceTo(t: number): void;
  /** The intervals closed so far (the recorder's own arrays: copy what you keep). */
  series(): TimeSeries;
  /** Events recorded so far, from index `from` on. */
  eventsFrom(from: number): RunEvent[];
  /** Inject a fault starting at `f.at` (≥ now), lasting until `stopFault`. */
  injectFault(f: FaultSpec): void;
  /** End an injected fault at `t` (≥ now). */
  stopFault(f: FaultSpec, t: number): void;
  /** Run to the end and build the RunResult (once); `inspect` sees the data plane first. */
  finish(inspect?: (dataPlane: DataPlane) => void): RunResult;
}

export function startRun(scenario: ScenarioSpec): SteppedRun {
  const durationMs = scenarioDuration(scenario);
  const rng = createRng(scenario.seed);
  const clock = new VirtualClock();
  const world = compileWorld(scenario, rng);
  const recorder = new Recorder(
    world.services.map((s) => s.name),
    world.edges.map(
      (e) =>
        [e.from < 0 ? 'client' : world.services[e.from].name, world.services[e.to].name] as [string, string],
    ),
    scenario.interval,
    durationMs,
  );
  const chaos = scenario.chaos;
  const probes = chaos.flatMap((c) => c.steadyState);
  const verdict = new VerdictSink(
    recorder,
    probes,
    world.serviceByName.size ? new Map([...world.serviceByName].map(([k, v]) => [k, v.id])) : new Map(),
    world.services.length,
    () => clock.now(),
  );
  // The verdict wrapper measures probes; without probes the recorder is told directly.
  const sink: Sink = probes.length ? verdict : recorder;
  const tracer = new Tracer();
  const load = scenario.load;
  const hdrSets = headerSets(load);
  const mesh = buildMesh(scenario, world, clock, rng, sink);
  let chaosCtl: ChaosController | null = null;
  const dp = new DataPlane(world, clock, rng, sink, tracer, {
    ...mesh.options,
    headerSets: hdrSets,
    clientTimeout: load?.timeout ?? 60000,
    clientRetries: load?.retries.attempts ?? 0,
    clientBackoff: load?.retries.backoff ?? 1000,
    partitioned: (from, to) => (chaosCtl ? chaosCtl.partitioned(from, to) : false),
  });
  dp.prewarm();
  mesh.attach(dp);
  const chaosController = new ChaosController(world, dp, sink, durationMs);
  chaosCtl = chaosController;
  chaosController.schedule(chaos);

  let requestsSent = 0;
  if (load) {
    const gen = new LoadGenerator(
      load,
      {
        send: (hdr, sample, done) => {
          requestsSent++;
          dp.clientRequest(hdr, sample, done ? () => done() : undefined);
        },
        at: (time, fn) => clock.schedule(time - clock.now(), fn),
        now: () => clock.now(),
      },
      rng,
      durationMs,
      scenario.sampling,
    );
    gen.start();
  }

  // Interval boundaries: gauges and per-interval series.
  const interval = scenario.interval;
  // CPU of services with a `cpu` limit, per interval (the slot gauge says nothing about cores).
  const cpuBusyAt = world.services.map(() => 0);
  let lastSampleAt = 0;
  const onInterval = (): void => {
    const t = clock.now();
    dp.sampleGauges(t);
    for (const svc of world.services) {
      if (svc.spec.cpu === undefined) continue;
      const cores = svc.spec.cpu * svc.instances.length;
      const span = t - lastSampleAt;
      recorder.sampleCpu(
        svc.id,
        cores > 0 && span > 0 ? (svc.cpuBusy - cpuBusyAt[svc.id]) / (cores * span) : 0,
      );
      cpuBusyAt[svc.id] = svc.cpuBusy;
    }
    lastSampleAt = t;
    recorder.closeInterval(t);
    if (t + interval <= durationMs + 1e-9) clock.at(t + interval, onInterval, null);
  };
  clock.at(Math.min(interval, durationMs), onInterval, null);

  let finished: RunResult | null = null;
  const advanceTo = (t: number): void => {
    if (finished) return;
    clock.runUntil(Math.min(durationMs, t));
  };
  return {
    durationMs,
    now: () => clock.now(),
    engineEvents: () => clock.events,
    requestsSent: () => requestsSent,
    advanceTo,
    series: () => recorder.liveSeries(),
    eventsFrom: (from) => recorder.eventsFrom(from),
    injectFault: (f) => chaosController.inject(f),
    stopFault: (f, t) => chaosController.stop(f, t),
    finish(inspect?: (dataPlane: DataPlane) => void): RunResult {
      if (finished) return finished;
      if (clock.now() < durationMs) clock.runUntil(durationMs);
      inspect?.(dp);
      mesh.finish(durationMs);
      dp.closeBusy(durationMs);
      for (const svc of world.services) {
        recorder.setCapacity(svc.id, svc.instances.length, svc.slotsTotal);
        recorder.busySlotTime(svc.id, svc.busyArea);
        for (const inst of svc.instances) recorder.maxQueue(svc.id, inst.maxQueue);
      }

      const partial = recorder.finish();
      for (const svc of world.services) {
        const st = partial.services[svc.name];
        if (!st) continue;
        const versions: Record<string, number> = {};
        for (const v of svc.versions) versions[v.name] = v.instances.reduce((n, i) => n + i.served, 0);
        st.versions = versions;
        if (svc.spec.cpu !== undefined)
          st.cpuUtilization =
            Math.round((svc.cpuBusy / (svc.spec.cpu * svc.instances.length * durationMs)) * 1e6) / 1e6;
      }
      const thresholds = load
        ? thresholdResults(load.thresholds, recorder.entryHistogram(), partial.summary, durationMs)
        : [];
      const probeResults = verdict.probeResults();
      const result: RunResult = {
        mode: 'simulated',
        scenario: scenario.name,
        seed: scenario.seed,
        durationMs,
        hash: '',
        ...partial,
        mesh: mesh.cost(durationMs, partial.summary.requests),
        traces: tracer.spans,
        accessLog: tracer.access.map((r) =>
          formatAccessLog({
            startMs: r.startMs,
            method: r.method,
            path: r.path,
            status: r.status,
            flags: r.flags === '-' ? undefined : r.flags,
            bytesSent: r.status > 0 && r.status < 400 ? r.bytesSent : undefined,
            durationMs: r.durationMs,
            userAgent: r.source === 'client' ? 'meshdojo-loadgen' : r.source,
            requestId: r.requestId,
            authority: r.authority,
            upstreamHost: r.upstreamHost,
          }),
        ),
        thresholds,
        probes: probeResults,
        passed: verdictOf(thresholds, probeResults) === 'passed',
        verdict: verdictOf(thresholds, probeResults),
        engine: { events: clock.events, serviceCalls: dp.serviceCalls },
      };
      result.hash = resultHash(result);
      finished = result;
      return result;
    },
  };
}
