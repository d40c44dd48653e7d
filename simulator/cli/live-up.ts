/**
 * `meshdojo live up FILE…` starts a topology live and leaves it running (a workshop): a detached
 * supervisor process runs it, and `.meshdojo/live/state.json` (in the current folder) holds its
 * pid, its control port and every instance's address. `live status` reads that file and probes;
 * `live down` stops and removes everything. `meshdojo serve` streams the supervisor's intervals.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Command, Option } from 'commander';
import { REPO_ROOT } from '../live/backend/process.ts';
import { httpCall, httpStatus } from '../live/run/orchestrator.ts';
import { encodeScenario, type LiveState } from '../live/run/live-state.ts';
import { EXIT_BAD_INPUT, EXIT_OK, UsageError } from './errors.ts';
import type { LiveHelpers, LiveRunOptions } from './live.ts';
import { withLocalProfile } from './local-profile.ts';
import { pidAlive } from '../live/pid-alive.ts';

export const LIVE_DIR = '.meshdojo/live';
export const stateFile = (): string => resolve(LIVE_DIR, 'state.json');

export function readLiveState(): LiveState | null {
  const path = stateFile();
  if (!existsSync(path)) return null;
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as LiveState;
  } catch {
    return null;
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export function registerLiveUp(live: Command, setExit: (code: number) => void, h: LiveHelpers): void {
  live
    .command('up')
    .description('start the topology live and keep it running (state in .meshdojo/live/)')
    .argument('<files...>', 'YAML files of the scenario')
    .option('--seed <n>', 'random seed')
    .option(
      '--duration <d>',
      "how long the load runs (default: the load profile's length); the topology stays up",
    )
    .option(
      '--policy <file>',
      'add the MeshPolicy documents of FILE (repeatable)',
      (v: string, p: string[]) => [...p, v],
      [],
    )
    .option('--load <file>', 'use the LoadProfile of FILE')
    .addOption(new Option('--backend <kind>', 'where the units run').choices(['process']).default('process'))
    .action(async (files: string[], opts: LiveRunOptions) => setExit(await upCommand(files, opts, h)));
  live
    .command('status')
    .description('the topology `live up` started: state, instances, health')
    .action(async () => setExit(await statusCommand()));
  live
    .command('down')
    .description(
      'stop and remove everything `live up` started, and containers left by crashed docker-backend runs',
    )
    .action(async () => setExit(await downCommand()));
}

async function upCommand(files: string[], opts: LiveRunOptions, h: LiveHelpers): Promise<number> {
  const prev = readLiveState();
  if (prev && pidAlive(prev.pid))
    throw new UsageError(
      `a live topology (${prev.scenario}) is already up (pid ${prev.pid}): \`meshdojo live down\` first`,
    );
  const scenario = withLocalProfile(h.buildScenario(files, { ...opts, format: 'text' }), files);
  const dir = resolve(LIVE_DIR);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const scenarioPath = join(dir, 'scenario.json');
  writeFileSync(scenarioPath, encodeScenario(scenario));
  const log = openSync(join(dir, 'supervisor.log'), 'a');
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'simulator/live/run/supervisor.ts', scenarioPath, stateFile()],
    {
      cwd: REPO_ROOT,
      detached: true,
      stdio: ['ignore', log, log],
    },
  );
  child.unref();
  const deadline = Date.now() + 120_000;
  for (;;) {
    await sleep(250);
    const st = readLiveState();
    if (st?.error || child.exitCode !== null || (st && !pidAlive(st.pid))) {
      const tail = readFileSync(join(dir, 'supervisor.log'), 'utf8').trim().split('\n').slice(-12).join('\n');
      process.stderr.write(`error: live up failed: ${st?.error ?? 'the supervisor exited'}\n${tail}\n`);
      return EXIT_BAD_INPUT;
    }
    if (st && st.state.startsWith('running')) {
      process.stdout.write(
        `live: ${st.scenario} is up (${st.instances.length} instances, supervisor pid ${st.pid})\n` +
          `  entry: http://${st.entry.addresses[0]}${st.entry.endpoint.replace(/^[A-Z]+\s+/, '')}  (Host: ${st.entry.service})\n` +
          `  load: ${Math.round(st.durationMs / 1000)} s, then the topology stays up\n` +
          `  meshdojo live status · meshdojo live down · meshdojo serve streams it at /api/live/stream\n`,
      );
      return EXIT_OK;
    }
    if (Date.now() > deadline) {
      process.stderr.write('error: live up: not running after 120 s; stopping it\n');
      await downCommand();
      return EXIT_BAD_INPUT;
    }
  }
}

async function statusCommand(): Promise<number> {
  const st = readLiveState();
  if (!st) {
    process.stdout.write('no live topology (start one with `meshdojo live up FILE…`)\n');
    return EXIT_OK;
  }
  if (!pidAlive(st.pid)) {
    process.stdout.write(
      `live topology ${st.scenario}: its supervisor (pid ${st.pid}) is gone; \`meshdojo live down\` cleans up\n`,
    );
    return EXIT_BAD_INPUT;
  }
  const r = await httpCall('GET', `http://127.0.0.1:${st.controlPort}/status`, 2000);
  const now = r.status === 200 ? (JSON.parse(r.body) as LiveState & { intervals: number }) : null;
  process.stdout.write(
    `live topology ${st.scenario}: ${now?.state ?? 'not answering'} (supervisor pid ${st.pid}, up since ${st.startedAt}, ${now?.intervals ?? 0} intervals)\n`,
  );
  for (const i of now?.instances ?? st.instances) {
    const health = await httpStatus('GET', `http://127.0.0.1:${i.appPort}/healthz`, 1000);
    process.stdout.write(
      `  ${i.name.padEnd(24)} ${i.address.padEnd(17)} ${health === 200 ? 'healthy' : 'not answering'}\n`,
    );
  }
  return EXIT_OK;
}

/**
 * Containers left by docker-backend runs whose meshdojo process is gone (a crash, a kill -9):
 * removed by their labels. Runs still owned by a live process are not touched. Without a Docker
 * engine there is nothing to sweep.
 */
async function sweepDockerLeftovers(): Promise<void> {
  const { connectDocker } = await import('../live/docker/engine.ts');
  const { DockerContainers } = await import('../live/docker/containers.ts');
  let docker;
  try {
    docker = await connectDocker();
  } catch {
    return;
  }
  const n = await new DockerContainers(docker).sweepLeftovers();
  if (n > 0) process.stdout.write(`removed ${n} container(s) left by crashed docker-backend runs\n`);
}

async function downCommand(): Promise<number> {
  await sweepDockerLeftovers();
  const st = readLiveState();
  if (!st) {
    process.stdout.write('no live topology to stop\n');
    return EXIT_OK;
  }
  if (pidAlive(st.pid)) {
    await httpStatus('POST', `http://127.0.0.1:${st.controlPort}/down`, 2000);
    for (let i = 0; i < 150 && pidAlive(st.pid); i++) await sleep(200);
    if (pidAlive(st.pid)) process.kill(st.pid, 'SIGKILL');
  }
  rmSync(resolve(LIVE_DIR), { recursive: true, force: true });
  process.stdout.write(`live topology ${st.scenario}: stopped and removed\n`);
  return EXIT_OK;
}
