/**
 * `meshdojo live calibrate`: measures what one meshdojo sidecar traversal costs on this machine
 * (added latency and CPU per request, resident memory) against a direct call to the same stub,
 * in short interleaved closed-loop rounds, and writes it as the `local` data-plane profile
 * (JSON, default `.meshdojo/profile-local.json`). `dataPlane: { profile: local }` in a MeshPolicy
 * then makes the simulator predict this machine's live runs; the CLI reads the file and registers
 * the profile (the isomorphic simulator reads no files).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { hostname, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type { MeshPolicySpec } from '../model/types.ts';
import { lognormalFromP90P99, type DataPlaneProfile } from '../sim/profiles.ts';
import { ProcessBackend } from '../live/backend/process.ts';
import { freePorts } from '../live/backend/ports.ts';
import type { SidecarConfig } from '../live/contract.ts';
import { STUB_ENTRY, httpStatus } from '../live/run/orchestrator.ts';
import { sidecarEntry } from '../live/run/entries.ts';
import type { StubConfig } from '../live/stub/config.ts';
import { UsageError } from './errors.ts';
import { writeFileAtomic } from './io.ts';

import { profileFilePath, type LocalProfileFile } from './local-profile.ts';

// Re-exported: callers that calibrate also read the profile back.
export {
  DEFAULT_PROFILE_FILE,
  loadLocalProfile,
  profileFilePath,
  withLocalProfile,
  type LocalProfileFile,
} from './local-profile.ts';

// ── measuring ───────────────────────────────────────────────────────────────────────────────

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function closedLoop(port: number, n: number): Promise<number[]> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const out: number[] = [];
  try {
    for (let i = 0; i < n; i++) {
      const t0 = performance.now();
      await new Promise<void>((ok, fail) => {
        const req = http.get(
          { host: '127.0.0.1', port, path: '/echo', agent, headers: { host: 'echo' }, timeout: 5000 },
          (res) => {
            res.resume();
            res.on('end', () =>
              res.statusCode === 200 ? ok() : fail(new Error(`status ${res.statusCode}`)),
            );
          },
        );
        req.on('timeout', () => req.destroy(new Error('timeout')));
        req.on('error', fail);
      });
      out.push(performance.now() - t0);
    }
  } finally {
    agent.destroy();
  }
  return out.sort((a, b) => a - b);
}

async function waitReady(url: string, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if ((await httpStatus('GET', url, 1000)) === 200) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new UsageError(`calibrate: ${url} did not answer 200 within ${ms / 1000} s`);
}

export async function measureLocalProfile(opts: {
  requests: number;
  rounds: number;
  note: (l: string) => void;
}): Promise<LocalProfileFile> {
  const dir = mkdtempSync(join(tmpdir(), 'meshdojo-calibrate-'));
  const backend = new ProcessBackend();
  try {
    const [app, inbound, outbound, admin] = await freePorts(4);
    const epochMs = Date.now();
    const stub: StubConfig = {
      runId: 'calibrate',
      service: 'echo',
      instance: 'echo-v1-0',
      version: 'v1',
      port: app,
      concurrency: 64,
      queue: 64,
      endpoints: [
        {
          name: 'GET /echo',
          serviceTime: { dist: 'constant', value: 0 },
          errorRate: 0,
          idempotent: true,
          responseBytes: 1024,
          calls: [],
        },
      ],
      seed: 1,
      downstream: { mode: 'direct', endpoints: {} },
      log: '/dev/null',
      epochMs,
    };
    const policy: MeshPolicySpec = {
      name: 'calibrate',
      dataPlane: { mode: 'sidecar' },
      destinations: [],
      security: { mtls: 'disable', authorization: [] },
      canaries: [],
    };
    const sc: SidecarConfig = {
      runId: 'calibrate',
      service: 'echo',
      instance: 'echo-v1-0',
      version: 'v1',
      namespace: 'default',
      listen: { inbound, outbound, admin },
      appPort: app,
      policies: [policy],
      services: [{ name: 'echo', versions: ['v1'] }],
      endpoints: {
        echo: [
          { key: 'echo-v1-0', service: 'echo', version: 'v1', address: `127.0.0.1:${inbound}`, ready: true },
        ],
      },
      accessLog: join(dir, 'sidecar.jsonl'),
      epochMs,
    };
    writeFileSync(join(dir, 'stub.json'), JSON.stringify(stub));
    writeFileSync(join(dir, 'sidecar.json'), JSON.stringify(sc));
    const unit = (name: string, entry: string, cfg: string, health: string) => ({
      name,
      role: name.endsWith('sidecar') ? ('sidecar' as const) : ('app' as const),
      service: 'echo',
      instance: 'echo-v1-0',
      entry,
      args: [join(dir, cfg)],
      env: {},
      healthUrl: health,
      group: 'echo-v1-0',
    });
    await backend.start(unit('echo.app', STUB_ENTRY, 'stub.json', `http://127.0.0.1:${app}/healthz`));
    await backend.start(
      unit('echo.sidecar', sidecarEntry(), 'sidecar.json', `http://127.0.0.1:${admin}/ready`),
    );
    await waitReady(`http://127.0.0.1:${app}/healthz`, 60_000);
    await waitReady(`http://127.0.0.1:${admin}/ready`, 60_000);
    // Warm-up (JIT, connections), then interleaved rounds.
    await closedLoop(app, 200);
    await closedLoop(inbound, 200);
    const direct: number[][] = [];
    const side: number[][] = [];
    const cpu: number[] = [];
    for (let r = 0; r < opts.rounds; r++) {
      direct.push(await closedLoop(app, opts.requests));
      const before = backend.usage().find((u) => u.name === 'echo.sidecar')?.cpuMs ?? 0;
      side.push(await closedLoop(inbound, opts.requests));
      const after = backend.usage().find((u) => u.name === 'echo.sidecar')?.cpuMs ?? 0;
      cpu.push((after - before) / opts.requests);
      opts.note(
        `calibrate: round ${r + 1}/${opts.rounds}: direct p50 ${percentile(direct[r], 50).toFixed(3)} ms, through the sidecar p50 ${percentile(side[r], 50).toFixed(3)} ms`,
      );
    }
    const stat = (rounds: number[][], p: number): number => median(rounds.map((x) => percentile(x, p)));
    const d = { p50: stat(direct, 50), p90: stat(direct, 90), p99: stat(direct, 99) };
    const s = { p50: stat(side, 50), p90: stat(side, 90), p99: stat(side, 99) };
    const r3 = (x: number): number => Math.round(x * 1000) / 1000;
    const added = {
      p50: r3(Math.max(0.001, s.p50 - d.p50)),
      p90: r3(Math.max(0.002, s.p90 - d.p90)),
      p99: r3(Math.max(0.003, s.p99 - d.p99)),
    };
    const p90 = Math.max(added.p90, added.p50 * 1.05);
    const p99 = Math.max(added.p99, p90 * 1.05);
    const rssMb = Math.round((backend.usage().find((u) => u.name === 'echo.sidecar')?.rssMb ?? 0) * 10) / 10;
    const cpuMsPerRequest = r3(Math.max(0.001, median(cpu)));
    const at = new Date().toISOString();
    const profile: DataPlaneProfile = {
      name: 'local',
      title: `meshdojo sidecar on this machine (calibrated ${at.slice(0, 16).replace('T', ' ')})`,
      mode: 'sidecar',
      proxy: { latency: lognormalFromP90P99(p90, p99), cpuMsPerRequest, memoryMb: rssMb, workerCores: 1 },
      waypoint: undefined,
      supportsL7: true,
      supportsMtls: true,
      defaults: 'istio',
      source: `meshdojo live calibrate on ${hostname()} at ${at}: ${opts.rounds} interleaved closed-loop rounds of ${opts.requests} requests at concurrency 1, one sidecar traversal vs a direct call to the same stub; medians over rounds.`,
      assumptions: [
        'The latency of one traversal is the difference of the p90 and p99 of the two paths (percentiles of a difference are not differences of percentiles), fitted as a lognormal through them.',
        'workerCores 1: the meshdojo sidecar is one Node.js event loop.',
        'Measured at concurrency 1 on a shared machine: under load the hop costs more (queueing for the CPU), which the simulator models through the proxy CPU only.',
      ],
    };
    return {
      profile,
      measured: {
        at,
        host: hostname(),
        rounds: opts.rounds,
        requestsPerRound: opts.requests,
        direct: d,
        sidecar: s,
        added,
        cpuMsPerRequest,
        rssMb,
      },
    };
  } finally {
    await backend.teardown();
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function calibrateCommand(opts: {
  out?: string;
  requests?: string;
  quiet?: boolean;
}): Promise<number> {
  const requests = opts.requests === undefined ? 600 : Number(opts.requests);
  if (!Number.isInteger(requests) || requests < 50 || requests > 100_000)
    throw new UsageError(`--requests: expected an integer 50..100000, got ${opts.requests}`);
  const out = resolve(opts.out ?? profileFilePath());
  const note = (l: string): void => {
    if (!opts.quiet) process.stderr.write(`${l}\n`);
  };
  const file = await measureLocalProfile({ requests, rounds: 3, note });
  mkdirSync(dirname(out), { recursive: true });
  writeFileAtomic(out, JSON.stringify(file, null, 2) + '\n');
  const m = file.measured;
  process.stdout.write(
    `one sidecar traversal on this machine: +${m.added.p50} ms p50, +${m.added.p90} ms p90, +${m.added.p99} ms p99; ` +
      `${m.cpuMsPerRequest} ms CPU per request; ${m.rssMb} MB resident\n` +
      `wrote ${out}\nuse it with a MeshPolicy \`dataPlane: { profile: local }\` (meshdojo run reads this file)\n`,
  );
  return 0;
}
