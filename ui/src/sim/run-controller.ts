/**
 * One live run as the page sees it: the player drives the worker in slices of simulated time,
 * frames accumulate (the scrubber replays any of them), faults are injected and stopped between
 * slices and kept as the ChaosExperiment that replays them. Vue state, no DOM.
 */
import type { FaultRequest } from './protocol.ts';
import { reactive, shallowRef, type ShallowRef } from 'vue';
import type { FaultSpec, ScenarioSpec } from '../../../simulator/model/types.ts';
import type { IntervalFrame } from '../../../simulator/telemetry/interval.ts';
import type { RunEvent, RunResult } from '../../../simulator/telemetry/types.ts';
import type { SimClient, SteppedRunHandle, FramesReply } from './client.ts';
import { newPlayer, requestMs, setSpeed, step, tick, type PlayerState } from './player.ts';

export interface KeptFault {
  spec: FaultSpec;
  /** Simulated time the fault was stopped at; undefined while active. */
  stoppedAt?: number;
}

export type RunStatus = 'idle' | 'ready' | 'running' | 'finishing' | 'finished' | 'error';

/** Something that calls back on every animation frame (requestAnimationFrame in the page). */
export type FrameScheduler = (cb: (wallMs: number) => void) => void;

export class RunController {
  readonly state = reactive({
    status: 'idle' as RunStatus,
    player: newPlayer(1, 1) as PlayerState,
    nowMs: 0,
    /** Frame shown: -1 follows the latest. */
    viewIndex: -1,
    faults: [] as KeptFault[],
    error: '',
    engineEvents: 0,
    workerWallMs: 0,
  });
  readonly frames: ShallowRef<IntervalFrame[]> = shallowRef([]);
  readonly events: ShallowRef<RunEvent[]> = shallowRef([]);
  readonly result: ShallowRef<RunResult | null> = shallowRef(null);
  scenario: ScenarioSpec | null = null;
  private handle: SteppedRunHandle | null = null;
  private busy = false;
  private lastWall: number | null = null;
  private generation = 0;
  onFinished: ((result: RunResult, scenario: ScenarioSpec, faults: FaultSpec[]) => void) | null = null;

  constructor(
    private readonly client: SimClient,
    private readonly schedule: FrameScheduler,
  ) {}

  /** A fresh run of `scenario`, paused at 0 (`play()` starts it). */
  async load(scenario: ScenarioSpec, speed = this.state.player.speed || 10): Promise<void> {
    const gen = ++this.generation;
    this.handle?.dispose();
    this.handle = null;
    this.scenario = scenario;
    this.frames.value = [];
    this.events.value = [];
    this.result.value = null;
    Object.assign(this.state, {
      status: 'idle',
      nowMs: 0,
      viewIndex: -1,
      faults: [],
      error: '',
      engineEvents: 0,
      workerWallMs: 0,
    });
    try {
      const h = await this.client.start(scenario);
      if (gen !== this.generation) return h.dispose();
      this.handle = h;
      this.state.player = newPlayer(h.durationMs, h.intervalMs, speed > 1 ? speed : 10);
      this.state.status = 'ready';
      this.loop(gen);
    } catch (e) {
      this.fail(e);
    }
  }

  get durationMs(): number {
    return this.state.player.durationMs;
  }

  play(): void {
    if (this.state.status === 'finished' || !this.handle) return;
    this.state.player = { ...this.state.player, playing: true };
    this.state.status = 'running';
    this.state.viewIndex = -1;
  }

  pause(): void {
    this.state.player = { ...this.state.player, playing: false };
  }

  step(): void {
    if (!this.handle) return;
    this.state.player = step(this.state.player);
    if (this.state.status === 'ready') this.state.status = 'running';
    this.state.viewIndex = -1;
  }

  setSpeed(speed: number): void {
    this.state.player = setSpeed(this.state.player, speed);
  }

  /** Show interval `index` (the scrubber); -1 follows the run. */
  scrub(index: number): void {
    const n = this.frames.value.length;
    this.state.viewIndex = index < 0 || index >= n - 1 ? -1 : index;
  }

  get currentFrame(): IntervalFrame | undefined {
    const f = this.frames.value;
    const i = this.state.viewIndex;
    return i >= 0 ? f[i] : f[f.length - 1];
  }

  /** Break it now: the worker starts the fault just after its clock. */
  async inject(fault: FaultRequest): Promise<FaultSpec | null> {
    if (!this.handle || this.state.status === 'finished') return null;
    const spec = await this.handle.inject(fault);
    this.state.faults = [...this.state.faults, { spec }];
    return spec;
  }

  async stopFault(name: string): Promise<void> {
    if (!this.handle) return;
    const at = await this.handle.stopFault(name);
    this.state.faults = this.state.faults.map((f) => (f.spec.name === name ? { ...f, stoppedAt: at } : f));
  }

  /** The kept faults as ChaosExperiment faults (an active one lasts until the end). */
  keptFaults(): FaultSpec[] {
    return this.state.faults.map(({ spec, stoppedAt }) => {
      if (stoppedAt === undefined) return spec;
      const length = stoppedAt - spec.at;
      return spec.type === 'kill' ? { ...spec, restartAfter: length } : { ...spec, duration: length };
    });
  }

  private loop(gen: number): void {
    this.schedule((wall) => {
      if (gen !== this.generation) return;
      const dt = this.lastWall === null ? 0 : wall - this.lastWall;
      this.lastWall = wall;
      this.state.player = tick(this.state.player, dt);
      this.pump(gen);
      if (this.state.status !== 'finished' && this.state.status !== 'error') this.loop(gen);
    });
  }

  private pump(gen: number): void {
    const h = this.handle;
    if (!h || this.busy) return;
    const p = this.state.player;
    const want = p.targetMs >= p.durationMs ? p.durationMs : requestMs(p);
    if (this.state.nowMs >= p.durationMs && this.state.status === 'running') {
      this.busy = true;
      this.state.status = 'finishing';
      h.finish()
        .then(({ frames, result, wallMs }) => {
          if (gen !== this.generation) return;
          this.append(frames);
          this.state.workerWallMs = wallMs;
          this.result.value = result;
          this.state.status = 'finished';
          this.busy = false;
          this.onFinished?.(result, this.scenario!, this.keptFaults());
        })
        .catch((e) => this.fail(e));
      return;
    }
    if (want <= this.state.nowMs) return;
    this.busy = true;
    h.advance(want)
      .then((reply) => {
        if (gen !== this.generation) return;
        this.append(reply);
        this.busy = false;
      })
      .catch((e) => this.fail(e));
  }

  private append(reply: FramesReply): void {
    this.state.nowMs = reply.nowMs;
    this.state.engineEvents = reply.events;
    this.state.workerWallMs = reply.wallMs;
    if (reply.frames.length === 0) return;
    this.frames.value = [...this.frames.value, ...reply.frames];
    const fresh = reply.frames.flatMap((f) => f.events);
    if (fresh.length) this.events.value = [...this.events.value, ...fresh];
  }

  private fail(e: unknown): void {
    this.busy = false;
    this.state.status = 'error';
    this.state.error = e instanceof Error ? e.message : String(e);
  }
}
