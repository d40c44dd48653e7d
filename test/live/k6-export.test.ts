/**
 * `meshdojo k6 export`: the script type-checks with tsc against @types/k6, and it sends, iteration
 * by iteration, the requests and headers the built-in runner sends on the same seed. No k6 binary
 * is needed: the script runs here on stand-ins for k6's modules, and k6's own part — when an
 * iteration starts — is checked against k6's documented rule (iteration i starts where the
 * integrated rate reaches i) for evenly spaced arrivals. Poisson arrivals and VU start times are
 * k6's to decide and are not claimed equal.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { build } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';
import { createRng } from '../../simulator/engine/rng.ts';
import { exportK6, type K6Plan } from '../../simulator/live/k6/export.ts';
import type { ScenarioSpec } from '../../simulator/model/types.ts';
import { LoadGenerator } from '../../simulator/sim/load.ts';
import { requestSchedule } from '../../simulator/sim/schedule.ts';
import { scenarioFromFiles, scenarioFromYaml } from '../helpers/load.ts';

const dir = mkdtempSync(path.join(os.tmpdir(), 'meshdojo-k6-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const topo = `apiVersion: meshdojo/v1
kind: Topology
metadata: { name: shop }
spec:
  entry: { service: web, endpoint: GET / }
  services:
    - name: web
      endpoints:
        - { name: GET /, serviceTime: { dist: constant, value: 1ms } }
        - { name: POST /cart, serviceTime: { dist: constant, value: 1ms } }
    - name: api
      endpoints:
        - { name: GET /items, serviceTime: { dist: constant, value: 1ms } }
`;
const profile = (spec: string) => `apiVersion: meshdojo/v1
kind: LoadProfile
metadata: { name: p }
spec:
  requests:
    - { endpoint: GET /, weight: 3 }
    - { endpoint: POST /cart, weight: 1 }
    - { service: api, endpoint: GET /items, weight: 2 }
  headers:
    - { name: x-user, value: beta, percent: 30 }
    - { name: x-debug, value: '1', percent: 10 }
  thresholds:
    http_req_duration: ['p(99)<500']
    http_req_failed: ['rate<0.01']
${spec}`;

const scenarios: Record<string, ScenarioSpec> = {
  constantUniform: scenarioFromYaml(
    {
      't.yaml': topo,
      'l.yaml': profile(
        '  executor: constant-arrival-rate\n  arrivals: uniform\n  rate: 50\n  duration: 4s\n',
      ),
    },
    { seed: 7 },
  ),
  rampingUniform: scenarioFromYaml(
    {
      't.yaml': topo,
      'l.yaml': profile(
        '  executor: ramping-arrival-rate\n  arrivals: uniform\n  startRate: 10\n  stages:\n    - { duration: 2s, target: 40 }\n    - { duration: 1s, target: 40 }\n    - { duration: 2s, target: 5 }\n',
      ),
    },
    { seed: 11 },
  ),
  constantPoisson: scenarioFromYaml(
    {
      't.yaml': topo,
      'l.yaml': profile(
        '  executor: constant-arrival-rate\n  arrivals: poisson\n  rate: 30\n  duration: 3s\n',
      ),
    },
    { seed: 3 },
  ),
  vus: scenarioFromYaml(
    {
      't.yaml': topo,
      'l.yaml': profile(
        '  executor: constant-vus\n  vus: 3\n  duration: 2s\n  thinkTime: { dist: exponential, mean: 100ms }\n',
      ),
    },
    { seed: 5 },
  ),
};

/** The built-in generator on a tiny virtual clock: (time, header mask) of every request it sends. */
function builtIn(s: ScenarioSpec): { at: number[]; hdr: number[] } {
  const queue: { t: number; n: number; fn: () => void }[] = [];
  let now = 0;
  let seq = 0;
  const at: number[] = [];
  const hdr: number[] = [];
  const gen = new LoadGenerator(
    s.load!,
    {
      send: (h, _sample, done) => {
        at.push(now);
        hdr.push(h);
        if (done) queue.push({ t: now + 5, n: seq++, fn: done }); // a 5 ms answer
      },
      at: (t, fn) => queue.push({ t, n: seq++, fn }),
      now: () => now,
    },
    createRng(s.seed),
    s.duration ?? 10_000,
    { traces: 0, accessLogs: 0 },
  );
  gen.start();
  while (queue.length) {
    queue.sort((a, b) => a.t - b.t || a.n - b.n);
    const e = queue.shift()!;
    now = e.t;
    e.fn();
  }
  return { at, hdr };
}

/** Runs the exported script's default function for iterations 0..n-1 on stand-ins for k6's modules. */
async function runScript(script: string, n: number) {
  const file = path.join(dir, `run-${Math.random().toString(36).slice(2)}.js`);
  writeFileSync(file, script);
  const sent: { method: string; url: string; headers: Record<string, string> }[] = [];
  const g = globalThis as Record<string, unknown>;
  g.__ENV = {};
  g.__k6 = { iteration: 0, sent };
  const out = await build({
    entryPoints: [file],
    bundle: true,
    write: false,
    format: 'esm',
    plugins: [
      {
        name: 'k6-stand-ins',
        setup(b) {
          const stand = (m: string) =>
            path.resolve('test/live/k6-stand-ins', `${m === 'k6' ? 'k6' : m.slice(3)}.js`);
          b.onResolve({ filter: /^k6(\/.*)?$/ }, (a) => ({ path: stand(a.path) }));
        },
      },
    ],
  });
  const mod = (await import(
    `data:text/javascript;base64,${Buffer.from(out.outputFiles[0].text).toString('base64')}`
  )) as {
    default: () => void;
    options: { scenarios: { load: Record<string, unknown> }; thresholds: Record<string, string[]> };
  };
  for (let i = 0; i < n; i++) {
    (g.__k6 as { iteration: number }).iteration = i;
    mod.default();
  }
  return { sent, options: mod.options };
}

/** k6's rule for arrival-rate executors: iteration i starts where ∫rate dt = i (rates per ms). */
function k6StartTimes(sc: Record<string, unknown>): number[] {
  const unitMs = parseFloat(String(sc.timeUnit)) * 1000;
  const dur = (d: unknown) => parseFloat(String(d));
  const segs: { len: number; r0: number; r1: number }[] =
    sc.executor === 'constant-arrival-rate'
      ? [{ len: dur(sc.duration), r0: Number(sc.rate) / unitMs, r1: Number(sc.rate) / unitMs }]
      : (() => {
          let r = Number(sc.startRate) / unitMs;
          return (sc.stages as { duration: string; target: number }[]).map((s) => {
            const seg = { len: dur(s.duration), r0: r, r1: s.target / unitMs };
            r = seg.r1;
            return seg;
          });
        })();
  const times: number[] = [];
  let t0 = 0;
  let mass0 = 0;
  for (const { len, r0, r1 } of segs) {
    const segMass = ((r0 + r1) / 2) * len;
    const a = (r1 - r0) / len / 2; // mass(x) = r0·x + a·x²
    for (let i = Math.ceil(mass0 - 1e-9); i < mass0 + segMass - 1e-9; i++) {
      const m = i - mass0;
      const x = Math.abs(a) < 1e-15 ? m / r0 : (-r0 + Math.sqrt(r0 * r0 + 4 * a * m)) / (2 * a);
      times.push(t0 + x);
    }
    t0 += len;
    mass0 += segMass;
  }
  return times;
}

function expectedRequests(plan: K6Plan, mix: number[], headers: number[]) {
  return mix.map((m, i) => {
    const r = plan.requests[m];
    const h: Record<string, string> = {};
    plan.headers.forEach((x, bit) => {
      if (headers[i] & (1 << bit)) h[x.name] = x.value;
    });
    return { method: r.method, url: plan.urls[r.service] + r.path, headers: h };
  });
}

describe('the built-in generator follows the schedule description', () => {
  for (const [name, s] of Object.entries(scenarios)) {
    it(`${name}: same start times (arrival-rate) and header masks, request by request`, () => {
      const gen = builtIn(s);
      const sched = requestSchedule(s.load!, s.seed, s.duration ?? 10_000, gen.hdr.length);
      expect(gen.hdr.length).toBeGreaterThan(20);
      expect(gen.hdr).toEqual(sched.headers);
      if (sched.arrivals) expect(gen.at).toEqual(sched.arrivals);
      expect(new Set(sched.mix).size).toBe(3); // every kind of the mix occurs
      expect(new Set(sched.headers).size).toBeGreaterThan(1);
    });
  }
});

describe('the exported script', () => {
  for (const [name, s] of Object.entries(scenarios)) {
    it(`${name}: iteration i sends request i of the schedule (method, URL, headers)`, async () => {
      const { plan, script, warnings } = exportK6(s);
      const n = Math.min(plan.picks.length, 400);
      const sched = requestSchedule(s.load!, s.seed, s.duration ?? 10_000, n);
      const { sent, options } = await runScript(script, n);
      expect(sent).toEqual(expectedRequests(plan, sched.mix.slice(0, n), sched.headers.slice(0, n)));
      expect(options.thresholds).toEqual({
        http_req_duration: ['p(99)<500'],
        http_req_failed: ['rate<0.01'],
      });
      if (
        s.load!.executor.endsWith('arrival-rate') &&
        (s.load as { arrivals: string }).arrivals === 'uniform'
      ) {
        // k6 starts iteration i where the integrated rate reaches i: the built-in uniform schedule.
        const k6 = k6StartTimes(options.scenarios.load);
        expect(k6.length).toBe(sched.arrivals!.length);
        k6.forEach((t, i) => expect(Math.abs(t - sched.arrivals![i])).toBeLessThan(1e-6));
        expect(warnings).toEqual([]);
      } else {
        expect(warnings.length).toBeGreaterThan(0); // Poisson or VU: says what k6 decides itself
      }
    });
  }

  it('type-checks with tsc against @types/k6, and a misspelt k6 call does not', () => {
    const files: string[] = [];
    const shipped = {
      bookinfo: scenarioFromFiles(['topologies/bookinfo.yaml']),
      sockShop: scenarioFromFiles(['topologies/sock-shop.yaml']),
    };
    for (const [name, s] of Object.entries({ ...scenarios, ...shipped })) {
      const f = path.join(dir, `${name}.js`);
      writeFileSync(f, exportK6(s).script);
      files.push(f);
    }
    const tsc = path.resolve('node_modules/typescript/bin/tsc');
    const args = (fs: string[]) => [
      tsc,
      '--noEmit',
      '--allowJs',
      '--checkJs',
      '--strict',
      '--skipLibCheck',
      '--target',
      'ES2020',
      '--module',
      'ES2020',
      '--moduleResolution',
      'node',
      '--types',
      'k6',
      '--typeRoots',
      path.resolve('node_modules/@types'),
      ...fs,
    ];
    execFileSync(process.execPath, args(files), { encoding: 'utf8' });
    const broken = path.join(dir, 'broken.js');
    writeFileSync(
      broken,
      exportK6(scenarios.vus).script.replace('http.request(req.method', 'http.reqest(req.method'),
    );
    let output = '';
    try {
      execFileSync(process.execPath, args([broken]), { encoding: 'utf8' });
    } catch (err) {
      output = String((err as { stdout: string }).stdout);
    }
    expect(output).toMatch(/reqest/);
  });
});
