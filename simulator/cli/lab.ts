/**
 * `meshdojo lab list | show ID | check ID --step N FILE… | start ID`: the labs in the terminal.
 * `check` is for graders and CI (exit 0 passed, 1 a check failed, 2 bad input); `start` walks a
 * learner through the steps interactively (the same progress statechart as the UI).
 */
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { createInterface } from 'node:readline/promises';
import { Command, Option } from 'commander';
import { createActor } from 'xstate';
import { checkLabAgainstTopology, parseLab, type LoadedLab } from '../labs/load.ts';
import { gradeStep, type Answers, type StepGrade } from '../labs/grade.ts';
import { labProgressMachine } from '../labs/progress.ts';
import type { LabSpec } from '../labs/types.ts';
import { loadFiles } from './files.ts';
import { parseDocuments, type Bundle } from '../model/load.ts';
import type { LoadProfileSpec } from '../model/types.ts';
import { EXIT_FAILED, EXIT_OK, UsageError } from './errors.ts';
import { checkStepLive, type LiveBackendKind } from './lab-live.ts';

/** The shipped labs: `labs/<dir>/lab.yaml` beside the package. */
export const LABS_DIR = new URL('../../labs/', import.meta.url).pathname;

export interface LabEntry {
  dir: string;
  file: string;
  lab: LoadedLab;
}

export function listLabs(root = LABS_DIR): LabEntry[] {
  return readdirSync(root, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(root, d.name, 'lab.yaml')))
    .map((d) => d.name)
    .sort()
    .map((dir) => {
      const file = join(root, dir, 'lab.yaml');
      return {
        dir: join(root, dir),
        file,
        lab: parseLab(readFileSync(file, 'utf8'), relative(process.cwd(), file)),
      };
    });
}

/** A lab by id (`cascade`), directory name (`01-cascade`) or path to its folder. */
export function findLab(ref: string, root = LABS_DIR): LabEntry {
  const read = (dir: string): LabEntry => {
    const file = join(dir, 'lab.yaml');
    return {
      dir: resolve(dir),
      file,
      lab: parseLab(readFileSync(file, 'utf8'), relative(process.cwd(), file)),
    };
  };
  if (existsSync(join(ref, 'lab.yaml'))) return read(ref);
  // A folder named after the id (`06-canary` for `canary`) is read alone: a broken lab elsewhere
  // does not stop this one.
  const dirs = existsSync(root) ? readdirSync(root).sort() : [];
  const named = dirs.find((d) => d === ref || d.replace(/^\d+-/, '') === ref);
  if (named && existsSync(join(root, named, 'lab.yaml'))) {
    const entry = read(join(root, named));
    if (entry.lab.spec.id === ref || named === ref) return entry;
  }
  const labs = listLabs(root);
  const hit = labs.find((l) => l.lab.spec.id === ref);
  if (!hit) throw new UsageError(`no lab \`${ref}\` (known: ${labs.map((l) => l.lab.spec.id).join(', ')})`);
  return hit;
}

interface CheckOptions {
  step: string;
  answer: string[];
  format: string;
  backend?: LiveBackendKind;
  quiet?: boolean;
}

/** Grades step `stepNumber` (1-based) of a lab on the learner's files. */
export function checkStep(
  entry: LabEntry,
  stepNumber: number,
  files: readonly string[],
  answers: Answers = {},
): StepGrade {
  return gradeStep(entry.lab.spec, stepNumber - 1, stepBundle(entry, stepNumber, files), answers);
}

/** The documents a step runs on: the lab's topology (or the step's) and chaos, the learner's files. */
export function stepBundle(entry: LabEntry, stepNumber: number, files: readonly string[]): Bundle {
  const spec = entry.lab.spec;
  if (!Number.isInteger(stepNumber) || stepNumber < 1 || stepNumber > spec.steps.length)
    throw new UsageError(`--step: expected 1..${spec.steps.length} for lab ${spec.id}, got ${stepNumber}`);
  const step = spec.steps[stepNumber - 1]!;
  const own = [step.topology ?? spec.topology, ...step.chaos].map((p) => join(entry.dir, p));
  const bundle = loadFiles([...own, ...files]);
  // The lab's own load replaces the one written beside the topology.
  if (spec.load) bundle.load = readLoad(join(entry.dir, spec.load));
  checkLabAgainstTopology(entry.lab, bundle.topology!);
  return bundle;
}

function readLoad(file: string): LoadProfileSpec {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new UsageError(`cannot read the lab's load profile ${file}`);
  }
  const doc = parseDocuments(text, file).find((d) => d.kind === 'LoadProfile');
  if (!doc || doc.kind !== 'LoadProfile') throw new UsageError(`${file}: expected a LoadProfile document`);
  return doc.value;
}

export function formatGrade(spec: LabSpec, stepNumber: number, g: StepGrade, prediction?: string): string {
  const step = spec.steps[stepNumber - 1]!;
  const lines = [`${spec.title} — step ${stepNumber}/${spec.steps.length}: ${step.title}`];
  for (const c of g.checks)
    lines.push(`  ${c.ok ? '✓' : '✗'} ${c.name}: ${c.observed} — expected ${c.expected}`);
  if (g.reveal) {
    lines.push(`  measured: ${g.reveal.text}`);
    if (prediction !== undefined) lines.push(`  you predicted: ${prediction}`);
  }
  const n = g.checks.filter((c) => c.ok).length;
  lines.push(
    g.passed
      ? `PASSED (${n}/${g.checks.length} checks held)`
      : `NOT YET (${n}/${g.checks.length} checks held)`,
  );
  if (g.passed) lines.push('', wrap(step.explain));
  return lines.join('\n') + '\n';
}

function wrap(text: string, width = 96): string {
  const out: string[] = [];
  for (const para of text.trim().split(/\n\s*\n/)) {
    let line = '';
    for (const word of para.split(/\s+/)) {
      if (line && line.length + word.length + 1 > width) {
        out.push(line);
        line = word;
      } else line = line ? `${line} ${word}` : word;
    }
    out.push(line, '');
  }
  return out.join('\n').trimEnd();
}

function parseAnswers(list: readonly string[]): Answers {
  const out: Record<number, string> = {};
  for (const a of list) {
    const m = /^(\d+)=(.+)$/.exec(a);
    if (!m) throw new UsageError(`--answer: expected N=SERVICE (e.g. 1=reviews), got ${JSON.stringify(a)}`);
    out[Number(m[1])] = m[2]!;
  }
  return out;
}

const collect = (v: string, prev: string[]) => [...prev, v];

export function labCommand(setExit: (code: number) => void): Command {
  const lab = new Command('lab').description('guided labs, graded instantly by re-simulating each step');
  lab
    .command('list')
    .description('the shipped labs')
    .action(() => {
      for (const { lab: l } of listLabs()) {
        const s = l.spec;
        process.stdout.write(
          `${s.id.padEnd(22)} ${s.level.padEnd(12)} ${String(s.minutes).padStart(3)} min  ${s.title}\n`,
        );
      }
      setExit(EXIT_OK);
    });
  lab
    .command('show')
    .description('the steps of a lab')
    .argument('<id>')
    .action((id: string) => {
      const { lab: l, dir } = findLab(id);
      const s = l.spec;
      const lines = [`${s.title} (${s.level}, ${s.minutes} min)`, wrap(s.summary), ''];
      lines.push(
        `starting files: ${s.files.map((f) => join(relative(process.cwd(), dir), 'start', f)).join(' ') || 'none'}`,
        '',
      );
      s.steps.forEach((st, i) => {
        lines.push(`${i + 1}. ${st.title}`, `   goal: ${st.goal}`);
        if (st.hypothesis) lines.push(`   predict: ${st.hypothesis.question}`);
        lines.push(`   do: ${st.action.text}`);
        if (st.action.cli) lines.push(`   cli: ${st.action.cli}`);
        lines.push('');
      });
      process.stdout.write(lines.join('\n'));
      setExit(EXIT_OK);
    });
  lab
    .command('check')
    .description('grade one step on your files (exit 0 passed, 1 not yet)')
    .argument('<id>')
    .argument('[files...]', 'your MeshPolicy / ChaosExperiment files for this step')
    .requiredOption('--step <n>', 'step number (1-based)')
    .option('--answer <n=service>', 'answer to observation question N (repeatable)', collect, [])
    .addOption(new Option('--format <format>').choices(['text', 'json']).default('text'))
    .addOption(
      new Option(
        '--backend <kind>',
        'grade on a live run (real processes or containers) instead of a re-simulation',
      ).choices(['process', 'docker']),
    )
    .option('--quiet', 'no progress notes on stderr (live runs)')
    .action(async (id: string, files: string[], opts: CheckOptions) => {
      const entry = findLab(id);
      const n = Number(opts.step);
      const answers = parseAnswers(opts.answer);
      const g = opts.backend
        ? await checkStepLive(entry, n, files, answers, {
            backend: opts.backend,
            note: (line) => {
              if (!opts.quiet) process.stderr.write(`${line}\n`);
            },
          })
        : checkStep(entry, n, files, answers);
      if (opts.format === 'json') {
        const { result, ...rest } = g;
        process.stdout.write(JSON.stringify({ ...rest, hash: result.hash }, null, 2) + '\n');
      } else process.stdout.write(formatGrade(entry.lab.spec, n, g));
      setExit(g.passed ? EXIT_OK : EXIT_FAILED);
    });
  lab
    .command('start')
    .description('walk through a lab: predict, act, check (copies the starting files to --dir)')
    .argument('<id>')
    .option('--dir <dir>', 'working folder for your files (default ./<lab id>)')
    .action(async (id: string, opts: { dir?: string }) => setExit(await startLab(findLab(id), opts.dir)));
  return lab;
}

async function startLab(entry: LabEntry, dirOpt?: string): Promise<number> {
  const spec = entry.lab.spec;
  const dir = resolve(dirOpt ?? spec.id);
  mkdirSync(dir, { recursive: true });
  for (const f of spec.files) {
    const target = join(dir, f);
    // Never write over the learner's work: a file already there is kept as it is.
    if (!existsSync(target)) copyFileSync(join(entry.dir, 'start', f), target);
  }
  const work = spec.files.map((f) => join(dir, f));
  const rl = createInterface({ input: process.stdin, output: process.stdout, terminal: process.stdin.isTTY });
  const actor = createActor(labProgressMachine, { input: { steps: spec.steps.length } }).start();
  const say = (s: string) => process.stdout.write(s + '\n');
  say(
    `${spec.title}\n${wrap(spec.summary)}\nYour files: ${work.map((w) => relative(process.cwd(), w)).join(' ') || 'none'}\n`,
  );
  try {
    while (actor.getSnapshot().status !== 'done') {
      const snap = actor.getSnapshot();
      const i = snap.context.step;
      const step = spec.steps[i]!;
      if (snap.value === 'predicting') {
        say(`Step ${i + 1}/${spec.steps.length}: ${step.title}\n  goal: ${step.goal}`);
        if (step.hypothesis) {
          const hint = step.hypothesis.choices
            ? ` [${step.hypothesis.choices.join(' / ')}]`
            : step.hypothesis.unit
              ? ` (${step.hypothesis.unit})`
              : '';
          const p = (await rl.question(`  predict: ${step.hypothesis.question}${hint} > `)).trim();
          actor.send(p ? { type: 'PREDICT', prediction: p } : { type: 'SKIP_PREDICTION' });
        } else actor.send({ type: 'SKIP_PREDICTION' });
      } else if (snap.value === 'acting') {
        say(`  do: ${step.action.text}${step.action.cli ? `\n  e.g. ${step.action.cli}` : ''}`);
        const a = (await rl.question('  press Enter to check (q to quit) > ')).trim();
        if (a === 'q') return EXIT_FAILED;
        actor.send({ type: 'CHECK' });
        const answers: Record<number, string> = {};
        for (const [k, q] of step.check.observe.entries())
          answers[k + 1] = (await rl.question(`  ${q.question} (a service) > `)).trim();
        const g = checkStep(entry, i + 1, work, answers);
        say(formatGrade(spec, i + 1, g, snap.context.predictions[i]));
        actor.send({ type: 'CHECKED', passed: g.passed });
      } else if (snap.value === 'passed') {
        if (step.reset) say(`  before the next step: ${step.reset}`);
        actor.send({ type: 'NEXT' });
      }
    }
    say(`Lab complete: ${spec.steps.length}/${spec.steps.length} steps passed.`);
    return EXIT_OK;
  } finally {
    rl.close();
    actor.stop();
  }
}
