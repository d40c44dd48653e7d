/**
 * `meshdojo live run|up|status|down|calibrate`: the scenario on real processes and sockets.
 * `live run` prints the same report as `meshdojo run` (a RunResult with `mode: 'live'`), a
 * k6-like summary on stderr, and with `--compare-sim` the simulator's run of the same scenario
 * and seed beside it, with the difference per metric.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Command, Option } from 'commander';
import type { ScenarioSpec } from '../model/types.ts';
import { startScenario } from '../sim/run.ts';
import { renderHtml, renderText } from '../telemetry/index.ts';
import type { RunResult } from '../telemetry/types.ts';
import { fmtLatency } from '../telemetry/format.ts';
import { ProcessBackend } from '../live/backend/process.ts';
import type { Backend } from '../live/contract.ts';
import { LiveRun, LiveRunError } from '../live/run/orchestrator.ts';
import { drive } from './drive.ts';
import { EXIT_BAD_INPUT, UsageError } from './errors.ts';
import { htmlAssets } from './io.ts';
import { createProgress } from './progress.ts';
import { compareJson, compareText } from './report.ts';
import { registerLiveUp } from './live-up.ts';
import { calibrateCommand, withLocalProfile } from './calibrate.ts';

export interface LiveHelpers {
  /** The scenario of FILE… with the common flags (as `meshdojo run` builds it). */
  buildScenario(files: string[], opts: LiveRunOptions): ScenarioSpec;
  emit(report: string, out: string | undefined): void;
  useColor(out: string | undefined): boolean;
  /** Exit code from the results' verdicts (and the notes on stderr). */
  verdict(results: RunResult[], quiet: boolean | undefined, names?: string[]): number;
  checkOutputs(files: readonly string[], outs: readonly { flag: string; file: string | undefined }[]): void;
}

export interface LiveRunOptions {
  seed?: string;
  duration?: string;
  policy: string[];
  load?: string;
  sampling?: string;
  format: 'text' | 'json' | 'html';
  out?: string;
  quiet?: boolean;
  wide?: boolean;
  backend: 'process' | 'docker';
  compareSim?: boolean;
  keep?: boolean;
}

const EXIT_INTERRUPTED = 130;

/**
 * The backend named by `--backend`. Docker units mount the run folder writable (configs in, access
 * logs out); a missing engine is bad input that says how to start one, never a silent fallback.
 */
export async function makeBackend(kind: string, runId: string, runDir: string): Promise<Backend> {
  if (kind === 'process') return new ProcessBackend();
  if (kind === 'docker') {
    // Loaded only when asked for: the process backend does not pay for dockerode at start-up.
    const { DockerBackend } = await import('../live/backend/docker.ts');
    const { DockerUnavailable } = await import('../live/docker/engine.ts');
    try {
      return await DockerBackend.create({ runId, writable: [runDir] });
    } catch (err) {
      if (err instanceof DockerUnavailable) throw new UsageError(`--backend docker: ${err.message}`);
      throw err;
    }
  }
  throw new UsageError(`--backend: expected process or docker, got ${kind}`);
}

export function registerLive(program: Command, setExit: (code: number) => void, helpers: LiveHelpers): void {
  const live = program
    .command('live')
    .description(
      'run a scenario on real processes: stub services, sidecar proxies, real sockets on 127.0.0.1',
    );

  live
    .command('run')
    .description('run the scenario live and print the same report as `meshdojo run`')
    .argument('<files...>', 'YAML files: Topology, LoadProfile, ChaosExperiment, MeshPolicy, or a Scenario')
    .option('--seed <n>', "random seed (default: the scenario's, else 1)")
    .option(
      '--duration <d>',
      "wall-clock duration of the load, e.g. 30s (default: the load profile's length)",
    )
    .option(
      '--policy <file>',
      'add the MeshPolicy documents of FILE (repeatable)',
      (v: string, p: string[]) => [...p, v],
      [],
    )
    .option('--load <file>', 'use the LoadProfile of FILE instead of the one beside the topology')
    .option('--sampling <share>', 'share 0..1 of access-log lines kept in the report')
    .addOption(
      new Option('--backend <kind>', 'where the units run').choices(['process', 'docker']).default('process'),
    )
    .addOption(
      new Option('--format <format>', 'report format').choices(['text', 'json', 'html']).default('text'),
    )
    .option('--out <file>', 'write the report to FILE (atomically) instead of stdout')
    .option(
      '--compare-sim',
      'also simulate the same scenario and seed; print both with the difference per metric',
    )
    .option('--keep', 'keep the run folder (configurations and logs of every unit) and print its path')
    .option('--quiet', 'no progress notes on stderr')
    .option('--wide', 'every column and row of the tables')
    .action(async (files: string[], opts: LiveRunOptions) =>
      setExit(await liveRunCommand(files, opts, helpers)),
    );

  registerLiveUp(live, setExit, helpers);

  live
    .command('calibrate')
    .description("measure this machine's sidecar hop (latency, CPU) and write the `local` data-plane profile")
    .option('--out <file>', 'profile file (default .meshdojo/profile-local.json)')
    .option('--requests <n>', 'requests per round (default 600)')
    .option('--quiet', 'no progress notes on stderr')
    .action(async (opts: { out?: string; requests?: string; quiet?: boolean }) =>
      setExit(await calibrateCommand(opts)),
    );
}

async function liveRunCommand(files: string[], opts: LiveRunOptions, h: LiveHelpers): Promise<number> {
  const scenario = withLocalProfile(h.buildScenario(files, opts), files);
  h.checkOutputs(
    [...files, ...opts.policy, ...(opts.load ? [opts.load] : [])],
    [{ flag: '--out', file: opts.out }],
  );
  const note = (line: string): void => {
    if (!opts.quiet) process.stderr.write(`${line}\n`);
  };
  const workDir = mkdtempSync(join(tmpdir(), 'meshdojo-live-'));
  let backend: Backend;
  try {
    backend = await makeBackend(opts.backend, `live-${process.pid}`, workDir);
  } catch (err) {
    rmSync(workDir, { recursive: true, force: true });
    throw err;
  }
  const run = new LiveRun({ scenario, backend, workDir, note });
  let interrupted = false;
  const onSigint = (): void => {
    interrupted = true;
    note('\ninterrupted: draining and removing every unit…');
    run.stop();
  };
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigint);
  let result: RunResult;
  try {
    note(
      `live: ${scenario.name}, ${Math.round((scenario.duration ?? 0) / 1000)} s of load, seed ${scenario.seed}`,
    );
    result = await run.run();
  } catch (err) {
    if (interrupted) {
      process.stderr.write('interrupted — every unit stopped, nothing written\n');
      return EXIT_INTERRUPTED;
    }
    if (err instanceof LiveRunError) {
      process.stderr.write(
        err.message
          .split('\n')
          .map((l, i) => (i === 0 ? `error: ${l}\n` : `${l}\n`))
          .join(''),
      );
      return EXIT_BAD_INPUT;
    }
    throw err;
  } finally {
    process.off('SIGINT', onSigint);
    process.off('SIGTERM', onSigint);
    if (opts.keep) note(`live: run folder kept: ${workDir}`);
    else rmSync(workDir, { recursive: true, force: true });
  }
  if (interrupted) {
    process.stderr.write('interrupted — every unit stopped, nothing written\n');
    return EXIT_INTERRUPTED;
  }
  if (!opts.quiet) process.stderr.write(k6Summary(result));

  let sim: RunResult | null = null;
  if (opts.compareSim) {
    note('simulating the same scenario and seed…');
    sim = await drive(startScenario(scenario, { wallClock: () => performance.now() }), {
      progress: createProgress({ quiet: true }),
      limitMs: 10 * 60_000,
      yes: true,
    });
  }
  let report: string;
  if (opts.format === 'json') {
    report =
      JSON.stringify(
        sim
          ? { live: result, simulated: sim, compare: compareJson(['live', 'simulated'], [result, sim]) }
          : result,
        null,
        2,
      ) + '\n';
  } else if (opts.format === 'html') {
    report = sim
      ? renderHtml([result, sim], { ...htmlAssets(), labels: ['live', 'simulated'] })
      : renderHtml(result, htmlAssets());
  } else {
    report = renderText(result, { color: h.useColor(opts.out), wide: opts.wide });
    if (sim)
      report +=
        '\n── live vs simulated (same scenario and seed; deltas: simulated − live) ──\n\n' +
        compareText(['live', 'simulated'], [result, sim], { wide: opts.wide });
  }
  h.emit(report, opts.out);
  return h.verdict([result], opts.quiet);
}

/** k6's end-of-test summary, for the entry as the load runner measured it. */
export function k6Summary(r: RunResult): string {
  const s = r.summary;
  const secs = r.durationMs / 1000;
  const failed = s.requests - s.successes;
  const l = s.latencyMs;
  const dots = (name: string): string => `     ${name}${'.'.repeat(Math.max(2, 28 - name.length))}: `;
  const mark = (metric: string): string => {
    const t = r.thresholds.filter((x) => x.metric === metric);
    if (t.length === 0) return '  ';
    return t.every((x) => x.ok) ? '✓ ' : '✗ ';
  };
  return (
    `\n${mark('http_req_duration')}${dots('http_req_duration').trimStart()}avg=${fmtLatency(l.mean)} med=${fmtLatency(l.p50)} p(90)=${fmtLatency(l.p90)} p(99)=${fmtLatency(l.p99)} max=${fmtLatency(l.max)}\n` +
    `${mark('http_req_failed')}${dots('http_req_failed').trimStart()}${((failed / Math.max(1, s.requests)) * 100).toFixed(2)}%  ${failed} out of ${s.requests}\n` +
    `${mark('http_reqs')}${dots('http_reqs').trimStart()}${s.requests}  ${(s.requests / secs).toFixed(1)}/s\n` +
    `  ${dots('client retries').trimStart()}${s.clientRetries}\n\n`
  );
}
