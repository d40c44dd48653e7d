/**
 * The `meshdojo` command: run, validate, compare, sweep.
 *
 * Exit codes: 0 ok · 1 a threshold or the steady-state hypothesis was violated · 2 bad input
 * (printed as `error: …`, never a stack) · 3 internal error (the stack is printed: it is our bug).
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { Command, CommanderError, Option } from 'commander';
import { loadFiles } from './files.ts';
import { parseDocuments, type Bundle, type LoadedDoc } from '../model/load.ts';
import { SpecError } from '../model/errors.ts';
import { parseDuration } from '../model/duration.ts';
import type { LoadProfileSpec, MeshPolicySpec, ScenarioSpec } from '../model/types.ts';
import { startScenario } from '../sim/run.ts';
import { drive, Interrupted } from './drive.ts';
import { inertAxes } from './sweep-checks.ts';
import { renderHtml, renderText, toJaegerJson, toOtlpJson, toPrometheusText } from '../telemetry/index.ts';
import type { CheckUnit, RunResult } from '../telemetry/types.ts';
import { NO_CHECKS_HINT, resultVerdict } from '../telemetry/verdict.ts';
import { fmtCheckValue, fmtDuration } from '../telemetry/format.ts';
import { EXIT_BAD_INPUT, EXIT_FAILED, EXIT_INTERNAL, EXIT_OK, UsageError } from './errors.ts';
import { checkOutputs, checkReadable, describeErrno, htmlAssets, writeFileAtomic } from './io.ts';
import { runMany } from './pool.ts';
import { createProgress } from './progress.ts';
import { compareJson, compareText, sweepHtml, sweepJson, sweepText } from './report.ts';
import { parseSeed, parseShare, scenarioFromBundle, type ScenarioOverrides } from './scenario.ts';
import { scenarioWarnings } from './preflight.ts';
import { applyVariant, expandGrid, parseVary, type Variant, type VaryAxis } from './sweep.ts';
import { withLocalProfile } from './local-profile.ts';

const VERSION = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

type Format = 'text' | 'json' | 'html';

interface CommonOptions {
  seed?: string;
  duration?: string;
  policy: string[];
  format: Format;
  out?: string;
  sampling?: string;
  quiet?: boolean;
  load?: string;
  wide?: boolean;
}

interface RunOptions extends CommonOptions {
  traces?: 'otlp' | 'jaeger';
  tracesOut?: string;
  accessLog?: string;
  prometheus?: string;
  wall?: boolean;
  yes?: boolean;
}

interface MultiOptions extends CommonOptions {
  variant: string[];
  vary: string[];
  workers?: string;
}

const collect = (value: string, previous: string[]) => [...previous, value];

/** Runs the CLI with `argv` (as process.argv: node, script, args…) and resolves to the exit code. */
export async function main(argv: readonly string[] = process.argv): Promise<number> {
  quietOnClosedPipe();
  let exitCode = EXIT_OK;
  try {
    const program = await buildProgramFor(argv, (code) => {
      exitCode = code;
    });
    await program.parseAsync([...argv]);
    return exitCode;
  } catch (err) {
    return reportError(err);
  }
}

/**
 * `meshdojo lab list | head`: the reader closing the pipe early is not an error (as for `ls | head`);
 * stop quietly instead of an unhandled EPIPE stack.
 */
function quietOnClosedPipe(): void {
  for (const stream of [process.stdout, process.stderr])
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE') process.exit(process.exitCode ?? EXIT_OK);
      throw err;
    });
}

/** The commands that need none of the live machinery; any other first word loads the rest (more-commands.ts). */
const SIMULATION_COMMANDS = new Set(['run', 'validate', 'compare', 'sweep']);

/** The first word of the command line that is not an option (the command), if any. */
function commandWord(argv: readonly string[]): string | undefined {
  return argv.slice(2).find((a) => !a.startsWith('-'));
}

/**
 * The program with every command, or (for `run`, `validate`, `compare`, `sweep`) with just those:
 * the others are registered by more-commands.ts, loaded only when needed.
 */
async function buildProgramFor(argv: readonly string[], setExit: (code: number) => void): Promise<Command> {
  const word = commandWord(argv);
  if (word !== undefined && SIMULATION_COMMANDS.has(word)) return buildProgram(setExit);
  const { registerMoreCommands } = await import('./more-commands.ts');
  return buildProgram(setExit, (program) =>
    registerMoreCommands(program, setExit, {
      buildScenario: (files, opts) => buildScenario(files, opts),
      emit,
      useColor,
      verdict,
      checkOutputs,
    }),
  );
}

export function buildProgram(setExit: (code: number) => void, more?: (program: Command) => void): Command {
  const program = new Command('meshdojo');
  program
    .description('Deterministic service-mesh simulator and chaos sandbox.')
    .version(VERSION, '-V, --version')
    .exitOverride()
    .showSuggestionAfterError()
    .configureHelp({ sortSubcommands: false, showGlobalOptions: false });

  const common = (cmd: Command) =>
    cmd
      .option('--seed <n>', "random seed (default: the scenario's, else 1)")
      .option('--duration <d>', "simulated duration, e.g. 30s, 10m (default: the load profile's length)")
      .option('--policy <file>', 'add the MeshPolicy documents of FILE (repeatable)', collect, [])
      .option('--load <file>', 'use the LoadProfile of FILE instead of the one beside the topology')
      .option('--sampling <share>', 'share 0..1 of entry requests traced and access-logged (default 0.001)')
      .option('--out <file>', 'write the report to FILE (atomically) instead of stdout')
      .option('--quiet', 'no progress line on stderr')
      .option('--wide', 'every column and row of the tables (default: what fits 100 columns)');

  common(
    program
      .command('run')
      .description('simulate a scenario and print its report')
      .argument(
        '<files...>',
        'YAML files: Topology, LoadProfile, ChaosExperiment, MeshPolicy, or a Scenario',
      ),
  )
    .addOption(
      new Option('--format <format>', 'report format').choices(['text', 'json', 'html']).default('text'),
    )
    .addOption(new Option('--traces <format>', 'export sampled traces').choices(['otlp', 'jaeger']))
    .option('--traces-out <file>', 'file for --traces (default format otlp)')
    .option('--access-log <file>', 'write the sampled Envoy-style access log to FILE')
    .option('--prometheus <file>', 'write the final metrics in Prometheus text format to FILE')
    .option('--wall', 'keep the wall-clock facts (`wall`) in the JSON report')
    .option('--yes', 'run even when the estimate says it will take longer than the limit (10 minutes)')
    .action(async (files: string[], opts: RunOptions) => setExit(await runCommand(files, opts)));

  program
    .command('validate')
    .description('check documents and print their kinds, or the errors with file:line')
    .argument('<files...>', 'YAML files')
    .action((files: string[]) => setExit(validateCommand(files)));

  common(
    program
      .command('compare')
      .description('run one scenario under several variants (same seed) and print the differences')
      .argument('<files...>', 'YAML files of the scenario'),
  )
    .option(
      '--variant <name=files>',
      'a variant: NAME=POLICYFILE[,POLICYFILE…] replaces the policies of FILE… (NAME= for none; repeatable)',
      collect,
      [],
    )
    .option('--vary <key=values>', 'variants from a grid, as in sweep (repeatable)', collect, [])
    .option('--workers <n>', 'worker threads (default: all cores)')
    .addOption(
      new Option('--format <format>', 'report format').choices(['text', 'json', 'html']).default('text'),
    )
    .action(async (files: string[], opts: MultiOptions) => setExit(await compareCommand(files, opts)));

  common(
    program
      .command('sweep')
      .description('run the grid of --vary values (cartesian product, same seed) and tabulate the results')
      .argument('<files...>', 'YAML files of the scenario'),
  )
    .option(
      '--vary <key=values>',
      "KEY=V1,V2… or KEY=A..B, e.g. 'ratings.timeout=250ms,1s' (repeatable; at least one)",
      collect,
      [],
    )
    .option('--workers <n>', 'worker threads (default: all cores)')
    .addOption(
      new Option('--format <format>', 'report format').choices(['text', 'json', 'html']).default('text'),
    )
    .action(async (files: string[], opts: MultiOptions) =>
      setExit(await sweepCommand(files, { ...opts, variant: [] })),
    );

  if (more) more(program);

  program.addHelpText(
    'after',
    `
Exit codes: 0 ok, 1 a threshold or steady-state probe did not hold (or had no data), 2 bad input,
3 internal error, 130 interrupted.
Examples:
  meshdojo run topologies/bookinfo.yaml
  meshdojo run topologies/bookinfo.yaml chaos/bookinfo-ratings-slow.yaml --format html --out report.html
  meshdojo live run topologies/bookinfo.yaml --duration 30s
  meshdojo sweep topologies/bookinfo.yaml chaos/bookinfo-ratings-slow.yaml \\
    --policy topologies/policies/bookinfo-ratings-retries.yaml --vary 'ratings.retries.attempts=0..3'`,
  );
  return program;
}

// ───────────────────────────── commands ─────────────────────────────

/** A run estimated to take longer than this (wall time) is refused unless `--yes`. */
const RUN_LIMIT_MS = Number(process.env.MESHDOJO_RUN_LIMIT_MS) || 10 * 60_000;

async function runCommand(files: string[], opts: RunOptions): Promise<number> {
  const scenario = buildScenario(files, opts);
  if (opts.traces && !opts.tracesOut) throw new UsageError('--traces needs --traces-out FILE');
  const traces = opts.tracesOut ? (opts.traces ?? 'otlp') : undefined;
  // Every output is checked before an hour of simulation, not after.
  checkOutputs(inputsOf(files, opts), [
    { flag: '--out', file: opts.out },
    { flag: '--traces-out', file: opts.tracesOut },
    { flag: '--access-log', file: opts.accessLog },
    { flag: '--prometheus', file: opts.prometheus },
  ]);
  warn(scenarioWarnings(scenario, files));

  let result: RunResult;
  try {
    result = await drive(startScenario(scenario, { wallClock: () => performance.now() }), {
      progress: createProgress({ quiet: opts.quiet }),
      limitMs: RUN_LIMIT_MS,
      yes: opts.yes === true,
      note: (line) => {
        if (!opts.quiet) process.stderr.write(`${line}\n`);
      },
    });
  } catch (err) {
    if (err instanceof Interrupted) {
      process.stderr.write(
        `interrupted at ${fmtDuration(err.simulatedMs)} of ${fmtDuration(err.durationMs)} simulated — nothing written\n`,
      );
      return EXIT_INTERRUPTED;
    }
    throw err;
  }

  let report: string;
  if (opts.format === 'json') {
    const { wall, ...rest } = result;
    report = JSON.stringify(opts.wall ? { ...rest, wall } : rest, null, 2) + '\n';
  } else if (opts.format === 'html') {
    report = renderHtml(result, htmlAssets());
  } else {
    report = renderText(result, { color: useColor(opts.out), wide: opts.wide });
  }
  emit(report, opts.out);

  if (traces && opts.tracesOut) {
    const doc = traces === 'otlp' ? toOtlpJson(result) : toJaegerJson(result);
    writeFileAtomic(opts.tracesOut, typeof doc === 'string' ? doc : JSON.stringify(doc, null, 2) + '\n');
  }
  if (opts.accessLog) {
    writeFileAtomic(opts.accessLog, result.accessLog.map((l) => l + '\n').join(''));
  }
  if (opts.prometheus) writeFileAtomic(opts.prometheus, toPrometheusText(result));

  return verdict([result], opts.quiet);
}

/** Exit code after Ctrl-C (128 + SIGINT), as shells report it. */
const EXIT_INTERRUPTED = 130;

/** Colour on a terminal, unless NO_COLOR is set (https://no-color.org) or the report goes to a file. */
function useColor(out: string | undefined): boolean {
  if (out) return false;
  if (process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== '') return false;
  if (process.env.FORCE_COLOR !== undefined && process.env.FORCE_COLOR !== '0') return true;
  return process.stdout.isTTY === true;
}

/** Every file a command reads: outputs may never be one of them. */
function inputsOf(files: string[], opts: CommonOptions & { variant?: string[] }): string[] {
  const variantFiles = (opts.variant ?? []).flatMap((v) =>
    v
      .slice(v.indexOf('=') + 1)
      .split(',')
      .map((f) => f.trim())
      .filter(Boolean),
  );
  return [...files, ...opts.policy, ...(opts.load ? [opts.load] : []), ...variantFiles];
}

/**
 * Each file is parsed and validated on its own (and, when it holds a Topology or a Scenario, loaded
 * as a bundle, which checks its references); then, when the files hold exactly one Topology, they are
 * loaded together, which checks the chaos targets and policy destinations of the other files against it.
 */
function validateCommand(files: string[]): number {
  let bad = false;
  let topologies = 0;
  let scenarios = 0;
  const report = (err: unknown) => {
    if (!isBadInput(err)) throw err;
    process.stderr.write(formatBadInput(err));
    bad = true;
  };
  for (const file of files) {
    try {
      const docs = readDocs(file);
      const kinds = new Set(docs.map((d) => d.kind));
      if (kinds.has('Topology') || kinds.has('Scenario')) loadFiles([file]);
      topologies += docs.filter((d) => d.kind === 'Topology').length;
      scenarios += docs.filter((d) => d.kind === 'Scenario').length;
      const list = docs.map((d) => `${d.kind} ${d.value.name}`).join(', ');
      process.stdout.write(`ok  ${file}: ${list || '(no documents)'}\n`);
    } catch (err) {
      report(err);
    }
  }
  if (!bad && files.length > 1 && topologies === 1 && scenarios === 0) {
    try {
      loadFiles(files);
    } catch (err) {
      report(err);
    }
  }
  return bad ? EXIT_BAD_INPUT : EXIT_OK;
}

async function compareCommand(files: string[], opts: MultiOptions): Promise<number> {
  if (opts.variant.length > 0 && opts.vary.length > 0) {
    throw new UsageError('compare: give either --variant or --vary, not both');
  }
  if (opts.variant.length === 0 && opts.vary.length === 0) {
    throw new UsageError('compare: give at least one --variant NAME=POLICYFILE (or --vary KEY=VALUES)');
  }
  checkOutputs(inputsOf(files, opts), [{ flag: '--out', file: opts.out }]);
  const workers = parseWorkers(opts.workers);
  let names: string[];
  let scenarios: ScenarioSpec[];
  if (opts.vary.length > 0) {
    const base = buildScenario(files, opts);
    const variants = expandGrid(opts.vary.map(parseVary));
    names = variants.map((v) => v.label);
    scenarios = variants.map((v) => named(applyVariant(base, v), base.name, v.label));
  } else {
    checkReadable(files);
    const bundle = loadFiles(files);
    const overrides = overridesFrom(files, opts);
    const seen = new Set<string>();
    names = [];
    scenarios = [];
    for (const spec of opts.variant) {
      const { name, policies } = parseVariant(files, spec);
      if (seen.has(name)) throw new UsageError(`--variant ${name} is given twice`);
      seen.add(name);
      const s = scenarioFromBundle(withPolicies(bundle, policies), overrides);
      names.push(name);
      scenarios.push(named(s, s.name, name));
    }
  }

  warn(scenarioWarnings(scenarios[0], files));
  const results = await runWithProgress(scenarios, workers, opts.quiet);
  let report: string;
  if (opts.format === 'json') report = JSON.stringify(compareJson(names, results), null, 2) + '\n';
  else if (opts.format === 'html') report = renderHtml(results, { ...htmlAssets(), labels: names });
  else report = compareText(names, results, { wide: opts.wide });
  emit(report, opts.out);
  return verdict(results, opts.quiet, names);
}

async function sweepCommand(files: string[], opts: MultiOptions): Promise<number> {
  if (opts.vary.length === 0)
    throw new UsageError(
      "sweep: give at least one --vary KEY=VALUES axis, e.g. --vary 'ratings.timeout=250ms,1s' (a sweep without one runs nothing to compare)",
    );
  const axes: VaryAxis[] = opts.vary.map(parseVary);
  const variants: Variant[] = expandGrid(axes);
  const workers = parseWorkers(opts.workers);
  checkOutputs(inputsOf(files, opts), [{ flag: '--out', file: opts.out }]);
  const base = buildScenario(files, opts);
  // Apply every variant before starting any run, so that a bad key fails at once.
  const scenarios = variants.map((v) => named(applyVariant(base, v), base.name, v.label));
  warn(scenarioWarnings(base, files));
  const results = await runWithProgress(scenarios, workers, opts.quiet);
  warn(inertAxes(axes, variants, results));
  let report: string;
  if (opts.format === 'json') report = JSON.stringify(sweepJson(axes, variants, results), null, 2) + '\n';
  else if (opts.format === 'html') report = sweepHtml(axes, variants, results, htmlAssets());
  else report = sweepText(axes, variants, results, { wide: opts.wide });
  emit(report, opts.out);
  // A sweep explores: a failing variant is information, not a failure of the command.
  return EXIT_OK;
}

// ───────────────────────────── helpers ─────────────────────────────

function buildScenario(files: string[], opts: CommonOptions): ScenarioSpec {
  checkReadable(files);
  const bundle = loadFiles(files);
  // `dataPlane: { profile: local }` reads this machine's calibration file (meshdojo live calibrate).
  return withLocalProfile(scenarioFromBundle(bundle, overridesFrom(files, opts)), files);
}

function overridesFrom(files: string[], opts: CommonOptions): ScenarioOverrides {
  const overrides: ScenarioOverrides = {};
  if (opts.seed !== undefined) overrides.seed = parseSeed(opts.seed);
  if (opts.duration !== undefined) {
    overrides.duration = parseDurationFlag('--duration', opts.duration);
    overrides.stretchLoad = true; // `--duration 10m` means ten minutes of traffic
  }
  if (opts.sampling !== undefined) overrides.sampling = parseShare('--sampling', opts.sampling);
  if (opts.policy.length > 0) overrides.policies = loadPolicies(files, opts.policy, '--policy');
  if (opts.load !== undefined) overrides.load = loadProfileOf(opts.load);
  return overrides;
}

function parseDurationFlag(flag: string, text: string): number {
  let ms: number;
  try {
    ms = parseDuration(text);
  } catch {
    throw new UsageError(`${flag}: expected a duration with a unit (e.g. 30s, 10m, 1h), got ${text}`);
  }
  if (!(ms > 0)) throw new UsageError(`${flag}: expected a positive duration, got ${text}`);
  return ms;
}

function parseWorkers(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < 1)
    throw new UsageError(`--workers: expected a positive integer, got ${text}`);
  return n;
}

/** Parses and validates one file's documents (node side of the model's isomorphic parser). */
function readDocs(file: string): LoadedDoc[] {
  checkReadable([file]);
  return parseDocuments(readFileSync(file, 'utf8'), file);
}

/**
 * The MeshPolicy documents of `policyFiles`. They are also loaded together with the scenario's
 * `files`, so that their destinations and subsets are checked against the topology.
 */
function loadPolicies(files: string[], policyFiles: string[], flag: string): MeshPolicySpec[] {
  const policies: MeshPolicySpec[] = [];
  for (const file of policyFiles) {
    const docs = readDocs(file).filter((d) => d.kind === 'MeshPolicy');
    if (docs.length === 0) throw new UsageError(`${flag} ${file}: no MeshPolicy document in it`);
    for (const d of docs) policies.push(d.value as MeshPolicySpec);
  }
  loadFiles([...files, ...policyFiles]);
  return policies;
}

/** The one LoadProfile document of `file` (`--load`). */
function loadProfileOf(file: string): LoadProfileSpec {
  const docs = readDocs(file).filter((d) => d.kind === 'LoadProfile');
  if (docs.length !== 1)
    throw new UsageError(`--load ${file}: expected exactly one LoadProfile document, found ${docs.length}`);
  return docs[0].value as LoadProfileSpec;
}

function parseVariant(files: string[], spec: string): { name: string; policies: MeshPolicySpec[] } {
  const eq = spec.indexOf('=');
  if (eq <= 0) {
    throw new UsageError(
      `--variant ${spec}: expected NAME=POLICYFILE[,POLICYFILE…] (or NAME= for no policy)`,
    );
  }
  const name = spec.slice(0, eq).trim();
  const policyFiles = spec
    .slice(eq + 1)
    .split(',')
    .map((f) => f.trim())
    .filter((f) => f !== '');
  return { name, policies: policyFiles.length ? loadPolicies(files, policyFiles, `--variant ${name}`) : [] };
}

/** The bundle with its policies (and its Scenario's) replaced by `policies`. */
function withPolicies(bundle: Bundle, policies: MeshPolicySpec[]): Bundle {
  return {
    ...bundle,
    policies,
    scenario: bundle.scenario ? { ...bundle.scenario, policies } : undefined,
  };
}

function named(s: ScenarioSpec, base: string, variant: string): ScenarioSpec {
  return { ...s, name: variant ? `${base} [${variant}]` : base };
}

async function runWithProgress(
  scenarios: ScenarioSpec[],
  workers: number | undefined,
  quiet: boolean | undefined,
): Promise<RunResult[]> {
  const progress = createProgress({ quiet });
  let done = 0;
  progress.note(0, scenarios.length, 'variants');
  // Redrawn by wall time (and a heartbeat off a terminal) even while a long variant runs.
  const tick = setInterval(() => progress.note(done, scenarios.length, 'variants'), 1000);
  tick.unref();
  const onSigint = () => {
    process.stderr.write(`\ninterrupted after ${done} of ${scenarios.length} variants — nothing written\n`);
    process.exit(EXIT_INTERRUPTED);
  };
  process.on('SIGINT', onSigint);
  try {
    return await runMany(scenarios, {
      workers,
      onResult: (_i, _r, n, total) => {
        done = n;
        progress.note(n, total, 'variants');
      },
    });
  } finally {
    clearInterval(tick);
    process.off('SIGINT', onSigint);
    progress.end();
  }
}

function warn(lines: readonly string[]): void {
  for (const line of lines) process.stderr.write(`warning: ${line}\n`);
}

function emit(report: string, out: string | undefined): void {
  if (out) writeFileAtomic(out, report);
  else process.stdout.write(report);
}

/**
 * Exit 1 when a threshold or a steady-state probe did not hold (violated, or no data) in any of the
 * results. A run with nothing to check exits 0 but says so: it is not a pass.
 */
function verdict(results: RunResult[], quiet: boolean | undefined, names?: string[]): number {
  let failed = false;
  let unchecked = 0;
  results.forEach((r, i) => {
    const v = resultVerdict(r);
    if (v === 'no-checks') unchecked++;
    if (v !== 'failed') return;
    failed = true;
    if (quiet) return;
    const what = [
      ...r.thresholds
        .filter((t) => !t.ok)
        .map((t) => `threshold ${t.metric} ${t.source} (${observedText(t)})`),
      ...r.probes.filter((p) => !p.ok).map((p) => `probe ${p.name}: ${p.expected} (${observedText(p)})`),
    ];
    const who = names ? `${names[i]}: ` : '';
    process.stderr.write(`failed: ${who}${what.length ? what.join('; ') : 'run did not pass'}\n`);
  });
  if (unchecked > 0 && !quiet) {
    const who = results.length > 1 ? `${unchecked} of ${results.length} variants: ` : '';
    process.stderr.write(`note: ${who}${NO_CHECKS_HINT}\n`);
  }
  return failed ? EXIT_FAILED : EXIT_OK;
}

function observedText(c: { observed: number | null; status?: string; unit?: CheckUnit }): string {
  if (c.status === 'no-data' || c.observed === null) return 'no data: its window held no request';
  return `observed ${fmtCheckValue(c.observed, c.unit ?? 'count')}`;
}

// ───────────────────────────── errors ─────────────────────────────

interface Formattable {
  format(): string;
}

function isSpecError(err: unknown): err is Error & Formattable {
  return (
    err instanceof SpecError ||
    (err instanceof Error &&
      err.name === 'SpecError' &&
      typeof (err as Partial<Formattable>).format === 'function')
  );
}

function isFsError(err: unknown): err is NodeJS.ErrnoException & { path: string } {
  const e = err as NodeJS.ErrnoException | null;
  return (
    e instanceof Error &&
    typeof e.path === 'string' &&
    ['ENOENT', 'EACCES', 'EPERM', 'EISDIR', 'ENOTDIR'].includes(e.code ?? '')
  );
}

function isBadInput(err: unknown): boolean {
  return err instanceof UsageError || isSpecError(err) || isFsError(err);
}

function formatBadInput(err: unknown): string {
  let text: string;
  if (isSpecError(err)) text = err.format();
  else if (isFsError(err)) text = `cannot read ${err.path}: ${describeErrno(err.code)}`;
  else text = (err as Error).message;
  // One `error:` line per issue (a SpecError lists every problem it found).
  return text
    .trimEnd()
    .split('\n')
    .map((line) => `error: ${line}\n`)
    .join('');
}

function reportError(err: unknown): number {
  if (err instanceof CommanderError) {
    // Commander has printed its message (or the help / version) already.
    return err.exitCode === 0 ? EXIT_OK : EXIT_BAD_INPUT;
  }
  if (isBadInput(err)) {
    process.stderr.write(formatBadInput(err));
    return EXIT_BAD_INPUT;
  }
  const stack = err instanceof Error ? (err.stack ?? `${err.name}: ${err.message}`) : String(err);
  process.stderr.write(`internal error (a bug in meshdojo — please report it):\n${stack}\n`);
  return EXIT_INTERNAL;
}
