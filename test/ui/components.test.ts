// @vitest-environment happy-dom
/** Component tests of the stateful Vue components (@vue/test-utils + happy-dom). */
import { describe, expect, it } from 'vitest';
import { mount } from '@vue/test-utils';
import TimelineBar from '../../ui/src/components/TimelineBar.vue';
import FaultPanel from '../../ui/src/components/FaultPanel.vue';
import YamlEditor from '../../ui/src/components/YamlEditor.vue';
import ComparePanel from '../../ui/src/components/ComparePanel.vue';
import GraphNodeView from '../../ui/src/components/GraphNodeView.vue';
import GraphEdgeView from '../../ui/src/components/GraphEdgeView.vue';
import type { IntervalPoint } from '../../simulator/telemetry/interval.ts';
import type { RunResult } from '../../simulator/telemetry/types.ts';

const point = (over: Partial<IntervalPoint> = {}): IntervalPoint => ({
  requests: 200,
  successes: 200,
  failures: 0,
  p50: 5,
  p99: 20,
  byCause: {},
  ...over,
});
const mesh = {
  breakers: new Map(),
  ejected: new Set<string>(),
  down: new Set<string>(),
  activeFaults: new Set<string>(),
};

describe('TimelineBar', () => {
  const base = {
    playing: false,
    status: 'ready',
    speed: 10,
    nowMs: 0,
    durationMs: 60000,
    frameCount: 0,
    viewIndex: -1,
  };
  it('emits play, step, speed and scrub; shows pause while playing', async () => {
    const w = mount(TimelineBar, { props: base });
    await w.get('[data-action="play"]').trigger('click');
    await w.get('[data-action="step"]').trigger('click');
    await w.get('[data-action="speed"]').setValue('1000');
    expect(w.emitted('play')).toHaveLength(1);
    expect(w.emitted('step')).toHaveLength(1);
    expect(w.emitted('speed')![0]).toEqual([1000]);
    await w.setProps({ playing: true, status: 'running', frameCount: 30, nowMs: 30000 });
    expect(w.find('[data-action="play"]').exists()).toBe(false);
    await w.get('[data-action="pause"]').trigger('click');
    expect(w.emitted('pause')).toHaveLength(1);
    await w.get('input[type="range"]').setValue('12');
    expect(w.emitted('scrub')![0]).toEqual([12]);
    expect(w.get('[data-testid="sim-clock"]').text()).toBe('30.0 s / 60.0 s');
  });
  it('cannot play a finished run', () => {
    const w = mount(TimelineBar, { props: { ...base, status: 'finished' } });
    expect(w.get('[data-action="play"]').attributes('disabled')).toBeDefined();
  });
});

describe('FaultPanel', () => {
  it('on a service: latency, abort, kill, pause, with the values typed', async () => {
    const w = mount(FaultPanel, { props: { selected: 'ratings', faults: [], canInject: true } });
    const kinds = w.findAll('[data-testid="fault-kind"] option').map((o) => o.text());
    expect(kinds).toEqual(['latency', 'abort', 'kill', 'pause']);
    await w.get('[data-testid="fault-latency"]').setValue('750');
    await w.get('form').trigger('submit');
    expect(w.emitted('inject')![0][0]).toEqual({
      name: 'latency-ratings-1',
      type: 'latency',
      target: { service: 'ratings' },
      latency: 750,
      jitter: 0,
      stream: 'upstream',
    });
    await w.get('[data-testid="fault-kind"]').setValue('kill');
    await w.get('form').trigger('submit');
    expect(w.emitted('inject')![1][0]).toMatchObject({
      type: 'kill',
      target: { service: 'ratings' },
      coldStart: 0,
    });
  });
  it('on an edge: a partition between caller and callee', async () => {
    const w = mount(FaultPanel, { props: { selected: 'reviews->ratings', faults: [], canInject: true } });
    await w.get('form').trigger('submit');
    expect(w.emitted('inject')![0][0]).toMatchObject({
      type: 'partition',
      between: [{ service: 'reviews' }, { service: 'ratings' }],
    });
  });
  it('lists injected faults with Remove until stopped, then offers to keep them', async () => {
    const spec = {
      name: 'pause-details-1',
      type: 'pause' as const,
      target: { service: 'details' },
      at: 5000.5,
    };
    const w = mount(FaultPanel, { props: { selected: null, faults: [{ spec }], canInject: true } });
    await w.get('[data-action="remove-fault"]').trigger('click');
    expect(w.emitted('remove')![0]).toEqual(['pause-details-1']);
    await w.setProps({ faults: [{ spec, stoppedAt: 9000.5 }] });
    expect(w.find('[data-action="remove-fault"]').exists()).toBe(false);
    expect(w.text()).toMatch(/from 5\.00 s\s*to 9\.00 s/);
    await w.get('[data-action="keep-faults"]').trigger('click');
    expect(w.emitted('keep')).toHaveLength(1);
  });
});

describe('YamlEditor', () => {
  it('shows issues inline (line, field, message), marks the line, and undoes', async () => {
    const w = mount(YamlEditor, {
      props: {
        label: 'MeshPolicy',
        file: 'policy.yaml',
        text: 'a: 1\nb: 2\n',
        canUndo: true,
        issues: [
          { file: 'policy.yaml', line: 2, column: 4, path: 'spec.timeout', message: 'expected a duration' },
        ],
      },
    });
    expect(w.get('[data-testid="yaml-issues"]').text()).toContain('line 2:4');
    expect(w.get('[data-testid="yaml-issues"]').text()).toContain('spec.timeout expected a duration');
    expect(w.findAll('.gutter .bad').map((s) => s.text())).toEqual(['2']);
    await w.get('textarea').setValue('c: 3\n');
    expect(w.emitted('change')![0]).toEqual(['c: 3\n']);
    await w.get('[data-action="undo"]').trigger('click');
    expect(w.emitted('undo')).toHaveLength(1);
    await w.setProps({ issues: [] });
    expect(w.text()).toContain('✓ valid');
  });
});

describe('ComparePanel', () => {
  const result = (p99: number, successRate: number): RunResult =>
    ({
      seed: 1,
      durationMs: 2000,
      series: {
        t: [1000, 2000],
        entry: { p99: [p99, p99], requests: [50, 50], successes: [50, 50 * successRate] },
      },
      summary: { successRate, degraded: 10, latencyMs: { p99, p50: 5 }, requests: 100 },
      edges: [{ retries: 3 }],
      services: { a: { duplicateSideEffects: 0 } },
      mesh: { breakers: [{ opens: 2 }], addedLatencyMsPerRequest: 0.5, cpuCores: 0.1, memoryMB: 50 },
    }) as unknown as RunResult;
  it('puts runs side by side and marks the better value with a check', () => {
    const runs = [
      { id: 1, label: 'none', result: result(3000, 0.99), scenario: {} as never },
      { id: 2, label: 'breaker', result: result(80, 1), scenario: {} as never },
    ];
    const w = mount(ComparePanel, { props: { runs, busy: false } });
    const p99 = w.findAll('[data-measure="p99"] td');
    expect(p99.map((c) => c.attributes('data-value'))).toEqual(['3000', '80']);
    expect(p99[1].text()).toContain('✓');
    expect(p99[0].text()).not.toContain('✓');
    // equal values: nobody is marked
    expect(w.findAll('[data-measure="retries"] td').some((c) => c.text().includes('✓'))).toBe(false);
    // and the runs aligned on one clock: a line per run in each chart
    expect(w.findAll('.aligned figure')).toHaveLength(2);
    expect(w.findAll('.aligned figure').at(0)!.findAll('path[stroke]')).toHaveLength(2);
  });
});

describe('GraphNodeView and GraphEdgeView', () => {
  const node = {
    id: 'reviews',
    kind: 'service' as const,
    versions: [
      { name: 'v1', instances: ['reviews-v1-0'] },
      { name: 'v2', instances: ['reviews-v2-0'] },
    ],
    slots: 32,
    queueCapacity: 256,
  };
  it('health by colour and shape: healthy circle, degraded triangle, failing square; queue and instances', async () => {
    const w = mount(GraphNodeView, {
      props: { node, at: { x: 0, y: 0 }, point: point(), intervalMs: 1000, mesh, selected: false },
    });
    expect(w.attributes('data-health')).toBe('healthy');
    expect(w.find('circle[r="6"]').exists()).toBe(true);
    await w.setProps({ point: point({ failures: 1, successes: 199 }) }); // 0.5 %
    expect(w.attributes('data-health')).toBe('degraded');
    expect(w.find('path[d^="M0,-7"]').exists()).toBe(true);
    await w.setProps({ point: point({ failures: 30, successes: 170, queue: 128, utilization: 1 }) }); // 15 %
    expect(w.attributes('data-health')).toBe('failing');
    expect(w.attributes('data-queue')).toBe('128');
    expect(w.text()).toContain('queue 128/256');
    expect(w.text()).toContain('busy 32/32');
    await w.setProps({
      mesh: { ...mesh, down: new Set(['reviews-v2-0']), ejected: new Set(['reviews-v1-0']) },
    });
    expect(w.get('[data-instance="reviews-v2-0"]').attributes('data-state')).toBe('down');
    expect(w.get('[data-instance="reviews-v1-0"]').attributes('data-state')).toBe('ejected');
  });
  it('edges: stacked labels by checkbox, a breaker chip that shows CLOSED, padlock for strict mTLS', async () => {
    const w = mount(GraphEdgeView, {
      props: {
        edge: { key: 'reviews->ratings', from: 'reviews', to: 'ratings', mtls: 'strict', authz: 'allowed' },
        from: { x: 0, y: 0 },
        to: { x: 240, y: 0 },
        point: point({ attempts: 300 }),
        intervalMs: 1000,
        breaker: 'closed',
        labels: { rps: true, errors: false, p99: true, amplification: true },
        colorByP99: false,
        selected: false,
      },
    });
    const labels = w.findAll('text.label').map((t) => t.text());
    expect(labels).toEqual(['200.0 rps', 'p99 20 ms', 'req 200 / act 300 rps']);
    expect(w.get('.chip').text()).toBe('CLOSED');
    expect(w.get('[data-mtls]').attributes('data-mtls')).toBe('strict');
    expect(w.text()).toContain('✓ allowed');
    await w.setProps({ breaker: 'open' });
    expect(w.get('.chip').text()).toBe('OPEN');
  });
});
