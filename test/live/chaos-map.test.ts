/** ChaosExperiment faults → live operations (toxics on the right edge and stream, or not a toxic). */
import { describe, expect, it } from 'vitest';
import type { FaultSpec } from '../../simulator/model/types.ts';
import { planFault, toxiproxyOps, type LiveLayout } from '../../simulator/live/toxiproxy/chaos-map.ts';
import { openFaultProxy } from '../../simulator/live/toxiproxy/client.ts';

// Bookinfo, one proxy per caller → callee pair; reviews has three versions.
const layout: LiveLayout = {
  connectTimeout: 1000,
  instances: [
    { id: 'productpage-0', service: 'productpage', node: 'a' },
    { id: 'details-0', service: 'details', node: 'a' },
    { id: 'reviews-v1-0', service: 'reviews', version: 'v1', node: 'a' },
    { id: 'reviews-v2-0', service: 'reviews', version: 'v2', node: 'b' },
    { id: 'reviews-v3-0', service: 'reviews', version: 'v3', node: 'b' },
    { id: 'ratings-0', service: 'ratings', node: 'b' },
  ],
  edges: [
    { proxy: 'load__productpage', from: null, to: 'productpage' },
    { proxy: 'productpage__details', from: 'productpage', to: 'details' },
    { proxy: 'productpage__reviews', from: 'productpage', to: 'reviews' },
    { proxy: 'reviews__ratings', from: 'reviews', to: 'ratings' },
  ],
};

const base = { name: 'f', at: 30_000, duration: 30_000 };

describe('planFault', () => {
  it('latency → a latency toxic on every edge into the target, on the stream of the fault', () => {
    const p = planFault(
      {
        ...base,
        type: 'latency',
        target: { service: 'ratings' },
        latency: 3000,
        jitter: 5,
        stream: 'downstream',
      },
      layout,
    );
    expect(p).toMatchObject({ fault: 'f', at: 30_000, until: 60_000, warnings: [] });
    expect(p.actions).toEqual([
      {
        kind: 'toxic',
        proxy: 'reviews__ratings',
        toxic: {
          name: 'f_downstream',
          type: 'latency',
          stream: 'downstream',
          toxicity: 1,
          attributes: { latency: 3000, jitter: 5 },
        },
      },
    ]);
  });

  it('a direction field picks the stream (upstream / both)', () => {
    const f = {
      ...base,
      type: 'latency',
      target: { service: 'ratings' },
      latency: 10,
      jitter: 0,
      stream: 'downstream',
    } as FaultSpec;
    const up = planFault({ ...f, direction: 'upstream' } as unknown as FaultSpec, layout);
    expect(up.actions.map((a) => a.kind === 'toxic' && a.toxic.stream)).toEqual(['upstream']);
    const both = planFault({ ...f, direction: 'both' } as unknown as FaultSpec, layout);
    expect(both.actions.map((a) => a.kind === 'toxic' && a.toxic.stream)).toEqual(['upstream', 'downstream']);
  });

  it('a subset of a service behind one shared edge is not faulted, and a warning says why', () => {
    const p = planFault(
      {
        ...base,
        type: 'latency',
        target: { service: 'reviews', version: 'v2' },
        latency: 10,
        jitter: 0,
        stream: 'downstream',
      },
      layout,
    );
    expect(p.actions).toEqual([]);
    expect(p.warnings[0]).toMatch(/only some instances of reviews.*productpage__reviews/);
    // With a proxy per callee instance, the subset is faulted exactly.
    const perInstance: LiveLayout = {
      ...layout,
      edges: ['v1', 'v2', 'v3'].map((v) => ({
        proxy: `pp__reviews-${v}`,
        from: 'productpage',
        to: 'reviews',
        toInstance: `reviews-${v}-0`,
      })),
    };
    const q = planFault(
      {
        ...base,
        type: 'latency',
        target: { service: 'reviews', version: 'v2' },
        latency: 10,
        jitter: 0,
        stream: 'downstream',
      },
      perInstance,
    );
    expect(q.actions.map((a) => a.kind === 'toxic' && a.proxy)).toEqual(['pp__reviews-v2']);
  });

  it('partition → timeout toxics (connectTimeout) both ways on the edges between the two groups; refuse → enabled:false', () => {
    const f: FaultSpec = {
      ...base,
      type: 'partition',
      between: [{ service: 'reviews' }, { service: 'ratings' }],
    };
    const p = planFault(f, layout);
    expect(p.actions).toEqual(
      (['upstream', 'downstream'] as const).map((stream) => ({
        kind: 'toxic',
        proxy: 'reviews__ratings',
        toxic: { name: `f_${stream}`, type: 'timeout', stream, toxicity: 1, attributes: { timeout: 1000 } },
      })),
    );
    expect(planFault(f, layout, { partition: 'refuse' }).actions).toEqual([
      { kind: 'disable', proxy: 'reviews__ratings' },
    ]);
    expect(toxiproxyOps(planFault(f, layout, { partition: 'refuse' }), 'revert')).toEqual([
      { method: 'POST', path: '/proxies/reviews__ratings', body: { enabled: true } },
    ]);
  });

  it('loss → reset_peer with toxicity = percent / 100 on the requests, with the per-connection caveat', () => {
    const p = planFault(
      { ...base, type: 'loss', target: { service: 'details' }, percent: 30, stream: 'upstream' },
      layout,
    );
    expect(p.actions).toEqual([
      {
        kind: 'toxic',
        proxy: 'productpage__details',
        toxic: {
          name: 'f_upstream',
          type: 'reset_peer',
          stream: 'upstream',
          toxicity: 0.3,
          attributes: { timeout: 0 },
        },
      },
    ]);
    expect(p.warnings.join()).toMatch(/per connection/);
  });

  it('abort, kill, pause, cpu and node-down are not toxics: sidecar filter and backend actions on the selected instances', () => {
    const t = { service: 'reviews', version: 'v2' };
    expect(
      planFault({ ...base, type: 'abort', target: t, percent: 50, status: 503 }, layout).actions,
    ).toEqual([{ kind: 'sidecar-abort', instances: ['reviews-v2-0'], percent: 50, status: 503 }]);
    expect(
      planFault(
        { ...base, type: 'kill', target: { service: 'reviews', count: 2 }, coldStart: 5, restartAfter: 20 },
        layout,
      ).actions,
    ).toEqual([
      { kind: 'kill', instances: ['reviews-v1-0', 'reviews-v2-0'], restartAfter: 20, coldStart: 5 },
    ]);
    expect(planFault({ ...base, type: 'pause', target: { service: 'details' } }, layout).actions).toEqual([
      { kind: 'pause', instances: ['details-0'] },
    ]);
    expect(
      planFault({ ...base, type: 'cpu', target: { service: 'reviews', percent: 50 }, multiplier: 3 }, layout)
        .actions,
    ).toEqual([{ kind: 'cpu', instances: ['reviews-v1-0', 'reviews-v2-0'], multiplier: 3 }]);
    expect(planFault({ ...base, type: 'node-down', node: 'b' }, layout).actions).toEqual([
      { kind: 'node-down', node: 'b', instances: ['reviews-v2-0', 'reviews-v3-0', 'ratings-0'] },
    ]);
    expect(
      toxiproxyOps(planFault({ ...base, type: 'pause', target: { service: 'details' } }, layout), 'apply'),
    ).toEqual([]);
  });

  it('the ops apply and revert on a Toxiproxy-API server', async () => {
    const fp = await openFaultProxy();
    try {
      await fp.ensureProxies([{ name: 'reviews__ratings', listen: '127.0.0.1:0', upstream: '127.0.0.1:9' }]);
      const plan = planFault(
        {
          ...base,
          type: 'latency',
          target: { service: 'ratings' },
          latency: 3000,
          jitter: 0,
          stream: 'downstream',
        },
        layout,
      );
      const call = async (op: { method: string; path: string; body?: unknown }) => {
        const r = await fetch(fp.url + op.path, {
          method: op.method,
          body: op.body === undefined ? undefined : JSON.stringify(op.body),
        });
        expect(r.ok, `${op.method} ${op.path}`).toBe(true);
      };
      for (const op of toxiproxyOps(plan, 'apply')) await call(op);
      expect(await fp.listToxics('reviews__ratings')).toEqual([
        {
          attributes: { latency: 3000, jitter: 0 },
          name: 'f_downstream',
          type: 'latency',
          stream: 'downstream',
          toxicity: 1,
        },
      ]);
      for (const op of toxiproxyOps(plan, 'revert')) await call(op);
      expect(await fp.listToxics('reviews__ratings')).toEqual([]);
      await (await fp.toxiproxy.get('reviews__ratings')).remove();
    } finally {
      await fp.close();
    }
  });
});
