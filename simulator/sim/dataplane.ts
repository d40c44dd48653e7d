/**
 * The simulated data plane: the request lifecycle on engine callbacks (no Promise on the hot path).
 *
 *   call ─► exchange (caller proxy: route → fault → breaker/pool → balance) ─► attempt ─► network
 *        ─► callee proxy (mTLS/authz) ─► instance (slot or queue) ─► compute ─► downstream calls
 *        ─► response ─► caller proxy (outlier, breaker, retry?) ─► caller code (timeout, onError)
 *
 * A caller's worker slot stays held while it waits for its downstream calls, which is what makes
 * cascades; work abandoned by a caller's timeout goes on at the callee (orphaned work) unless the
 * destination propagates deadlines.
 */
import { DOWNSTREAM, UPSTREAM } from '../mesh/toxics.ts';
import type { VirtualClock } from '../engine/clock.ts';
import type { TimerLane } from '../engine/timer-lane.ts';
import type { Rng } from '../engine/types.ts';
import type { Cluster } from '../mesh/cluster.ts';
import {
  CMD_ARM_ROUTE_TIMER,
  CMD_BACKOFF,
  CMD_DELAY,
  CMD_MASK,
  CMD_NONE,
  CMD_RESPOND,
  CMD_SEND,
  EX_SENDING,
  type Command,
} from '../mesh/exchange.ts';
import { TRY_CONNECT_FAILURE, TRY_PER_TRY_TIMEOUT, TRY_RESET, TRY_RESPONSE } from '../mesh/outcome.ts';
import type { RequestInfo } from '../mesh/types.ts';
import {
  C_5XX,
  C_FAULT_ABORT,
  C_NO_ROUTE,
  C_NONE,
  C_OVERFLOW,
  C_RESET,
  C_ROUTE_TIMEOUT,
  C_TIMEOUT,
} from './causes.ts';
import {
  AT_ABANDONED,
  AT_DONE,
  AT_INFLIGHT,
  Attempt,
  Call,
  Invocation,
  SimExchange,
  ST_DONE,
  ST_RUNNING,
  ST_WAITING,
} from './lifecycle-types.ts';
import type { Proxy } from './proxy.ts';
import type { Sink } from './sink.ts';
import type { Tracer } from './tracer.ts';
import {
  ON_ERROR_FAIL,
  ON_ERROR_FALLBACK,
  type CompiledCall,
  splitEndpointName,
  type SimInstance,
  type SimService,
  type World,
} from './world.ts';

const KIND_RESPONSE = TRY_RESPONSE;
const KIND_CONNECT_FAILURE = TRY_CONNECT_FAILURE;
const KIND_RESET = TRY_RESET;

/** Security decision at the callee's inbound proxy; null = allowed. */
export type InboundCheck = (
  callerSvc: SimService | null,
  callerIdentity: string | undefined,
  inst: SimInstance,
  req: RequestInfo,
) => { status: number; cause: number } | null;

export interface DataPlaneOptions {
  /** Outbound proxy of a caller instance (null = none). */
  outboundProxy: (inst: SimInstance | null) => Proxy | null;
  /** Build the mesh core's Cluster of (caller proxy, destination); `rng` is the data plane's mesh stream. */
  makeClient: (proxy: Proxy | null, svc: SimService, rng: Rng) => Cluster;
  inboundCheck: InboundCheck | null;
  /** Identity a caller presents (undefined = plain text). */
  identityOf: (inst: SimInstance | null, proxy: Proxy | null) => string | undefined;
  headerSets: Readonly<Record<string, string>>[];
  clientTimeout: number;
  clientRetries: number;
  clientBackoff: number;
  /** Told of every answer an instance gives (canary analysis), or null. */
  onServed: ((inst: SimInstance, latencyMs: number, ok: boolean) => void) | null;
  /** Partition check between two instances (null source = the client). */
  partitioned: (from: SimInstance | null, to: SimInstance) => boolean;
}

export class DataPlane {
  readonly clock: VirtualClock;
  private readonly netRng: Rng;
  private readonly meshRng: Rng;
  private readonly clients = new Map<number, Cluster>();
  /** One call site per kind of entry request, and the cumulative weights to pick one. */
  private readonly entryCalls: CompiledCall[];
  private readonly entryCumulative: number[];
  private readonly mixRng: Rng;
  serviceCalls = 0;
  /** Requests of the load generator sent, and finished (each exactly once). */
  entrySent = 0;
  entryFinished = 0;

  constructor(
    readonly world: World,
    clock: VirtualClock,
    rng: Rng,
    readonly sink: Sink,
    readonly tracer: Tracer,
    readonly opt: DataPlaneOptions,
  ) {
    this.clock = clock;
    this.netRng = rng.stream('net');
    this.meshRng = rng.stream('mesh');
    this.mixRng = rng.stream('mix');
    this.entryCalls = world.entries.map((e) => ({
      target: e.service.id,
      endpoint: e.endpoint,
      timeout: opt.clientTimeout,
      retries: opt.clientRetries,
      onError: ON_ERROR_FAIL,
      probability: 1,
      times: 1,
      edge: e.edge,
      requests: [],
      lane: null,
    }));
    let acc = 0;
    this.entryCumulative = world.entries.map((e) => (acc += e.weight));
  }

  /** Every cluster made so far (caller proxy × destination), in creation order. */
  clusters(): Cluster[] {
    return [...this.clients.values()];
  }

  private pickEntry(): CompiledCall {
    const calls = this.entryCalls;
    if (calls.length === 1) return calls[0];
    const cum = this.entryCumulative;
    const x = this.mixRng.next() * cum[cum.length - 1];
    let i = 0;
    while (i < cum.length - 1 && x >= cum[i]) i++;
    return calls[i];
  }

  // ───────────────────────── entry ─────────────────────────

  /** A request of the load generator. `sample` bit 0 = traced, bit 1 = access-logged. */
  clientRequest(hdr: number, sample: number, onDone?: (call: Call, ok: boolean) => void): void {
    const call = new Call(null, this.pickEntry(), hdr, sample, sample ? this.tracer.newTraceId() : 0);
    call.onClientDone = onDone ?? null;
    call.firstSentAt = this.clock.now();
    this.entrySent++;
    this.startCall(call);
  }

  // ───────────────────────── calls (caller code) ─────────────────────────

  private startCall(call: Call): void {
    const now = this.clock.now();
    call.tries++;
    call.tryStartedAt = now;
    if (call.tries === 1) {
      call.startedAt = now;
      call.sentTries = 0;
      this.sink.edgeRequest(call.spec.edge, now);
    }
    if (call.spec.timeout !== Infinity)
      call.timer = this.clock.after(
        call.spec.lane ?? (call.spec.lane = this.clock.lane(call.spec.timeout)),
        this.onCallTimeout,
        call,
      );
    const callerInst = call.inv ? call.inv.inst : null;
    const proxy = this.opt.outboundProxy(callerInst);
    const target = this.world.services[call.spec.target];
    const client = this.clientFor(proxy, target, callerInst);
    // A call site always has the same caller and endpoint: its RequestInfo depends on the headers only.
    const spec = call.spec;
    const req =
      spec.requests[call.hdr] ??
      (spec.requests[call.hdr] = this.requestInfo(
        target,
        spec.endpoint,
        call.hdr,
        callerInst ? callerInst.svc : null,
      ));
    const ex = new SimExchange(client, req, call, call.tries, proxy);
    // Only a destination that propagates deadlines needs the caller's (keeps the field unboxed).
    if (client.deadlinePropagation && call.spec.timeout !== Infinity)
      ex.callerDeadline = now + call.spec.timeout;
    call.exchange = ex;
    this.perform(ex, ex.start(now), false);
  }

  private readonly onCallTimeout = (call: Call): void => {
    call.timer = 0;
    const ex = call.exchange;
    if (call.done || !ex || ex.done) return;
    this.abandonExchange(ex);
    this.callTryDone(call, ex, false, C_TIMEOUT, false);
  };

  private callTryDone(call: Call, ex: SimExchange, ok: boolean, cause: number, degraded: boolean): void {
    if (call.done || call.exchange !== ex) return;
    if (call.timer !== 0) {
      this.clock.cancelTimer(call.timer);
      call.timer = 0;
    }
    if (ok) {
      if (degraded) call.degraded = true;
      if (++call.rep < call.spec.times) {
        call.tries = 0;
        this.startCall(call);
        return;
      }
      this.finishCall(call, true, C_NONE);
      return;
    }
    if (call.tries <= call.spec.retries) {
      if (call.inv === null) {
        // A user pressing reload after a failure.
        this.sink.clientRetry();
        this.clock.at(this.clock.now() + this.opt.clientBackoff, this.onClientReload, call);
      } else this.startCall(call);
      return;
    }
    this.finishCall(call, false, cause);
  }

  private readonly onClientReload = (call: Call): void => this.startCall(call);

  private finishCall(call: Call, ok: boolean, cause: number): void {
    call.done = true;
    const now = this.clock.now();
    this.sink.edgeDone(call.spec.edge, now - call.startedAt, ok, cause);
    const inv = call.inv;
    if (inv === null) {
      this.entryFinished++;
      this.sink.entryDone(now - call.firstSentAt, ok, cause, call.degraded);
      if (call.onClientDone) call.onClientDone(call, ok);
      return;
    }
    if (inv.state === ST_DONE || inv.epoch !== inv.inst.epoch) return; // the caller is gone: orphan
    if (!ok) {
      const onError = call.spec.onError;
      if (onError === ON_ERROR_FAIL) {
        inv.failed = true;
        inv.failCause = cause;
      } else if (onError === ON_ERROR_FALLBACK) inv.degraded = true;
    } else if (call.degraded) inv.degraded = true;
    inv.pending--;
    if (inv.failed) {
      this.respond(inv, 500, C_5XX);
      return;
    }
    if (inv.pending === 0) {
      inv.step++;
      this.runSteps(inv);
    }
  }

  // ───────────────────────── exchanges (caller proxy) ─────────────────────────

  /** Clients of the load generator, by destination service id. */
  private readonly entryClients: (Cluster | undefined)[] = [];

  private clientFor(proxy: Proxy | null, svc: SimService, callerInst: SimInstance | null): Cluster {
    // Fast path: a per-caller-instance array (the same client for every instance behind one proxy).
    const local = callerInst ? callerInst.clients : this.entryClients;
    const hit = local[svc.id];
    if (hit) return hit;
    const key = (proxy ? proxy.id + 1 : 0) * this.world.services.length + svc.id;
    let c = this.clients.get(key);
    if (!c) {
      c = this.opt.makeClient(proxy, svc, this.meshRng);
      this.clients.set(key, c);
    }
    local[svc.id] = c;
    return c;
  }

  /**
   * Create every (caller proxy, destination) client the topology can use, at time 0, so that
   * detectors' interval timers start with the run (as Envoy's start with the cluster).
   */
  prewarm(): void {
    for (const inst of this.world.instances) {
      const proxy = this.opt.outboundProxy(inst);
      const targets = new Set<number>();
      for (const v of inst.version.endpoints)
        if (v) for (const step of v.steps) for (const c of step) targets.add(c.target);
      for (const t of [...targets].sort((a, b) => a - b)) this.clientFor(proxy, this.world.services[t], inst);
    }
  }

  /** What proxies see of a call (built once per call site and header set, then shared). */
  private requestInfo(
    svc: SimService,
    endpoint: number,
    hdr: number,
    caller: SimService | null,
  ): RequestInfo {
    return {
      ...splitEndpointName(svc.endpointNames[endpoint] ?? 'GET /'),
      headers: this.opt.headerSets[hdr],
      source: caller ? caller.name : 'client',
    };
  }

  // ───────────────────────── the mesh core's Exchange, driven on lane timers ─────────────────────────

  /**
   * Perform what the exchange asks, then start the requests a freed pool slot woke. A loop, never a
   * recursion: `performOne` never drains, so 10 000 woken requests cost no stack.
   */
  private perform(ex: SimExchange, cmd: Command, fromTry: boolean): void {
    this.performOne(ex, cmd, fromTry);
    const cluster = ex.cluster;
    if (cluster.wokenPending === 0) return;
    for (let w = cluster.nextWoken(); w !== null; w = cluster.nextWoken()) {
      const sx = w as SimExchange;
      this.performOne(sx, sx.resume(this.clock.now()), false);
    }
  }

  private performOne(ex: SimExchange, cmd: Command, fromTry: boolean): void {
    if (cmd & CMD_ARM_ROUTE_TIMER)
      ex.routeTimer = this.clock.after(this.routeLaneOf(ex.routeTimeoutMs), this.onRouteTimeout, ex);
    switch (cmd & CMD_MASK) {
      case CMD_DELAY:
      case CMD_BACKOFF:
        ex.waitTimer = this.clock.at(this.clock.now() + ex.waitMs, this.onWaitDone, ex);
        return;
      case CMD_SEND:
        this.sendAttempt(ex);
        return;
      case CMD_RESPOND:
        this.responded(ex, fromTry);
        return;
      default:
        return; // CMD_QUEUE (comes back from nextWoken) or CMD_NONE
    }
  }

  // Each timer site remembers its last lane: a destination's route and per-try timeouts rarely change.
  private routeLane: TimerLane | null = null;
  private tryLane: TimerLane | null = null;

  private routeLaneOf(delayMs: number): TimerLane {
    const l = this.routeLane;
    return l !== null && l.delay === delayMs ? l : (this.routeLane = this.clock.lane(delayMs));
  }

  private tryLaneOf(delayMs: number): TimerLane {
    const l = this.tryLane;
    return l !== null && l.delay === delayMs ? l : (this.tryLane = this.clock.lane(delayMs));
  }

  private readonly onWaitDone = (ex: SimExchange): void => {
    ex.waitTimer = 0;
    if (ex.done) return;
    this.perform(ex, ex.resume(this.clock.now()), false);
  };

  private readonly onRouteTimeout = (ex: SimExchange): void => {
    ex.routeTimer = 0;
    if (ex.done) return;
    const sending = ex.state === EX_SENDING;
    const cmd = ex.routeTimeout(this.clock.now());
    if (cmd === CMD_NONE) return;
    if (sending) this.sink.edgeAttemptFailed(ex.call.spec.edge, C_ROUTE_TIMEOUT);
    this.dropTimers(ex);
    this.perform(ex, cmd, false);
  };

  /** The exchange answered its caller: a local reply of the caller's proxy, or a try's answer. */
  private responded(ex: SimExchange, fromTry: boolean): void {
    this.dropTimers(ex);
    const call = ex.call;
    if (!fromTry && call.sample & 2) this.tracer.localReply(ex, this.clock.now(), this.world);
    const ok = ex.cause === C_NONE && ex.status < 500;
    const at = ex.attempt;
    this.callTryDone(call, ex, ok, ex.cause, fromTry && at !== null && at.degraded);
  }

  /** Cancel the exchange's driver timers and abandon its attempt on the wire (its work is orphaned). */
  private dropTimers(ex: SimExchange): void {
    if (ex.waitTimer !== 0) {
      this.clock.cancelTimer(ex.waitTimer);
      ex.waitTimer = 0;
    }
    if (ex.routeTimer !== 0) {
      this.clock.cancelTimer(ex.routeTimer);
      ex.routeTimer = 0;
    }
    const at = ex.attempt;
    if (at !== null && at.state === AT_INFLIGHT) {
      at.state = AT_ABANDONED;
      if (at.perTryTimer !== 0) {
        this.clock.cancelTimer(at.perTryTimer);
        at.perTryTimer = 0;
      }
    }
  }

  /** The caller code gave up: cancel the exchange (permits released, no verdict) and drop its timers. */
  private abandonExchange(ex: SimExchange): void {
    this.dropTimers(ex);
    ex.cancel(this.clock.now());
    const cluster = ex.cluster;
    for (let w = cluster.nextWoken(); w !== null; w = cluster.nextWoken()) {
      const sx = w as SimExchange;
      this.performOne(sx, sx.resume(this.clock.now()), false);
    }
  }

  private sendAttempt(ex: SimExchange): void {
    const now = this.clock.now();
    const call = ex.call;
    const callerInst = call.inv ? call.inv.inst : null;
    const inst = this.world.services[call.spec.target].instances[ex.slot];
    const isRetry = ex.tries > 1 || ex.appTry > 1;
    const at = new Attempt(ex, inst, now, isRetry);
    ex.attempt = at;
    this.sink.edgeAttempt(call.spec.edge, isRetry, call.startedAt, call.sentTries++ === 0);
    if (call.sample & 1) at.spanId = this.tracer.newSpanId();
    if (ex.perTryTimeoutMs !== Infinity)
      at.perTryTimer = this.clock.after(this.tryLaneOf(ex.perTryTimeoutMs), this.onPerTryTimeout, at);
    at.deadline = ex.deadline;
    // Request path: caller proxy, network, callee proxy.
    const outProxy = ex.proxy;
    let delay = outProxy && outProxy.up ? outProxy.traverse(now, this.netRng) : 0;
    const fromNode = callerInst ? callerInst.node.id : inst.node.id;
    const toNode = inst.node.id;
    const oneWay = callerInst ? this.netDelay(fromNode, toNode) : 0;
    if (this.opt.partitioned(callerInst, inst) || (callerInst && !callerInst.node.up)) {
      at.kind = KIND_CONNECT_FAILURE;
      this.clock.at(now + delay + this.world.connectTimeout, this.onAttemptAnswer, at);
      return;
    }
    if (!inst.up || !inst.node.up || inst.toxics.lost(UPSTREAM, this.netRng)) {
      at.kind = KIND_CONNECT_FAILURE; // connection refused / reset: one round trip
      this.clock.at(now + delay + 2 * oneWay, this.onAttemptAnswer, at);
      return;
    }
    delay += oneWay;
    const inProxy = inst.proxy;
    if (inProxy && inProxy !== outProxy && inProxy.up) delay += inProxy.traverse(now + delay, this.netRng);
    delay += inst.toxics.latency(UPSTREAM, this.netRng);
    at.epoch = inst.epoch;
    this.clock.at(now + delay, this.onArrive, at);
  }

  private netDelay(from: number, to: number): number {
    const k = from * this.world.nodes.length + to;
    const j = this.world.jitter[k];
    const l = this.world.latency[k];
    return j > 0 ? Math.max(0, l + j * (2 * this.netRng.next() - 1)) : l;
  }

  private readonly onPerTryTimeout = (at: Attempt): void => {
    at.perTryTimer = 0;
    if (at.state !== AT_INFLIGHT) return;
    at.state = AT_ABANDONED;
    at.kind = TRY_PER_TRY_TIMEOUT;
    this.endAttempt(at);
  };

  // ───────────────────────── callee side ─────────────────────────

  private readonly onArrive = (at: Attempt): void => {
    const inst = at.inst;
    const now = this.clock.now();
    if (!inst.up || at.epoch !== inst.epoch) {
      at.kind = KIND_RESET;
      this.sendBack(at, inst, now);
      return;
    }
    const ex = at.ex;
    const call = ex.call;
    const svc = inst.svc;
    this.sink.serviceArrival(svc.id);
    this.serviceCalls++;
    if (this.opt.inboundCheck) {
      const callerInst = call.inv ? call.inv.inst : null;
      const denied = this.opt.inboundCheck(
        callerInst ? callerInst.svc : null,
        this.opt.identityOf(callerInst, ex.proxy),
        inst,
        ex.req,
      );
      if (denied) {
        this.answerAtDoor(at, inst, denied.status, denied.cause, now);
        return;
      }
    }
    const aborted = inst.toxics.abortStatus(svc.rng);
    if (aborted !== 0) {
      this.answerAtDoor(at, inst, aborted, C_FAULT_ABORT, now);
      return;
    }
    const ep = inst.version.endpoints[call.spec.endpoint];
    if (!ep) {
      this.answerAtDoor(at, inst, 404, C_NO_ROUTE, now);
      return;
    }
    inst.served++;
    const inv = new Invocation(inst, ep, at, now, inst.epoch);
    at.inv = inv;
    svc.inFlight++;
    if (!inst.paused && inst.busy < inst.slots) this.startInvocation(inv);
    else if (inst.qLen < inst.qCap) this.enqueue(inst, inv);
    else if (inst.paused) {
      // A hung process cannot answer, not even "busy": its backlog is full and the request just
      // waits for a timeout somewhere upstream.
      svc.inFlight--;
      at.inv = null;
    } else {
      svc.inFlight--;
      this.answerAtDoor(at, inst, 503, C_OVERFLOW, now);
      at.inv = null;
    }
  };

  /** An answer given without running the endpoint (overflow, denial, injected abort). */
  private answerAtDoor(at: Attempt, inst: SimInstance, status: number, cause: number, now: number): void {
    this.sink.serviceDone(inst.svc.id, 0, false, cause, false);
    if (this.opt.onServed) this.opt.onServed(inst, 0, false);
    at.status = status;
    at.cause = cause;
    at.kind = KIND_RESPONSE;
    this.sendBack(at, inst, now);
  }

  private enqueue(inst: SimInstance, inv: Invocation): void {
    let q = inst.queue;
    if (inst.qLen === q.length) {
      const bigger = new Array<Invocation | undefined>(q.length * 2);
      for (let i = 0; i < inst.qLen; i++) bigger[i] = q[(inst.qHead + i) % q.length];
      inst.queue = q = bigger;
      inst.qHead = 0;
    }
    q[(inst.qHead + inst.qLen) % q.length] = inv;
    inst.qLen++;
    if (inst.qLen > inst.maxQueue) inst.maxQueue = inst.qLen;
  }

  private dequeue(inst: SimInstance): Invocation | undefined {
    if (inst.qLen === 0) return undefined;
    const q = inst.queue;
    const inv = q[inst.qHead];
    q[inst.qHead] = undefined;
    inst.qHead = (inst.qHead + 1) % q.length;
    inst.qLen--;
    return inv;
  }

  private startInvocation(inv: Invocation): void {
    const inst = inv.inst;
    const now = this.clock.now();
    if (inv.attempt.deadline <= now) {
      // The caller already gave up and said so (deadline propagation): drop it unstarted.
      inv.inst.svc.inFlight--;
      inv.state = ST_DONE;
      this.sink.serviceDone(inst.svc.id, now - inv.arrivedAt, false, C_TIMEOUT, false);
      return;
    }
    inst.busy++;
    const svc = inst.svc;
    svc.busyArea += svc.busy * (now - svc.busyLastT);
    svc.busyLastT = now;
    svc.busy++;
    inv.activeIdx = inst.active.length;
    inst.active.push(inv);
    inv.state = ST_RUNNING;
    inv.startedAt = now;
    if (inv.attempt.ex.call.sample & 1) inv.spanId = this.tracer.newSpanId();
    // With deadline propagation the callee learns when its caller gives up, and stops then.
    if (inv.attempt.deadline !== Infinity)
      inv.deadlineTimer = this.clock.at(inv.attempt.deadline, this.onDeadline, inv);
    const work = inv.ep.sampler.draw(svc.rng) * inst.cpuMultiplier;
    if (inst.ps) this.psAdd(inst, inv, work, now);
    else this.clock.at(now + work, this.onComputed, inv);
  }

  /** The caller's deadline passed while this invocation ran: stop it, free its slot, answer nobody. */
  private readonly onDeadline = (inv: Invocation): void => {
    inv.deadlineTimer = 0;
    const inst = inv.inst;
    if (inv.state === ST_DONE || inv.epoch !== inst.epoch) return;
    if (inst.ps) {
      const jobs = inst.ps.jobs;
      const k = jobs.indexOf(inv);
      if (k >= 0) {
        this.psAdvance(inst, this.clock.now());
        jobs.splice(k, 1);
        this.psReschedule(inst, this.clock.now());
      }
    }
    this.release(inv, 504, C_TIMEOUT);
    if (!inst.paused) this.startNext(inst);
  };

  private readonly onComputed = (inv: Invocation): void => {
    const inst = inv.inst;
    if (inv.epoch !== inst.epoch || inv.state === ST_DONE) return;
    if (inst.paused) {
      inst.frozen.push(inv);
      return;
    }
    const ep = inv.ep;
    if (ep.errorRate > 0 && inst.svc.rng.next() < ep.errorRate) {
      this.respond(inv, 500, C_5XX);
      return;
    }
    this.runSteps(inv);
  };

  private runSteps(inv: Invocation): void {
    const steps = inv.ep.steps;
    const inst = inv.inst;
    if (inst.paused) {
      inst.frozen.push(inv);
      return;
    }
    if (inv.attempt.deadline <= this.clock.now()) {
      this.respond(inv, 504, C_TIMEOUT);
      return;
    }
    while (inv.step < steps.length) {
      const group = steps[inv.step];
      const caller = inv.attempt.ex.call;
      // Draw first which calls of the group happen, then issue them: `pending` must be right
      // before any call can complete.
      let mask = 0;
      let issued = 0;
      for (let i = 0; i < group.length; i++) {
        const p = group[i].probability;
        if (p >= 1 || inst.svc.rng.next() < p) {
          mask |= 1 << i;
          issued++;
        }
      }
      if (issued > 0) {
        inv.pending = issued;
        inv.state = ST_WAITING;
        for (let i = 0; i < group.length; i++) {
          if ((mask & (1 << i)) === 0) continue;
          this.startCall(new Call(inv, group[i], caller.hdr, caller.sample, caller.traceId));
          if (inv.state === ST_DONE) return;
        }
        return;
      }
      inv.step++;
    }
    this.respond(inv, 200, C_NONE);
  }

  /** The endpoint answers: release the worker slot, start the next queued request, send back. */
  private respond(inv: Invocation, status: number, cause: number): void {
    const inst = inv.inst;
    const now = this.clock.now();
    this.release(inv, status, cause);
    const at = inv.attempt;
    if (!inv.ep.idempotent && status !== 503) this.sink.sideEffect(inst.svc.id, at.isRetry);
    if (at.state !== AT_INFLIGHT) this.sink.orphaned(inst.svc.id);
    if (inv.spanId) this.tracer.serverSpan(inv, status, now);
    at.status = status;
    at.cause = cause;
    at.degraded = inv.degraded;
    at.kind = KIND_RESPONSE;
    this.sendBack(at, inst, now);
    if (!inst.paused) this.startNext(inst);
  }

  /** End an invocation: free its worker slot and record its outcome at the service. */
  private release(inv: Invocation, status: number, cause: number): void {
    const inst = inv.inst;
    const now = this.clock.now();
    inv.state = ST_DONE;
    if (inv.deadlineTimer !== 0) {
      this.clock.cancelTimer(inv.deadlineTimer);
      inv.deadlineTimer = 0;
    }
    const active = inst.active;
    const last = active.pop()!;
    if (last !== inv) {
      active[inv.activeIdx] = last;
      last.activeIdx = inv.activeIdx;
    }
    inst.busy--;
    const svc = inst.svc;
    svc.busyArea += svc.busy * (now - svc.busyLastT);
    svc.busyLastT = now;
    svc.busy--;
    svc.inFlight--;
    const ok = status < 500;
    this.sink.serviceDone(svc.id, now - inv.arrivedAt, ok, cause, inv.degraded);
    if (this.opt.onServed) this.opt.onServed(inst, now - inv.arrivedAt, ok);
  }

  private startNext(inst: SimInstance): void {
    while (inst.busy < inst.slots && inst.qLen > 0) {
      const next = this.dequeue(inst)!;
      this.startInvocation(next);
    }
  }

  private sendBack(at: Attempt, inst: SimInstance, now: number): void {
    const callerInst = at.ex.call.inv ? at.ex.call.inv.inst : null;
    const back = callerInst ? this.netDelay(inst.node.id, callerInst.node.id) : 0;
    // Response-direction toxics: extra latency, or the answer lost on the way (a reset).
    if (at.kind === KIND_RESPONSE && inst.toxics.lost(DOWNSTREAM, this.netRng)) at.kind = KIND_RESET;
    this.clock.at(now + back + inst.toxics.latency(DOWNSTREAM, this.netRng), this.onAttemptAnswer, at);
  }

  // ───────────────────────── back at the caller proxy ─────────────────────────

  private readonly onAttemptAnswer = (at: Attempt): void => {
    if (at.state !== AT_INFLIGHT) return; // abandoned: the answer of orphaned work
    at.state = AT_DONE;
    if (at.perTryTimer !== 0) {
      this.clock.cancelTimer(at.perTryTimer);
      at.perTryTimer = 0;
    }
    this.endAttempt(at);
  };

  /** A try ended: the exchange decides (detectors, permits, retry); the driver records and performs. */
  private endAttempt(at: Attempt): void {
    const ex = at.ex;
    const now = this.clock.now();
    const cmd = ex.attemptEnded(now, at.kind, at.status, at.kind === TRY_RESPONSE ? at.cause : C_NONE);
    if (cmd === CMD_NONE) return;
    const call = ex.call;
    const cause = ex.lastTryCause;
    const status = ex.lastTryStatus;
    if (at.spanId) this.tracer.clientSpan(at, status, cause, now);
    if (call.sample & 2)
      this.tracer.accessLog(
        at,
        status,
        (cmd & CMD_MASK) === CMD_RESPOND ? ex.flags : ex.lastTryFlags,
        now,
        this.world,
      );
    if (cause !== C_NONE) this.sink.edgeAttemptFailed(call.spec.edge, cause);
    this.perform(ex, cmd, true);
  }

  // ───────────────────────── processor sharing ─────────────────────────

  private psAdvance(inst: SimInstance, now: number): void {
    const ps = inst.ps!;
    const n = ps.jobs.length;
    if (n > 0) {
      const dt = now - ps.lastT;
      ps.v += dt * (n <= inst.cpu ? 1 : inst.cpu / n);
      inst.svc.cpuBusy += dt * (n <= inst.cpu ? n : inst.cpu);
    }
    ps.lastT = now;
  }

  private psAdd(inst: SimInstance, inv: Invocation, work: number, now: number): void {
    this.psAdvance(inst, now);
    const ps = inst.ps!;
    inv.finishV = ps.v + work;
    const jobs = ps.jobs;
    let i = jobs.length;
    jobs.push(inv);
    while (i > 0 && jobs[i - 1].finishV > inv.finishV) {
      jobs[i] = jobs[i - 1];
      i--;
    }
    jobs[i] = inv;
    this.psReschedule(inst, now);
  }

  private psReschedule(inst: SimInstance, now: number): void {
    const ps = inst.ps!;
    if (ps.timer !== 0) this.clock.cancelTimer(ps.timer);
    ps.timer = 0;
    if (ps.jobs.length === 0) return;
    const n = ps.jobs.length;
    const rate = n <= inst.cpu ? 1 : inst.cpu / n;
    ps.timer = this.clock.at(now + (ps.jobs[0].finishV - ps.v) / rate, this.onPsDone, inst);
  }

  private readonly onPsDone = (inst: SimInstance): void => {
    const now = this.clock.now();
    const ps = inst.ps!;
    ps.timer = 0;
    this.psAdvance(inst, now);
    const done = ps.jobs.shift()!;
    this.psReschedule(inst, now);
    this.onComputed(done);
  };

  // ───────────────────────── chaos hooks ─────────────────────────

  /** The instance's process dies: in-flight and queued requests are reset. */
  crash(inst: SimInstance): void {
    const now = this.clock.now();
    inst.up = false;
    inst.epoch++;
    const svc = inst.svc;
    const victims = inst.active.splice(0);
    while (inst.qLen > 0) victims.push(this.dequeue(inst)!);
    svc.busyArea += svc.busy * (now - svc.busyLastT);
    svc.busyLastT = now;
    svc.busy -= inst.busy;
    inst.busy = 0;
    if (inst.ps) {
      inst.ps.jobs.length = 0;
      if (inst.ps.timer !== 0) this.clock.cancelTimer(inst.ps.timer);
      inst.ps.timer = 0;
    }
    inst.frozen.length = 0;
    for (const inv of victims) {
      svc.inFlight--;
      inv.state = ST_DONE;
      this.sink.serviceDone(svc.id, now - inv.arrivedAt, false, C_RESET, false);
      const at = inv.attempt;
      at.kind = KIND_RESET;
      this.sendBack(at, inst, now);
    }
  }

  pause(inst: SimInstance): void {
    inst.paused = true;
  }

  resume(inst: SimInstance): void {
    inst.paused = false;
    const frozen = inst.frozen.splice(0);
    for (const inv of frozen)
      if (inv.state !== ST_DONE && inv.epoch === inst.epoch)
        this.clock.at(this.clock.now(), this.onResumeInvocation, inv);
    this.startNext(inst);
  }

  private readonly onResumeInvocation = (inv: Invocation): void => {
    if (inv.state === ST_RUNNING) this.onComputed(inv);
    else this.runSteps(inv);
  };

  private lastArea: Float64Array | null = null;
  private lastGaugeT = 0;

  /** Gauges at an interval boundary: queue and in-flight now, busy slots averaged over the interval. */
  sampleGauges(t: number): void {
    const services = this.world.services;
    if (!this.lastArea) this.lastArea = new Float64Array(services.length);
    const span = t - this.lastGaugeT;
    for (const svc of services) {
      let q = 0;
      for (const i of svc.instances) q += i.qLen;
      svc.busyArea += svc.busy * (t - svc.busyLastT);
      svc.busyLastT = t;
      const busyAvg = span > 0 ? (svc.busyArea - this.lastArea[svc.id]) / span : svc.busy;
      this.lastArea[svc.id] = svc.busyArea;
      this.sink.sampleGauges(t, svc.id, q, svc.inFlight, busyAvg, svc.slotsTotal);
    }
    this.lastGaugeT = t;
  }

  /** Close the busy-slot and CPU integrals at the end of the run. */
  closeBusy(t: number): void {
    for (const inst of this.world.instances) if (inst.ps && inst.up) this.psAdvance(inst, t);
    for (const svc of this.world.services) {
      svc.busyArea += svc.busy * (t - svc.busyLastT);
      svc.busyLastT = t;
    }
  }
}
