/**
 * `npm run bench -- --only live`: one live sidecar hop with every data-plane feature on (route
 * match, weighted split, least-request pick, per-try timeout, retry budget, breaker and outlier
 * accounting, metrics, the access log) against a direct call and against HAProxy (Debian's
 * `haproxy`, installed when missing), interleaved, median of the rounds. The proxy under test is
 * pinned alone on CPU 1 (`taskset -c 1`); upstream and load generator share CPU 0.
 *
 * Figures: proxy CPU µs per request at saturation, added p50/p90 in a closed loop (1 connection),
 * added p50/p99 at ≈ 1,000 req/s, vCPU per 1,000 req/s, RSS idle and loaded. `--soak` instead
 * runs 10 minutes at 1,000 req/s through the sidecar and samples its RSS every second.
 * `--quick` shortens every phase; `--rounds N`; `--write-docs` replaces the live block of
 * docs/benchmarks.md.
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nodeArgs } from '../simulator/live/backend/process.ts';
import type { SidecarConfig } from '../simulator/live/contract.ts';
import { sidecarEntry } from '../simulator/live/run/entries.ts';
import type { MeshPolicySpec } from '../simulator/model/types.ts';

const argv = process.argv.slice(2);
const quick = argv.includes('--quick');
const soak = argv.includes('--soak');
const roundsArg = argv.indexOf('--rounds');
const ROUNDS = roundsArg >= 0 ? Number(argv[roundsArg + 1]) : 3;
const PHASE_S = quick ? 1 : 4;
const PACED_S = quick ? 2 : 6;
const CLK_TCK = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim() || 100);

const lines: string[] = [];
let program = '';
const say = (l = ''): void => {
  console.log(l);
  lines.push(l);
};

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const p = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return p;
}

function cpuSeconds(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const rest = f.slice(f.lastIndexOf(')') + 2).split(' ');
  return (Number(rest[11]) + Number(rest[12])) / CLK_TCK; // utime + stime
}

function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

/** Spawn pinned to `cpu`; resolves once it printed `ready` (or after `waitMs` for programs that print nothing). */
async function start(cpu: number, cmd: string, args: string[], waitMs = 0): Promise<ChildProcess> {
  const child = spawn('taskset', ['-c', String(cpu), cmd, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (b: Buffer) => (err += b.toString()));
  await new Promise<void>((resolve, reject) => {
    const t = setTimeout(
      () => (waitMs ? resolve() : reject(new Error(`${cmd}: not ready in 20 s: ${err}`))),
      waitMs || 20_000,
    );
    child.stdout!.on('data', (b: Buffer) => {
      if (b.toString().includes('ready')) {
        clearTimeout(t);
        resolve();
      }
    });
    child.on('exit', (code) => {
      clearTimeout(t);
      reject(new Error(`${cmd} exited (${code}): ${err}`));
    });
  });
  child.removeAllListeners('exit');
  return child;
}

interface LoadResult {
  requests: number;
  errors: number;
  seconds: number;
  wallSeconds: number;
  p50: number;
  p90: number;
  p99: number;
}

function load(
  port: number,
  mode: 'closed' | 'paced',
  conns: number,
  rate: number,
  seconds: number,
): LoadResult {
  const out = execFileSync(
    'taskset',
    [
      '-c',
      '0',
      process.execPath,
      '--import',
      'tsx',
      'bench/live/load.ts',
      JSON.stringify({ port, mode, conns, rate, seconds }),
    ],
    { encoding: 'utf8', timeout: (seconds + 30) * 1000 },
  );
  return JSON.parse(out.trim().split('\n').pop()!) as LoadResult;
}

function haproxyInstalled(): boolean {
  return spawnSync('haproxy', ['-v']).status === 0;
}

function ensureHaproxy(): void {
  if (haproxyInstalled()) return;
  process.stderr.write('bench live: installing haproxy (apt)…\n');
  execFileSync('apt-get', ['install', '-y', '-o', 'DPkg::Lock::Timeout=120', 'haproxy'], {
    stdio: 'inherit',
  });
}

/** Every feature of the data plane on, for the one destination `reviews`. */
function fullPolicy(): MeshPolicySpec {
  return {
    name: 'bench',
    dataPlane: { mode: 'sidecar' },
    destinations: [
      {
        service: 'reviews',
        timeout: 5000,
        routes: [
          { match: { headers: { 'x-meshdojo-caller': { exact: 'canary' } } }, split: { v2: 100 } },
          { split: { v1: 90, v2: 10 } },
        ],
        retries: { attempts: 2, perTryTimeout: 2000, retryOn: ['5xx', 'connect-failure', 'reset'] },
        retryBudget: { kind: 'envoy', percent: 20, minRetryConcurrency: 3 },
        circuitBreaker: { consecutiveFailures: 50, openFor: 5000, halfOpenRequests: 1 },
        outlierDetection: {
          consecutive5xxErrors: 5,
          interval: 1000,
          baseEjectionTime: 30_000,
          maxEjectionTime: 300_000,
          maxEjectionPercent: 50,
        },
        connectionPool: { maxConnections: 10_000, maxRequests: 10_000, maxPendingRequests: 10_000 },
        loadBalancer: { algorithm: 'least-request' },
      },
    ],
    security: { authorization: [] },
    canaries: [],
  };
}

interface Target {
  name: 'direct' | 'haproxy' | 'sidecar';
  port: number;
  pid: number;
}

interface Round {
  c1: Record<string, LoadResult>;
  sat: Record<string, { r: LoadResult; cpuUsPerReq: number; rss: number }>;
  paced: Record<string, { r: LoadResult; vcpuPer1k: number }>;
  idleRss: Record<string, number>;
}

const median = (xs: number[]): number => {
  const s = [...xs].filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  return s.length ? s[Math.floor(s.length / 2)] : NaN;
};
const f0 = (x: number): string => (Number.isFinite(x) ? x.toFixed(0) : '–');
const f1 = (x: number): string => (Number.isFinite(x) ? x.toFixed(1) : '–');
const f2 = (x: number): string => (Number.isFinite(x) ? x.toFixed(2) : '–');
const f3 = (x: number): string => (Number.isFinite(x) ? x.toFixed(3) : '–');

async function main(): Promise<void> {
  ensureHaproxy();
  const dir = mkdtempSync(join(tmpdir(), 'meshdojo-bench-live-'));
  const children: ChildProcess[] = [];
  try {
    const upPort = await freePort();
    const upstream = await start(0, process.execPath, [
      '--import',
      'tsx',
      'bench/live/upstream.ts',
      String(upPort),
    ]);
    children.push(upstream);

    const hpPort = await freePort();
    const cfg = join(dir, 'haproxy.cfg');
    writeFileSync(
      cfg,
      [
        'global',
        '  nbthread 1',
        '  maxconn 4000',
        'defaults',
        '  mode http',
        '  timeout connect 5s',
        '  timeout client 60s',
        '  timeout server 60s',
        '  option http-keep-alive',
        '  http-reuse always',
        'frontend f',
        `  bind 127.0.0.1:${hpPort}`,
        '  default_backend b',
        'backend b',
        `  server s1 127.0.0.1:${upPort}`,
        '',
      ].join('\n'),
    );
    const haproxy = await start(1, 'haproxy', ['-db', '-f', cfg], 1000);
    children.push(haproxy);

    const sc: SidecarConfig = {
      runId: 'bench',
      service: 'productpage',
      instance: 'productpage-v1-0',
      version: 'v1',
      namespace: 'default',
      listen: { inbound: await freePort(), outbound: await freePort(), admin: await freePort() },
      appPort: upPort,
      policies: [fullPolicy()],
      services: [{ name: 'reviews', versions: ['v1', 'v2'] }],
      endpoints: {
        reviews: [
          {
            key: 'reviews-v1-0',
            service: 'reviews',
            version: 'v1',
            address: `127.0.0.1:${upPort}`,
            ready: true,
            plaintext: true,
          },
          {
            key: 'reviews-v2-0',
            service: 'reviews',
            version: 'v2',
            address: `127.0.0.1:${upPort}`,
            ready: true,
            plaintext: true,
          },
        ],
      },
      accessLog: join(dir, 'access.jsonl'),
      epochMs: Date.now(),
    };
    const scPath = join(dir, 'sidecar.json');
    writeFileSync(scPath, JSON.stringify(sc));
    const prof = argv.includes('--cpu-prof')
      ? ['--cpu-prof', `--cpu-prof-dir=${join(process.cwd(), 'bench-profiles')}`]
      : [];
    // The program a live run starts (the bundle when current), so the figures are a live run's.
    program = sidecarEntry();
    const sidecar = await start(1, process.execPath, [...prof, ...nodeArgs(program), scPath]);
    children.push(sidecar);

    const targets: Target[] = [
      { name: 'direct', port: upPort, pid: upstream.pid! },
      { name: 'haproxy', port: hpPort, pid: haproxy.pid! },
      { name: 'sidecar', port: sc.listen.outbound, pid: sidecar.pid! },
    ];
    // Warm-up (JIT, connections).
    for (const t of targets) load(t.port, 'closed', 8, 0, quick ? 1 : 2);

    if (soak) {
      await runSoak(targets[2]);
      return;
    }

    const rounds: Round[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      const order = [...targets.slice(r % 3), ...targets.slice(0, r % 3)]; // rotate the order each round
      const round: Round = { c1: {}, sat: {}, paced: {}, idleRss: {} };
      process.stderr.write(`bench live: round ${r + 1}/${ROUNDS} (${order.map((t) => t.name).join(', ')})\n`);
      for (const t of order) {
        round.idleRss[t.name] = rssMb(t.pid);
        round.c1[t.name] = load(t.port, 'closed', 1, 0, PHASE_S);
        const c0 = cpuSeconds(t.pid);
        const sat = load(t.port, 'closed', 32, 0, PHASE_S);
        const c1 = cpuSeconds(t.pid);
        round.sat[t.name] = { r: sat, cpuUsPerReq: ((c1 - c0) * 1e6) / sat.requests, rss: rssMb(t.pid) };
        const p0 = cpuSeconds(t.pid);
        const paced = load(t.port, 'paced', 16, 1000, PACED_S);
        const p1 = cpuSeconds(t.pid);
        round.paced[t.name] = {
          r: paced,
          vcpuPer1k: (p1 - p0) / paced.seconds / (paced.requests / paced.seconds / 1000),
        };
      }
      rounds.push(round);
    }
    report(rounds);
  } finally {
    for (const c of children.reverse()) c.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 500));
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
}

function report(rounds: Round[]): void {
  const m = (fn: (r: Round) => number): number => median(rounds.map(fn));
  const direct = {
    c1p50: m((r) => r.c1.direct.p50),
    c1p90: m((r) => r.c1.direct.p90),
    pp50: m((r) => r.paced.direct.r.p50),
    pp99: m((r) => r.paced.direct.r.p99),
  };
  const row = (n: 'haproxy' | 'sidecar') => ({
    cpu: m((r) => r.sat[n].cpuUsPerReq),
    satRps: m((r) => r.sat[n].r.requests / r.sat[n].r.seconds),
    addP50: m((r) => r.c1[n].p50 - r.c1.direct.p50),
    addP90: m((r) => r.c1[n].p90 - r.c1.direct.p90),
    addPacedP50: m((r) => r.paced[n].r.p50 - r.paced.direct.r.p50),
    addPacedP99: m((r) => r.paced[n].r.p99 - r.paced.direct.r.p99),
    vcpu: m((r) => r.paced[n].vcpuPer1k),
    idle: m((r) => r.idleRss[n]),
    loaded: Math.max(...rounds.map((r) => r.sat[n].rss)),
    errors: rounds.reduce((a, r) => a + r.c1[n].errors + r.sat[n].r.errors + r.paced[n].r.errors, 0),
  });
  const hp = row('haproxy');
  const sc = row('sidecar');
  say('### Live sidecar hop vs HAProxy (bench/live-sidecar.ts)');
  say();
  say(
    `Median of ${rounds.length} interleaved rounds (order rotated); proxy pinned alone on CPU 1, upstream and the Node load generator on CPU 0; phases ${PHASE_S} s closed loop, ${PACED_S} s paced. The sidecar (\`${program}\`) runs every data-plane feature: route match + weighted split, least-request pick, per-try timeout, retry budget, breaker and outlier accounting, metrics, JSONL access log.`,
  );
  say();
  say(
    `Direct: closed-loop p50 ${f0(direct.c1p50)} µs, p90 ${f0(direct.c1p90)} µs; at 1,000 req/s p50 ${f0(direct.pp50)} µs, p99 ${f0(direct.pp99)} µs.`,
  );
  say();
  say('| figure | HAProxy | sidecar | ratio | target | met? |');
  say('|---|---:|---:|---:|---|---|');
  const ratio = (a: number, b: number): number => a / b;
  const line = (
    name: string,
    h: number,
    s: number,
    fmt: (x: number) => string,
    target: string,
    ok: boolean | null,
  ): void =>
    say(
      `| ${name} | ${fmt(h)} | ${fmt(s)} | ${f2(ratio(s, h))}× | ${target} | ${ok === null ? '–' : ok ? 'yes' : 'no'} |`,
    );
  line(
    'proxy CPU µs / request at saturation (c32)',
    hp.cpu,
    sc.cpu,
    f1,
    '≤ 2.5× HAProxy',
    sc.cpu <= 2.5 * hp.cpu,
  );
  line('req/s at saturation (c32, load generator on one core)', hp.satRps, sc.satRps, f0, '–', null);
  line(
    'added p50 µs, closed loop c1',
    hp.addP50,
    sc.addP50,
    f0,
    '≤ 1.25× HAProxy',
    sc.addP50 <= 1.25 * hp.addP50,
  );
  line(
    'added p90 µs, closed loop c1',
    hp.addP90,
    sc.addP90,
    f0,
    '≤ 1.5× HAProxy',
    sc.addP90 <= 1.5 * hp.addP90,
  );
  line(
    'added p50 µs at 1,000 req/s',
    hp.addPacedP50,
    sc.addPacedP50,
    f0,
    '≤ 1.25× HAProxy',
    sc.addPacedP50 <= 1.25 * hp.addPacedP50,
  );
  line(
    'added p99 µs at 1,000 req/s',
    hp.addPacedP99,
    sc.addPacedP99,
    f0,
    '≤ 2× HAProxy',
    sc.addPacedP99 <= 2 * Math.max(hp.addPacedP99, 1),
  );
  line('vCPU per 1,000 req/s', hp.vcpu, sc.vcpu, f3, '≤ 0.20', sc.vcpu <= 0.2);
  line('RSS idle MB', hp.idle, sc.idle, f1, '≤ 70 MB', sc.idle <= 70);
  line('RSS loaded MB (max)', hp.loaded, sc.loaded, f1, '≤ 100 MB', sc.loaded <= 100);
  say();
  say(`Errors (non-200 or socket errors): HAProxy ${hp.errors}, sidecar ${sc.errors}.`);
  say();
  writeDocs();
}

async function runSoak(t: Target): Promise<void> {
  const seconds = quick ? 30 : 600;
  process.stderr.write(`bench live: soak ${seconds} s at 1,000 req/s through the sidecar…\n`);
  const samples: number[] = [];
  const sampler = setInterval(() => samples.push(rssMb(t.pid)), 1000);
  const child = spawn(
    'taskset',
    [
      '-c',
      '0',
      process.execPath,
      '--import',
      'tsx',
      'bench/live/load.ts',
      JSON.stringify({ port: t.port, mode: 'paced', conns: 16, rate: 1000, seconds }),
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let out = '';
  child.stdout.on('data', (b: Buffer) => (out += b.toString()));
  await new Promise((r) => child.on('exit', r));
  clearInterval(sampler);
  const r = JSON.parse(out.trim().split('\n').pop()!) as LoadResult;
  const warm = samples.slice(Math.min(60, Math.floor(samples.length / 4)));
  const firstMin = median(warm.slice(0, 60));
  const lastMin = median(warm.slice(-60));
  const peak = Math.max(...warm);
  say('### Live sidecar soak (bench/live-sidecar.ts --soak)');
  say();
  say(
    `${seconds} s at 1,000 req/s through \`${program}\`: ${r.requests} requests, ${r.errors} errors, last answer after ${f0(r.wallSeconds)} s (${f0(r.requests / r.wallSeconds)} req/s achieved), p50 ${f0(r.p50)} µs, p99 ${f0(r.p99)} µs.`,
  );
  say(
    `RSS after warm-up: first minute median ${f1(firstMin)} MB, last minute median ${f1(lastMin)} MB (${f1(((lastMin - firstMin) / firstMin) * 100)} %), peak ${f1(peak)} MB; target: flat within 10 %.`,
  );
  say();
  writeDocs();
}

function writeDocs(): void {
  if (!argv.includes('--write-docs')) return;
  const path = 'docs/benchmarks.md';
  const tag = soak ? 'bench-live-soak' : 'bench-live';
  const doc = readFileSync(path, 'utf8');
  const begin = `<!-- ${tag}:begin -->`;
  const end = `<!-- ${tag}:end -->`;
  const i = doc.indexOf(begin);
  const j = doc.indexOf(end);
  if (i < 0 || j < 0) throw new Error(`${path}: markers ${begin} … ${end} not found`);
  writeFileSync(path, `${doc.slice(0, i + begin.length)}\n${lines.join('\n')}\n${doc.slice(j)}`);
  console.error(`bench live: wrote ${path}`);
}

await main();
