/** `meshdojo k6 export` (a k6 script for a scenario's LoadProfile) and `meshdojo k6 run`. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import { UsageError } from '../../cli/errors.ts';
import { loadFiles } from '../../cli/files.ts';
import { checkReadable, writeFileAtomic } from '../../cli/io.ts';
import { parseSeed, scenarioFromBundle } from '../../cli/scenario.ts';
import { loadLength } from '../../sim/load.ts';
import { exportK6 } from './export.ts';
import { detectK6, runK6 } from './runner.ts';

interface K6Options {
  out?: string;
  seed?: string;
  baseUrl?: string;
}

function exportFrom(files: string[], opts: K6Options) {
  checkReadable(files);
  const scenario = scenarioFromBundle(
    loadFiles(files),
    opts.seed !== undefined ? { seed: parseSeed(opts.seed) } : {},
  );
  if (!scenario.load)
    throw new UsageError(`${files.join(', ')}: no LoadProfile to export (add a LoadProfile document)`);
  if (
    opts.baseUrl !== undefined &&
    !/^http:\/\/(127\.\d+\.\d+\.\d+|localhost|\[::1\])(:\d+)?$/.test(opts.baseUrl)
  )
    throw new UsageError(
      `--base-url: expected a loopback http URL such as http://127.0.0.1:8080, got '${opts.baseUrl}'`,
    );
  const out = exportK6(scenario, { baseUrl: opts.baseUrl });
  for (const w of out.warnings) process.stderr.write(`note: ${w}\n`);
  return { scenario, ...out };
}

export function registerK6Command(program: Command, setExit: (code: number) => void): void {
  const k6 = program.command('k6').description('k6 scripts from load profiles');
  k6.command('export')
    .description(
      'write a k6 script for the LoadProfile of a scenario (same request schedule as the built-in runner)',
    )
    .argument('<files...>', 'YAML files of the scenario (Topology, LoadProfile, …)')
    .option('--out <file>', 'write the script to FILE (atomically) instead of stdout')
    .option('--seed <n>', "seed of the request picks (default: the scenario's)")
    .option('--base-url <url>', 'base URL of every service (default http://127.0.0.1:8080)')
    .action((files: string[], opts: K6Options) => {
      const { script } = exportFrom(files, opts);
      if (opts.out) writeFileAtomic(opts.out, script);
      else process.stdout.write(script);
      setExit(0);
    });
  k6.command('run')
    .description('export the script and run it with the k6 binary on the PATH (says why when there is none)')
    .argument('<files...>', 'YAML files of the scenario')
    .option('--seed <n>', "seed of the request picks (default: the scenario's)")
    .option('--base-url <url>', 'base URL of every service (default http://127.0.0.1:8080)')
    .option('--summary <file>', "k6's end-of-test summary (JSON)", 'k6-summary.json')
    .action(async (files: string[], opts: K6Options & { summary: string }) => {
      const found = detectK6();
      if (!found.available) {
        process.stderr.write(`error: cannot run k6: ${found.reason}\n`);
        setExit(2);
        return;
      }
      const { scenario, script } = exportFrom(files, opts);
      const dir = mkdtempSync(path.join(os.tmpdir(), 'meshdojo-k6-'));
      try {
        const file = path.join(dir, 'script.js');
        writeFileSync(file, script);
        const bound = loadLength(scenario.load!) + 60_000;
        setExit(await runK6(found.path, file, path.resolve(opts.summary), bound));
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
}
