/**
 * One live run from scenario to RunResult, on any Backend: plan the instances and their ports,
 * write the stub (and sidecar) configurations, start the units and wait until each is healthy
 * (bounded; a unit that exits or never answers fails the run with its stderr tail), start the
 * fault proxy in front of the instances the chaos targets with toxics, run the load and the chaos
 * on the wall clock while the collector builds the intervals, drain, tear everything down and
 * build the RunResult (`mode: 'live'`).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import type { ScenarioSpec } from '../../model/types.ts';
import { resultHash } from '../../telemetry/hash.ts';
import { frameAt, type IntervalFrame } from '../../telemetry/interval.ts';
import type { MeshCost, RunEvent, RunResult } from '../../telemetry/types.ts';
import { verdictOf } from '../../telemetry/verdict.ts';
import { formatAccessLog } from '../../telemetry/access-log.ts';
import { thresholdResults } from '../../sim/verdict.ts';
import type {
  AccessRecord,
  Backend,
  EndpointRecord,
  EndpointTable,
  SidecarConfig,
  UnitExit,
  UnitSpec,
} from '../contract.ts';
import { ADMIN_PATHS } from '../contract.ts';
import { freePorts } from '../backend/ports.ts';
import type { UnitUsage } from '../backend/process.ts';
import type { StubConfig, StubRecord, StubStats } from '../stub/config.ts';
import { STUB_PATHS } from '../stub/config.ts';
import { openFaultProxy, type FaultProxyClient } from '../toxiproxy/client.ts';
import type { LiveLayout } from '../toxiproxy/chaos-map.ts';
import { LiveChaos } from './chaos.ts';
import { LiveCanaries } from './canaries.ts';
import { LocalCa } from '../mtls/ca.ts';
import { mtlsModeOf } from '../sidecar/cluster-set.ts';
import { sidecarEntry } from './entries.ts';
import type { TlsMaterial } from '../contract.ts';
import { JsonlTail, LiveCollector } from './collector.ts';
import { startLifecycle, stateName, type LifecycleActor } from './lifecycle.ts';
import { liveEdges, livePlan, type LiveInstancePlan, type LivePlan } from './layout.ts';
import { LoadRunner, type ClientRecord } from './load-runner.ts';

export const STUB_ENTRY = 'simulator/live/stub/main.ts';
export const SIDECAR_ENTRY = 'simulator/live/sidecar/main.ts';

/** A live run that could not go on: said plainly (the CLI prints it without a stack). */
export class LiveRunError extends Error {
  override name = 'LiveRunError';
}

/** What a backend may also offer: resource use and output tails of its units. */
interface Introspection {
  usage(): UnitUsage[];
  output(name: string): { stdout: string; stderr: string };
  pids(): Record<string, number>;
}

export interface LiveRunOptions {
  scenario: ScenarioSpec;
  backend: Backend & Partial<Introspection>;
  /** Folder for configurations and logs (created). */
  workDir: string;
  onFrame?: (f: IntervalFrame) => void;
  onEvent?: (e: RunEvent) => void;
  onState?: (state: string) => void;
  /** Progress and warnings (stderr). */
  note?: (line: string) => void;
  /** Bound on start-up (every unit healthy), ms. Default 60 s (a loaded machine starts slowly). */
  startTimeoutMs?: number;
  /** `live up`: after the load, keep the topology running until `stop()`. */
  keepRunning?: boolean;
  /** Ctrl-C handling is the caller's; `stop()` drains. */
  sidecarEntry?: string;
  /** Hard bound on entry requests (default: 3 × the load's expected count + 1000). */
  maxRequests?: number;
}

interface InstanceState {
  plan: LiveInstancePlan;
  /** Address callers use: the fault proxy in front of it, else its sidecar's inbound, else the app. */
  address: string;
  ready: boolean;
  up: boolean;
  lastBusy: number;
  bankedBusy: number;
  maxQueue: number;
}

export class LiveRun {
  readonly lifecycle: LifecycleActor;
  private readonly s: ScenarioSpec;
  private plan!: LivePlan;
  private readonly instances = new Map<string, InstanceState>();
  private faults: FaultProxyClient | null = null;
  private load: LoadRunner | null = null;
  private chaos: LiveChaos | null = null;
  private canaries: LiveCanaries | null = null;
  private collector!: LiveCollector;
  private epochMs = 0;
  /** ms from the epoch to the run's t = 0 (the load's start). */
  private offset = 0;
  private t0 = 0;
  private readonly tails: { kind: 'stub' | 'sidecar'; tail: JsonlTail<StubRecord | AccessRecord> }[] = [];
  private clientRecords: ClientRecord[] = [];
  private readonly events: RunEvent[] = [];
  private readonly versions = new Map<string, Record<string, number>>();
  private readonly sidecarLog: AccessRecord[] = [];
  private stopRequested: (() => void) | null = null;
  private stopping = false;
  private failure: Error | null = null;
  private readonly exits: UnitExit[] = [];
  private startupMs = 1000;
  private usageStart = new Map<string, number>();
  /** Workload certificates by service (a local CA made for the run), when there is a mesh. */
  private readonly certs = new Map<string, TlsMaterial>();
  private ingressTls: TlsMaterial | undefined;
  /** The sidecar program of this run (the bundle when current), chosen once. */
  private readonly sidecarProgram = sidecarEntry();
  /** Mesh events already taken from each sidecar's /stats, and the breakers and detectors at the end. */
  private readonly seenMeshEvents = new Map<string, Set<string>>();
  private breakers: MeshCost['breakers'] = [];
  private detectors: MeshCost['outlierDetectors'] = [];
  readonly durationMs: number;

  constructor(private readonly o: LiveRunOptions) {
    this.s = o.scenario;
    this.durationMs = o.scenario.duration ?? 0;
    if (!(this.durationMs > 0)) throw new LiveRunError('a live run needs a duration (give --duration)');
    this.lifecycle = startLifecycle({
      // The chart's bound is the backstop: each unit's own (shorter) bound gives the precise error.
      startMs: (o.startTimeoutMs ?? 60_000) + 10_000,
      // `live up` keeps the topology until it is stopped (a day at most).
      runMs: o.keepRunning ? 24 * 3600_000 : this.durationMs + 30_000,
      drainMs: 30_000,
    });
    this.lifecycle.subscribe(() => o.onState?.(stateName(this.lifecycle)));
  }

  get state(): string {
    return stateName(this.lifecycle);
  }

  /** The entry's addresses now (what `live status` prints and the load uses). */
  addresses(service: string): string[] {
    return [...this.instances.values()]
      .filter((i) => i.plan.service === service && i.ready)
      .map((i) => i.address);
  }

  /** Units and their ports (for the state file of `live up`). */
  describe(): {
    instances: {
      name: string;
      service: string;
      version: string;
      address: string;
      appPort: number;
      admin?: number;
      /** Every port of 127.0.0.1 the instance's units listen on (app, sidecar) or its fault proxy does. */
      ports: number[];
    }[];
  } {
    return {
      instances: [...this.instances.values()].map((i) => ({
        name: i.plan.name,
        service: i.plan.service,
        version: i.plan.version,
        address: i.address,
        appPort: i.plan.appPort,
        ...(i.plan.sidecar ? { admin: i.plan.sidecar.admin } : {}),
        ports: [
          i.plan.appPort,
          ...(i.plan.sidecar ? [i.plan.sidecar.inbound, i.plan.sidecar.outbound, i.plan.sidecar.admin] : []),
          Number(i.address.slice(i.address.lastIndexOf(':') + 1)),
        ],
      })),
    };
  }

  /** Ask the run to drain now (Ctrl-C, `live down`). */
  stop(): void {
    this.stopping = true;
    this.stopRequested?.();
  }

  private note(line: string): void {
    this.o.note?.(line);
  }

  private now = (): number => Date.now() - this.epochMs - this.offset;

  private send(e: Parameters<LifecycleActor['send']>[0]): void {
    this.lifecycle.send(e);
  }

  /** Prepare, start, run, drain, stop; always tears down. */
  async run(): Promise<RunResult> {
    try {
      await this.prepare();
      await this.startUnits();
      this.send({ type: 'STARTED' });
      this.checkFailed();
      if (this.stopping) throw new LiveRunError('stopped before the run began');
      await this.runLoad();
      this.send({ type: 'DRAIN' });
      await this.meshAtEnd();
      const result = this.finish();
      await this.teardown();
      this.send({ type: 'STOPPED' });
      return result;
    } catch (err) {
      const reason = (err as Error).message;
      if (this.state !== 'failed') this.send({ type: 'FAIL', reason });
      await this.teardown();
      throw err instanceof LiveRunError ? err : new LiveRunError(reason);
    }
  }

  private checkFailed(): void {
    if (this.state === 'failed')
      throw new LiveRunError(this.lifecycle.getSnapshot().context.reason ?? 'failed');
    if (this.failure) throw this.failure;
  }

  // ── preparing ─────────────────────────────────────────────────────────────────────────────

  private async prepare(): Promise<void> {
    mkdirSync(this.o.workDir, { recursive: true });
    const pool = await freePorts(
      this.s.topology.services.reduce((n, s) => n + s.versions.reduce((m, v) => m + v.replicas, 0), 0) * 4 +
        4,
    );
    this.plan = livePlan(this.s, () => {
      const p = pool.shift();
      if (p === undefined) throw new LiveRunError('ran out of free ports');
      return p;
    });
    for (const w of this.plan.warnings) this.note(`warning: ${w}`);
    const meshed = this.plan.mode !== 'none';
    this.collector = new LiveCollector(this.s, liveEdges(this.s), this.durationMs, meshed);
    this.epochMs = Date.now();
    // Workload certificates whenever the policies' mTLS mode needs them (strict or permissive):
    // sidecars then speak TLS 1.3 to each other and authorize on the peer's SPIFFE id.
    if (meshed && mtlsModeOf(this.s.policies) !== 'disable') {
      const ca = await LocalCa.create(`meshdojo ${this.s.name} CA`);
      for (const i of this.plan.instances)
        if (i.meshed && !this.certs.has(i.service))
          this.certs.set(i.service, await ca.issue({ namespace: 'default', service: i.service }));
      // The load runner plays the ingress gateway (the simulator's entry identity).
      this.ingressTls = await ca.issue({ namespace: 'istio-system', service: 'istio-ingressgateway' });
    }

    // Fault proxies in front of the instances a toxic fault targets.
    const layout = this.layout();
    const proxied = new Set(layout.edges.map((e) => e.toInstance!));
    if (proxied.size > 0) {
      this.faults = await openFaultProxy();
      const list = this.plan.instances
        .filter((i) => proxied.has(i.name))
        .map((i) => ({ name: `fp-${i.name}`, listen: '127.0.0.1:0', upstream: `127.0.0.1:${inbound(i)}` }));
      const made = await this.faults.ensureProxies(list);
      made.forEach((p, k) => {
        const name = list[k].name.slice(3);
        this.instances.set(
          name,
          this.state0(
            this.plan.instances.find((i) => i.name === name)!,
            p.listen,
          ),
        );
      });
    }
    for (const i of this.plan.instances)
      if (!this.instances.has(i.name)) this.instances.set(i.name, this.state0(i, `127.0.0.1:${inbound(i)}`));
    this.send({ type: 'PREPARED' });
  }

  private state0(plan: LiveInstancePlan, address: string): InstanceState {
    return { plan, address, ready: true, up: true, lastBusy: 0, bankedBusy: 0, maxQueue: 0 };
  }

  /** The chaos map's view: every instance, and a fault-proxy edge into each instance a toxic targets. */
  private layout(): LiveLayout {
    const instances = this.plan.instances.map((i) => ({
      id: i.name,
      service: i.service,
      version: i.version,
      node: i.node,
    }));
    const targeted = new Set<string>();
    const base: LiveLayout = { instances, edges: [], connectTimeout: this.s.topology.network.connectTimeout };
    for (const c of this.s.chaos)
      for (const f of c.faults)
        if (f.type === 'latency' || f.type === 'loss') {
          const sel = f.target;
          for (const i of instances)
            if (
              (sel.service === undefined || i.service === sel.service) &&
              (sel.version === undefined || i.version === sel.version) &&
              (sel.node === undefined || i.node === sel.node)
            )
              targeted.add(i.id);
        }
    base.edges = [...targeted].sort().map((id) => ({
      proxy: `fp-${id}`,
      from: null,
      to: instances.find((i) => i.id === id)!.service,
      toInstance: id,
    }));
    return base;
  }

  private endpointTable(services?: string[]): EndpointTable {
    const table: EndpointTable = {};
    for (const st of this.instances.values()) {
      const svc = st.plan.service;
      if (services && !services.includes(svc)) continue;
      const rec: EndpointRecord = {
        key: st.plan.name,
        service: svc,
        version: st.plan.version,
        address: st.address,
        ready: st.ready,
        ...(this.plan.mode !== 'none' && !st.plan.meshed ? { plaintext: true } : {}),
      };
      (table[svc] ??= []).push(rec);
    }
    return table;
  }

  private units(i: LiveInstancePlan): UnitSpec[] {
    const dir = this.o.workDir;
    const stubCfg: StubConfig = {
      runId: this.s.name,
      service: i.service,
      instance: i.name,
      version: i.version,
      port: i.appPort,
      concurrency: this.svc(i.service).concurrency,
      queue: this.svc(i.service).queue,
      ...(this.svc(i.service).cpu !== undefined ? { cpu: this.svc(i.service).cpu } : {}),
      endpoints: i.versionSpec.endpoints,
      seed: this.s.seed,
      downstream: i.sidecar
        ? { mode: 'sidecar', outbound: i.sidecar.outbound }
        : { mode: 'direct', endpoints: this.endpointTable() },
      log: join(dir, `${i.name}.app.jsonl`),
      epochMs: this.epochMs,
    };
    const appCfg = join(dir, `${i.name}.app.json`);
    writeFileSync(appCfg, JSON.stringify(stubCfg, null, 2));
    this.tails.push({ kind: 'stub', tail: new JsonlTail(stubCfg.log) });
    const units: UnitSpec[] = [
      {
        name: `${i.name}.app`,
        role: 'app',
        service: i.service,
        instance: i.name,
        entry: STUB_ENTRY,
        args: [appCfg],
        env: {},
        healthUrl: `http://127.0.0.1:${i.appPort}${STUB_PATHS.health}`,
        group: i.name,
      },
    ];
    if (i.sidecar) {
      const sc: SidecarConfig = {
        runId: this.s.name,
        service: i.service,
        instance: i.name,
        version: i.version,
        namespace: 'default',
        listen: i.sidecar,
        appPort: i.appPort,
        policies: this.s.policies,
        services: this.s.topology.services.map((s) => ({
          name: s.name,
          versions: s.versions.map((v) => v.name),
        })),
        endpoints: this.endpointTable(),
        accessLog: join(dir, `${i.name}.sidecar.jsonl`),
        epochMs: this.epochMs,
        ...(this.certs.has(i.service) ? { tls: this.certs.get(i.service)! } : {}),
        connectTimeoutMs: this.s.topology.network.connectTimeout,
      };
      const scPath = join(dir, `${i.name}.sidecar.json`);
      writeFileSync(scPath, JSON.stringify(sc, null, 2));
      this.tails.push({ kind: 'sidecar', tail: new JsonlTail(sc.accessLog) });
      units.push({
        name: `${i.name}.sidecar`,
        role: 'sidecar',
        service: i.service,
        instance: i.name,
        entry: this.o.sidecarEntry ?? this.sidecarProgram,
        args: [scPath],
        env: {},
        healthUrl: `http://127.0.0.1:${i.sidecar.admin}${ADMIN_PATHS.ready}`,
        group: i.name,
      });
    }
    return units;
  }

  private svc(name: string) {
    return this.s.topology.services.find((s) => s.name === name)!;
  }

  // ── starting ──────────────────────────────────────────────────────────────────────────────

  private async startUnits(): Promise<void> {
    const b = this.o.backend;
    b.onExit((e) => {
      this.exits.push(e);
      const st = [...this.instances.values()].find((i) => e.name.startsWith(`${i.plan.name}.`));
      if (st && st.up && this.state === 'starting') this.failure = new LiveRunError(exitText(e));
    });
    const all = this.plan.instances.flatMap((i) => this.units(i));
    const t0 = Date.now();
    for (const u of all) await b.start(u);
    this.note(`live: ${all.length} units started on the ${b.kind} backend; waiting until they are healthy`);
    await Promise.all(all.map((u) => this.waitHealthy(u)));
    this.startupMs = Math.min(5000, (Date.now() - t0) / Math.max(1, Math.ceil(all.length / 2)));
    this.note(`live: all healthy after ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  }

  /**
   * Until the unit answers its health check. `sinceExit`: exits recorded before this index belong
   * to an earlier start (a restart waits only on the new one; a container has no pid to tell them apart).
   */
  private async waitHealthy(
    u: UnitSpec,
    boundMs = this.o.startTimeoutMs ?? 60_000,
    sinceExit = 0,
  ): Promise<void> {
    const deadline = Date.now() + boundMs;
    for (;;) {
      const exit = this.exits.slice(sinceExit).find((e) => e.name === u.name);
      if (exit && (this.state === 'starting' || this.state.startsWith('running'))) {
        const alive = this.o.backend.pids?.()[u.name];
        if (alive === undefined) throw new LiveRunError(exitText(exit));
      }
      if (this.state === 'failed') this.checkFailed();
      if (this.stopping && this.state === 'starting') throw new LiveRunError('stopped while starting');
      if ((await httpStatus('GET', u.healthUrl, 1000)) === 200) return;
      if (Date.now() > deadline) {
        const tail = this.o.backend.output?.(u.name).stderr ?? '';
        throw new LiveRunError(
          `${u.name} did not pass its health check (${u.healthUrl}) within ${Math.round(boundMs / 1000)} s` +
            (tail ? `; its stderr ends with:\n${indent(tail)}` : ''),
        );
      }
      await sleep(100);
    }
  }

  // ── running ───────────────────────────────────────────────────────────────────────────────

  private async runLoad(): Promise<void> {
    const load = this.s.load;
    if (!load) throw new LiveRunError('a live run needs a load profile');
    this.offset = Date.now() - this.epochMs;
    this.t0 = Date.now();
    this.usageStart = new Map((this.o.backend.usage?.() ?? []).map((u) => [u.name, u.cpuMs]));
    this.send({ type: 'RUN' });
    const entry = load.entry ?? this.s.topology.entry;
    const targets = load.requests.length
      ? load.requests.map((r) => ({
          service: r.service ?? entry.service,
          endpoint: r.endpoint,
          weight: r.weight,
        }))
      : [{ service: entry.service, endpoint: entry.endpoint, weight: 1 }];
    const expected = expectedRequests(load, this.durationMs);
    this.load = new LoadRunner({
      load,
      targets,
      addresses: (svc) => this.addresses(svc),
      seed: this.s.seed,
      durationMs: this.durationMs,
      now: this.now,
      runId: `${this.s.seed}`,
      maxRequests: this.o.maxRequests ?? Math.ceil(expected * 3 + 1000),
      onRecord: (r) => this.clientRecords.push(r),
      onSend: (t, to) => this.collector.clientSent(t, to),
      ...(this.ingressTls && {
        tls: {
          material: this.ingressTls,
          services: new Set(this.plan.instances.filter((i) => i.meshed).map((i) => i.service)),
        },
      }),
      onBound: () => {
        this.failure = new LiveRunError(
          `the run went past its request bound (${this.o.maxRequests ?? Math.ceil(expected * 3 + 1000)} entry requests)`,
        );
        this.stop();
      },
    });
    this.chaos = new LiveChaos(this.s, this.layout(), this.durationMs, this.chaosHooks());
    this.chaos.start();
    this.canaries = new LiveCanaries(this.s.policies, {
      now: this.now,
      event: (e) => this.recordEvent(e),
      push: (policies) => this.pushPolicies(policies),
      warn: (line) => this.note(`warning: ${line}`),
    });
    if (this.canaries.active) this.canaries.start();
    this.load.start();

    const iv = this.s.interval;
    let nextGauge = iv;
    await new Promise<void>((resolve) => {
      this.stopRequested = resolve;
      const tick = async (): Promise<void> => {
        if (this.stopping || this.state === 'failed') return resolve();
        const t = this.now();
        if (t >= nextGauge) {
          const at = nextGauge;
          nextGauge += iv;
          await this.sampleGauges(at);
        }
        this.ingest();
        this.emit(this.collector.advance(t - 1500));
        if (t >= this.durationMs + 1500 && !this.o.keepRunning) return resolve();
        setTimeout(() => void tick(), 100);
      };
      void tick();
    });
    this.load.stop();
    await this.chaos.stop();
    await this.canaries.stop();
    this.checkFailed();
    this.ingest();
    this.emit(this.collector.advance(this.durationMs));
  }

  private emit(closed: number[]): void {
    if (closed.length === 0) return;
    const series = this.collector.recorder.liveSeries();
    const events = this.events.slice().sort((a, b) => a.t - b.t);
    for (const k of closed) this.o.onFrame?.(frameAt(series, k, events));
  }

  /** Read what the logs gained since the last call into the collector. */
  private ingest(): void {
    const shift = this.offset;
    for (const r of this.clientRecords.splice(0)) this.collector.client(r);
    for (const { kind, tail } of this.tails)
      for (const raw of tail.read()) {
        const r = { ...raw, t: raw.t - shift };
        if (r.t < 0) continue;
        if (kind === 'stub') {
          const sr = r as StubRecord;
          this.collector.stub(sr);
          if (sr.direction === 'inbound' && sr.t + sr.duration <= this.durationMs && sr.status !== 503) {
            const st = this.instances.get(sr.instance);
            if (st) {
              this.canaries?.served(sr.to, st.plan.version, sr.cause === null, sr.duration);
              const m = this.versions.get(sr.to) ?? {};
              m[st.plan.version] = (m[st.plan.version] ?? 0) + 1;
              this.versions.set(sr.to, m);
            }
          }
        } else {
          const ar = r as AccessRecord;
          this.collector.sidecar(ar);
          if (this.sidecarLog.length < 10_000) this.sidecarLog.push(ar);
        }
      }
  }

  private async sampleGauges(at: number): Promise<void> {
    const bySvc = new Map<string, { queue: number; inFlight: number; busy: number; slots: number }>();
    await Promise.all(
      [...this.instances.values()].map(async (st) => {
        const g = bySvc.get(st.plan.service) ?? { queue: 0, inFlight: 0, busy: 0, slots: 0 };
        bySvc.set(st.plan.service, g);
        if (!st.up) return;
        const stats = await httpJson<StubStats>(
          `http://127.0.0.1:${st.plan.appPort}${STUB_PATHS.stats}`,
          300,
        );
        if (!stats) return;
        if (stats.busySlotMs < st.lastBusy) st.bankedBusy += st.lastBusy;
        const before = st.lastBusy > stats.busySlotMs ? 0 : st.lastBusy;
        st.lastBusy = stats.busySlotMs;
        st.maxQueue = Math.max(st.maxQueue, stats.maxQueue);
        g.queue += stats.queued;
        g.inFlight += stats.busy + stats.queued;
        g.busy += (stats.busySlotMs - before) / this.s.interval;
        g.slots += stats.slots;
      }),
    );
    await this.meshEvents();
    for (const [svc, g] of bySvc)
      this.collector.gaugesAt(at, svc, {
        queue: g.queue,
        inFlight: g.inFlight,
        busySlots: g.busy,
        totalSlots: g.slots,
      });
  }

  private async sidecarStats(): Promise<{ name: string; stats: SidecarStatsJson }[]> {
    const out: { name: string; stats: SidecarStatsJson }[] = [];
    await Promise.all(
      [...this.instances.values()]
        .filter((st) => st.up && st.plan.sidecar)
        .map(async (st) => {
          const stats = await httpJson<SidecarStatsJson>(
            `http://127.0.0.1:${st.plan.sidecar!.admin}${ADMIN_PATHS.stats}`,
            500,
          );
          if (stats) out.push({ name: st.plan.name, stats });
        }),
    );
    return out.sort((a, b) => (a.name < b.name ? -1 : 1));
  }

  /**
   * Breaker and outlier events from the sidecars. Their times are on each sidecar's own clock, so
   * they are placed at the moment they are read, keeping their spacing (within one interval).
   */
  private async meshEvents(): Promise<void> {
    if (this.plan.mode === 'none') return;
    const now = this.now();
    for (const { name, stats } of await this.sidecarStats()) {
      const list = stats.events ?? [];
      if (list.length === 0) continue;
      const seen = this.seenMeshEvents.get(name) ?? new Set<string>();
      this.seenMeshEvents.set(name, seen);
      const newest = list[list.length - 1].t;
      for (const e of list) {
        const key = `${e.t}|${e.kind}|${e.subject}|${e.state ?? ''}|${e.reason}`;
        if (seen.has(key)) continue;
        seen.add(key);
        const t = Math.max(0, now - (newest - e.t));
        this.recordEvent({
          t,
          kind: e.kind,
          subject: e.subject,
          ...(e.state ? { state: e.state } : {}),
          reason: e.reason,
        });
      }
    }
  }

  private async meshAtEnd(): Promise<void> {
    if (this.plan.mode === 'none') return;
    await this.meshEvents();
    for (const { stats } of await this.sidecarStats())
      for (const c of Object.values(stats.clusters ?? {})) {
        if (c.breaker) this.breakers.push(c.breaker);
        if (c.outlier) this.detectors.push(c.outlier);
      }
  }

  private recordEvent(e: RunEvent): void {
    const ev = { ...e, t: Math.round(e.t * 1000) / 1000 };
    this.events.push(ev);
    if (ev.t <= this.durationMs) this.collector.event(ev);
    this.o.onEvent?.(ev);
  }

  private chaosHooks() {
    const b = this.o.backend;
    const setReady = async (name: string, ready: boolean): Promise<void> => {
      const st = this.instances.get(name);
      if (!st) return;
      st.ready = ready;
      await this.pushEndpoints(st.plan.service);
    };
    return {
      now: this.now,
      event: (e: RunEvent) => this.recordEvent(e),
      kill: async (name: string) => {
        const st = this.instances.get(name);
        if (!st) return;
        st.up = false;
        await b.kill(name);
        this.recordEvent({
          t: this.now(),
          kind: 'instance-down',
          subject: name,
          reason: 'process killed (SIGKILL)',
        });
        // As the simulator (and Kubernetes): the endpoint leaves the set a moment later.
        await sleep(1000);
        if (!st.up) await setReady(name, false);
      },
      pause: (name: string) => b.pause(name),
      resume: (name: string) => b.resume(name),
      restart: async (name: string) => {
        const st = this.instances.get(name);
        if (!st || this.stopping) return;
        const sinceExit = this.exits.length;
        await b.restart(name);
        for (const u of this.units(st.plan)) await this.waitHealthy(u, 30_000, sinceExit);
        st.up = true;
        await setReady(name, true);
        this.recordEvent({
          t: this.now(),
          kind: 'instance-up',
          subject: name,
          reason: 'restarted and ready',
        });
      },
      abort: async (name: string, abort: { percent: number; status: number } | null) => {
        const st = this.instances.get(name);
        if (!st) return;
        await httpStatus(
          'PUT',
          `http://127.0.0.1:${st.plan.appPort}${STUB_PATHS.fault}`,
          2000,
          JSON.stringify({ abort }),
        );
      },
      toxiproxy: async (method: 'POST' | 'DELETE', path: string, body?: unknown) => {
        if (!this.faults) return;
        const status = await httpStatus(
          method,
          `${this.faults.url}${path}`,
          5000,
          body === undefined ? undefined : JSON.stringify(body),
        );
        if (status < 200 || status >= 300)
          throw new Error(`fault proxy ${method} ${path} answered ${status}`);
      },
      startupMs: this.startupMs,
      warn: (line: string) => this.note(`warning: ${line}`),
      onActive: (active: number) =>
        this.send(active > 0 ? { type: 'FAULT_START', active } : { type: 'FAULT_END', active }),
    };
  }

  /** A control-plane change (a canary's weight): every running sidecar gets the new policies. */
  private async pushPolicies(policies: ScenarioSpec['policies']): Promise<void> {
    const sidecars = [...this.instances.values()].filter((st) => st.up && st.plan.sidecar);
    if (sidecars.length === 0) throw new Error('a canary needs the mesh (no sidecar to send its weights to)');
    const body = JSON.stringify(policies);
    const codes = await Promise.all(
      sidecars.map((st) =>
        httpStatus('PUT', `http://127.0.0.1:${st.plan.sidecar!.admin}${ADMIN_PATHS.policy}`, 2000, body),
      ),
    );
    const bad = codes.filter((c) => c !== 200).length;
    if (bad > 0) throw new Error(`${bad} of ${codes.length} sidecars refused the new policies`);
  }

  /** Readiness changed: every sidecar (or, without a mesh, every app) gets the service's endpoints. */
  private async pushEndpoints(service: string): Promise<void> {
    const body = JSON.stringify(this.endpointTable([service]));
    await Promise.all(
      [...this.instances.values()]
        .filter((st) => st.up)
        .map((st) =>
          st.plan.sidecar
            ? httpStatus(
                'PUT',
                `http://127.0.0.1:${st.plan.sidecar.admin}${ADMIN_PATHS.endpoints}`,
                2000,
                body,
              )
            : httpStatus('PUT', `http://127.0.0.1:${st.plan.appPort}${STUB_PATHS.endpoints}`, 2000, body),
        ),
    );
  }

  // ── stopping ──────────────────────────────────────────────────────────────────────────────

  private finish(): RunResult {
    const rec = this.collector.recorder;
    for (const svc of this.s.topology.services) {
      const id = this.s.topology.services.indexOf(svc);
      const insts = [...this.instances.values()].filter((i) => i.plan.service === svc.name);
      rec.setCapacity(id, insts.length, insts.length * svc.concurrency);
      rec.busySlotTime(
        id,
        insts.reduce((n, i) => n + i.bankedBusy + i.lastBusy, 0),
      );
      for (const i of insts) rec.maxQueue(id, i.maxQueue);
    }
    const partial = rec.finish();
    for (const [name, st] of Object.entries(partial.services)) st.versions = this.versions.get(name) ?? {};
    const load = this.s.load!;
    const thresholds = thresholdResults(
      load.thresholds,
      rec.entryHistogram(),
      partial.summary,
      this.durationMs,
    );
    const probes = this.collector.verdict.probeResults();
    const verdict = verdictOf(thresholds, probes);
    const result: RunResult = {
      mode: 'live',
      scenario: this.s.name,
      seed: this.s.seed,
      durationMs: this.durationMs,
      hash: '',
      ...partial,
      mesh: this.meshCost(partial.summary.requests),
      traces: [],
      accessLog: this.accessLog(),
      thresholds,
      probes,
      passed: verdict === 'passed',
      verdict,
      engine: { events: 0, serviceCalls: partial.edges.reduce((n, e) => n + e.attempts, 0) },
    };
    result.hash = resultHash(result);
    result.wall = {
      elapsedMs: Date.now() - this.t0,
      eventsPerSecond: 0,
      callsPerSecond: Math.round(result.engine.serviceCalls / (this.durationMs / 1000)),
    };
    return result;
  }

  private meshCost(entryRequests: number): MeshCost {
    const sidecars = (this.o.backend.usage?.() ?? []).filter((u) => u.name.endsWith('.sidecar'));
    const cpuMs = sidecars.reduce((n, u) => n + u.cpuMs - (this.usageStart.get(u.name) ?? 0), 0);
    const proxies = this.plan.instances.filter((i) => i.sidecar).length;
    return {
      profile: this.plan.mode === 'none' ? 'none' : `${this.plan.profile} (live sidecars)`,
      proxies,
      addedLatencyMsPerRequest: 0,
      cpuCoreSeconds: Math.round(cpuMs) / 1000,
      cpuCores: Math.round((cpuMs / this.durationMs) * 1000) / 1000,
      memoryMB: Math.round(sidecars.reduce((n, u) => n + u.rssMb, 0) * 10) / 10,
      breakers: this.breakers,
      outlierDetectors: this.detectors,
    };
    void entryRequests;
  }

  private accessLog(): string[] {
    const share = this.s.sampling.accessLogs;
    const every = share > 0 ? Math.max(1, Math.round(1 / share)) : Infinity;
    const out: string[] = [];
    this.sidecarLog.forEach((r, k) => {
      if (k % every !== 0) return;
      out.push(
        formatAccessLog({
          startMs: r.t,
          method: r.method,
          path: r.path,
          status: r.response_code,
          flags: r.response_flags === '-' ? undefined : r.response_flags,
          durationMs: r.duration,
          userAgent: r.from,
          requestId: r.request_id,
          authority: r.to,
          upstreamHost: r.upstream_host ?? undefined,
        } as Parameters<typeof formatAccessLog>[0]),
      );
    });
    return out;
  }

  private async teardown(): Promise<void> {
    this.load?.stop();
    await this.chaos?.stop();
    await this.canaries?.stop();
    await this.o.backend.teardown();
    await this.faults?.close();
    this.faults = null;
  }
}

/** The parts of a sidecar's `GET /stats` the run reads. */
interface SidecarStatsJson {
  events?: { t: number; kind: RunEvent['kind']; subject: string; state?: string; reason: string }[];
  clusters?: Record<
    string,
    { breaker?: MeshCost['breakers'][number] | null; outlier?: MeshCost['outlierDetectors'][number] | null }
  >;
}

function inbound(i: LiveInstancePlan): number {
  return i.sidecar ? i.sidecar.inbound : i.appPort;
}

function expectedRequests(load: NonNullable<ScenarioSpec['load']>, durationMs: number): number {
  switch (load.executor) {
    case 'constant-arrival-rate':
      return (load.rate * durationMs) / 1000;
    case 'ramping-arrival-rate':
      return (Math.max(load.startRate, ...load.stages.map((s) => s.target)) * durationMs) / 1000;
    case 'constant-vus':
      return load.vus * (durationMs / 10);
    case 'ramping-vus':
      return Math.max(load.startVUs, ...load.stages.map((s) => s.target)) * (durationMs / 10);
  }
}

function exitText(e: UnitExit): string {
  const how = e.signal ? `was killed by ${e.signal}` : `exited with code ${e.code}`;
  const addrInUse = /EADDRINUSE/.test(e.stderrTail);
  return (
    `${e.name} ${how} while starting` +
    (addrInUse ? ' (a port it needs is in use)' : '') +
    (e.stderrTail ? `; its stderr ends with:\n${indent(e.stderrTail)}` : '')
  );
}

const indent = (s: string): string =>
  s
    .split('\n')
    .slice(-12)
    .map((l) => `    ${l}`)
    .join('\n');

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** One bounded HTTP request to 127.0.0.1; resolves the status (0 = no answer). */
export function httpStatus(method: string, url: string, timeoutMs: number, body?: string): Promise<number> {
  return httpCall(method, url, timeoutMs, body).then((r) => r.status);
}

export function httpCall(
  method: string,
  url: string,
  timeoutMs: number,
  body?: string,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve) => {
    const u = new URL(url);
    const req = http.request(
      {
        host: '127.0.0.1',
        port: Number(u.port),
        path: u.pathname + u.search,
        method,
        agent: false,
        timeout: timeoutMs,
        headers: body ? { 'content-type': 'application/json' } : {},
      },
      (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString('utf8')));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
        res.on('error', () => resolve({ status: 0, body: '' }));
      },
    );
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve({ status: 0, body: '' }));
    req.end(body);
  });
}

async function httpJson<T>(url: string, timeoutMs: number): Promise<T | null> {
  const r = await httpCall('GET', url, timeoutMs);
  if (r.status !== 200) return null;
  try {
    return JSON.parse(r.body) as T;
  } catch {
    return null;
  }
}
