/** Pure UI state: the player, the run controller (driven by a manual frame scheduler), edits, share links. */
import { describe, expect, it } from 'vitest';
import { newPlayer, setSpeed, step, tick } from '../../ui/src/sim/player.ts';
import { RunController } from '../../ui/src/sim/run-controller.ts';
import { SimClient, type Port } from '../../ui/src/sim/client.ts';
import { createEngineHost } from '../../ui/src/sim/engine-host.ts';
import type { FromWorker, ToWorker } from '../../ui/src/sim/protocol.ts';
import { addBreaker, addTimeout, shiftWeight } from '../../ui/src/scenario/policy-edit.ts';
import { chaosYaml } from '../../ui/src/scenario/chaos-yaml.ts';
import { decodeShare, encodeShare } from '../../ui/src/scenario/share.ts';
import { UndoableText } from '../../ui/src/scenario/workspace.ts';
import { buildScenario } from '../../ui/src/scenario/build.ts';
import { meshStateAt } from '../../ui/src/graph/mesh-state.ts';
import { layeredLayout } from '../../ui/src/graph/layout.ts';
import { buildGraph } from '../../ui/src/graph/model.ts';
import { generatedTopologyYaml } from '../../ui/src/scenario/generate.ts';
import { loadBundle } from '../../simulator/model/load.ts';
import { runScenario } from '../../simulator/sim/run.ts';
import { readFileSync } from 'node:fs';

const bookinfoText = readFileSync('topologies/bookinfo.yaml', 'utf8');
const resilientText = readFileSync('topologies/policies/bookinfo-resilient.yaml', 'utf8');

describe('player', () => {
  it('plays at speed, caps a long tab pause, stops at the end; step goes to the next boundary', () => {
    let p = { ...newPlayer(10_000, 1000, 10), playing: true };
    p = tick(p, 100);
    expect(p.targetMs).toBe(1000);
    p = tick(p, 5000); // capped at 250 ms of wall time
    expect(p.targetMs).toBe(3500);
    p = step(p);
    expect(p).toMatchObject({ playing: false, targetMs: 4000 });
    p = tick({ ...setSpeed(p, 1000), playing: true }, 100);
    expect(p).toMatchObject({ targetMs: 10_000, playing: false });
    expect(() => setSpeed(p, 0)).toThrow(/speed must be > 0/);
  });
});

function fakePort(): Port {
  const port: Port = {
    onmessage: null,
    postMessage: (m: ToWorker) => queueMicrotask(() => host.handle(structuredClone(m))),
  };
  const host = createEngineHost((m: FromWorker) => queueMicrotask(() => port.onmessage?.({ data: m })));
  return port;
}

describe('RunController', () => {
  it('plays, injects and stops a fault, finishes, and keeps the faults as a replayable experiment', async () => {
    const frames: ((t: number) => void)[] = [];
    const ctl = new RunController(new SimClient(fakePort()), (cb) => frames.push(cb));
    const built = buildScenario({
      topology: { file: 'bookinfo.yaml', text: bookinfoText },
      policies: [],
      chaos: [],
      seed: 1,
      durationMs: 8000,
    });
    if (!built.ok) throw new Error('bookinfo does not build');
    await ctl.load(built.scenario, 20);
    expect(ctl.state.status).toBe('ready');
    let wall = 0;
    const pump = async (n: number) => {
      for (let i = 0; i < n; i++) {
        const cb = frames.shift();
        if (!cb) return;
        cb((wall += 50));
        await new Promise((r) => setTimeout(r, 0));
      }
    };
    ctl.play();
    await pump(4);
    expect(ctl.state.nowMs).toBeGreaterThan(0);
    const f = await ctl.inject({
      name: 'slow',
      type: 'latency',
      target: { service: 'ratings' },
      latency: 500,
      jitter: 0,
      stream: 'upstream',
    });
    expect(f!.at).toBe(ctl.state.nowMs + 0.5);
    await pump(3);
    await ctl.stopFault('slow');
    await pump(200);
    expect(ctl.state.status).toBe('finished');
    expect(ctl.frames.value.map((x) => x.t)).toEqual([1000, 2000, 3000, 4000, 5000, 6000, 7000, 8000]);
    const kept = ctl.keptFaults();
    expect(kept[0].duration).toBeGreaterThan(0);
    // the kept YAML, loaded by the CLI's loader, replays the same run
    const yaml = chaosYaml('kept', kept);
    const replay = buildScenario({
      topology: { file: 'bookinfo.yaml', text: bookinfoText },
      policies: [],
      chaos: [{ file: 'chaos.yaml', text: yaml }],
      seed: 1,
      durationMs: 8000,
    });
    if (!replay.ok) throw new Error(replay.issues.map((i) => i.message).join('; '));
    expect(runScenario(replay.scenario).hash).toBe(ctl.result.value!.hash);
    // scrubbing
    ctl.scrub(2);
    expect(ctl.currentFrame!.t).toBe(3000);
    ctl.scrub(-1);
    expect(ctl.currentFrame!.t).toBe(8000);
  });
});

describe('editing YAML', () => {
  it('quick actions write readable YAML that the CLI validator accepts', () => {
    let t = addTimeout('', 'ratings', '300ms');
    t = addBreaker(t, 'ratings');
    t = shiftWeight(t, 'reviews', 'v1', 'v3', 25);
    expect(t).toContain(
      '    - service: ratings\n      timeout: 300ms\n      circuitBreaker: { consecutiveFailures: 5, openFor: 5s, halfOpenRequests: 1 }',
    );
    expect(t).toContain('routes: [ { split: { v1: 75, v3: 25 } } ]');
    const b = loadBundle([
      { file: 'bookinfo.yaml', text: bookinfoText },
      { file: 'policy.yaml', text: t },
    ]);
    expect(b.policies[0].destinations.map((d) => d.service)).toEqual(['ratings', 'reviews']);
    expect(b.policies[0].destinations[0].circuitBreaker?.consecutiveFailures).toBe(5);
  });
  it('keeps comments of an existing policy and reports validator errors with file and line', () => {
    const t = addTimeout(resilientText, 'details', '1s');
    expect(t).toContain('# Give up on a slow ratings quickly');
    const bad = buildScenario({
      topology: { file: 'bookinfo.yaml', text: bookinfoText },
      policies: [{ file: 'policy.yaml', text: t.replace('timeout: 1s', 'timeout: fast') }],
      chaos: [],
      seed: 1,
    });
    expect(bad.ok).toBe(false);
    if (!bad.ok) {
      expect(bad.issues[0]).toMatchObject({ file: 'policy.yaml', path: expect.stringContaining('timeout') });
      expect(bad.issues[0].line).toBeGreaterThan(1);
    }
  });
  it('undo', () => {
    const u = new UndoableText('a');
    u.set('b');
    u.set('c');
    u.undo();
    expect(u.state).toEqual({ text: 'b', canUndo: true });
    u.undo();
    expect(u.state).toEqual({ text: 'a', canUndo: false });
  });
});

describe('share links and graph data', () => {
  it('round-trips a scenario and seed through the URL fragment; a damaged fragment is null', () => {
    const s = { topology: { id: 'bookinfo' }, policies: ['x: ü'], chaos: [], seed: 42, durationMs: 30000 };
    const h = encodeShare(s);
    expect(decodeShare(`#${h}`)).toEqual(s);
    expect(decodeShare('#s=!!!')).toBeNull();
    expect(decodeShare('')).toBeNull();
  });
  it('mesh state: breaker per edge (CLOSED by default, worst proxy wins), ejected and down instances', () => {
    const services = ['reviews', 'ratings'];
    const ev = [
      { t: 1, kind: 'breaker' as const, subject: 'reviews-v2-0 → ratings', state: 'open', reason: '' },
      {
        t: 2,
        kind: 'ejection' as const,
        subject: 'x',
        state: 'ejected',
        reason: 'ejected ratings-v1-0: 5 consecutive 5xx',
      },
      { t: 3, kind: 'instance-down' as const, subject: 'reviews-v3-0', reason: 'process killed' },
      { t: 9, kind: 'breaker' as const, subject: 'reviews-v2-0 → ratings', state: 'closed', reason: '' },
    ];
    const at5 = meshStateAt(ev, 5, services, ['reviews->ratings']);
    expect(at5.breakers.get('reviews->ratings')).toBe('open');
    expect([...at5.ejected]).toEqual(['ratings-v1-0']);
    expect([...at5.down]).toEqual(['reviews-v3-0']);
    expect(meshStateAt(ev, 10, services, ['reviews->ratings']).breakers.get('reviews->ratings')).toBe(
      'closed',
    );
  });
  it('a generated 200-service topology loads, and the layout is layered from the entry', () => {
    const b = loadBundle([{ file: 'g.yaml', text: generatedTopologyYaml(200) }]);
    expect(b.topology!.services).toHaveLength(200);
    const g = buildGraph(b.topology!, []);
    expect(g.edges).toHaveLength(200); // a tree: 199 calls + client → frontend
    const pos = layeredLayout(g);
    expect(pos.get('client')!.x).toBe(0);
    expect(pos.get('frontend')!.x).toBeGreaterThan(0);
    for (const e of g.edges) expect(pos.get(e.to)!.x).toBeGreaterThan(pos.get(e.from)!.x);
  });
});
