/**
 * What the user is working on: the topology, one editable policy and one chaos experiment (YAML
 * text with undo), the seed and duration, and the finished runs the compare view reads.
 */
import { reactive, shallowRef } from 'vue';
import type { ScenarioSpec } from '../../../simulator/model/types.ts';
import type { RunResult } from '../../../simulator/telemetry/types.ts';
import { buildScenario, type BuildResult } from './build.ts';
import { topologyById, TOPOLOGIES } from './library.ts';

export const POLICY_FILE = 'policy.yaml';
export const CHAOS_FILE = 'chaos.yaml';

export interface FinishedRun {
  id: number;
  label: string;
  result: RunResult;
  scenario: ScenarioSpec;
}

/** A text with an undo history (quick actions and edits push onto it). */
export class UndoableText {
  readonly state = reactive({ text: '', canUndo: false });
  private readonly past: string[] = [];

  constructor(initial = '') {
    this.state.text = initial;
  }

  set(text: string): void {
    if (text === this.state.text) return;
    this.past.push(this.state.text);
    if (this.past.length > 100) this.past.shift();
    this.state.text = text;
    this.state.canUndo = true;
  }

  undo(): void {
    const prev = this.past.pop();
    if (prev === undefined) return;
    this.state.text = prev;
    this.state.canUndo = this.past.length > 0;
  }
}

export function createWorkspace() {
  const ws = reactive({
    topologyId: TOPOLOGIES[0].id,
    topologyText: TOPOLOGIES[0].text,
    policyEnabled: false,
    chaosEnabled: false,
    seed: 1,
    durationMs: 60_000,
  });
  const policy = new UndoableText('');
  const chaos = new UndoableText('');
  const history = shallowRef<FinishedRun[]>([]);
  let nextId = 1;

  function selectTopology(id: string): void {
    const t = topologyById(id);
    if (!t) return;
    ws.topologyId = id;
    ws.topologyText = t.text;
  }

  function topologyFile(): string {
    return topologyById(ws.topologyId)?.file ?? 'topology.yaml';
  }

  function build(): BuildResult {
    return buildScenario({
      topology: { file: topologyFile(), text: ws.topologyText },
      policies: ws.policyEnabled ? [{ file: POLICY_FILE, text: policy.state.text }] : [],
      chaos: ws.chaosEnabled ? [{ file: CHAOS_FILE, text: chaos.state.text }] : [],
      seed: ws.seed,
      durationMs: ws.durationMs,
    });
  }

  function addRun(label: string, result: RunResult, scenario: ScenarioSpec): FinishedRun {
    const run = { id: nextId++, label, result, scenario };
    history.value = [...history.value, run];
    return run;
  }

  return { ws, policy, chaos, history, selectTopology, topologyFile, build, addRun };
}

export type Workspace = ReturnType<typeof createWorkspace>;
