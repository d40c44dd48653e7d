/**
 * `meshdojo import` and `meshdojo export`: the node side of simulator/interop (files,
 * directories, refusing to write over inputs or into a non-empty directory).
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Option, type Command } from 'commander';
import { importManifests, MESH_NAMES, type MeshName } from '../interop/import.ts';
import { renderReport } from '../interop/report.ts';
import { EXPORT_TARGETS, exportScenario, type ExportTarget } from '../interop/export/index.ts';
import type { ManifestSource } from '../interop/source.ts';
import { SpecError } from '../model/errors.ts';
import { EXIT_OK, UsageError } from './errors.ts';
import { checkReadable, writeFileAtomic } from './io.ts';
import { loadFiles } from './files.ts';
import { scenarioFromBundle } from './scenario.ts';

const MANIFEST_EXT = /\.(ya?ml|json)$/i;

/** Files, and the YAML/JSON files of directories (recursively, in name order). */
export function readManifestSources(paths: readonly string[]): ManifestSource[] {
  const out: ManifestSource[] = [];
  const visit = (p: string) => {
    const st = statSync(p);
    if (st.isDirectory()) {
      for (const name of readdirSync(p).sort()) {
        const child = join(p, name);
        if (statSync(child).isDirectory() || MANIFEST_EXT.test(name)) visit(child);
      }
    } else out.push({ file: p, text: readFileSync(p, 'utf8') });
  };
  for (const p of paths) {
    if (!existsSync(p))
      throw new SpecError([
        { file: p, line: 1, column: 1, path: '', message: 'cannot read file: no such file' },
      ]);
    visit(p);
  }
  return out;
}

interface ImportOpts {
  mesh: MeshName;
  out?: string;
  report?: string;
  format: 'text' | 'json';
  name?: string;
}

interface ExportOpts {
  to: ExportTarget;
  out?: string;
  force?: boolean;
}

export function registerInterop(program: Command, setExit: (code: number) => void): void {
  program
    .command('import')
    .description(
      'convert Istio, Linkerd, Kuma, SMI, Consul, App Mesh or Traefik Mesh manifests into a neutral MeshPolicy',
    )
    .argument(
      '<files...>',
      'YAML / JSON files or directories of manifests (a meshdojo Topology beside them backs the checks)',
    )
    .addOption(new Option('--mesh <mesh>', 'the dialect').choices([...MESH_NAMES]).default('auto'))
    .option('--out <file>', 'write the MeshPolicy to FILE (default stdout)')
    .option('--report <file>', 'write the import report to FILE (default stderr)')
    .addOption(new Option('--format <format>', 'report format').choices(['text', 'json']).default('text'))
    .option('--name <name>', 'metadata.name of the policy')
    .action((files: string[], opts: ImportOpts) => setExit(importCommand(files, opts)));

  program
    .command('export')
    .description(
      'write a scenario as Kubernetes workloads, Istio or Linkerd policy, or a Chaos Mesh / Chaos Toolkit experiment',
    )
    .argument('<files...>', 'the scenario: YAML files (Topology, MeshPolicy, ChaosExperiment) or a Scenario')
    .addOption(
      new Option('--to <target>', 'what to write').choices([...EXPORT_TARGETS]).makeOptionMandatory(),
    )
    .option('--out <dir>', 'write the files into DIR (default: one YAML stream on stdout)')
    .option('--force', 'write into a non-empty --out directory')
    .action((files: string[], opts: ExportOpts) => setExit(exportCommand(files, opts)));
}

function refuseInput(out: string, inputs: readonly string[]): void {
  const o = resolve(out);
  if (inputs.some((i) => resolve(i) === o))
    throw new UsageError(`--out ${out} is one of the inputs: meshdojo never writes over an input`);
}

function importCommand(files: string[], opts: ImportOpts): number {
  const sources = readManifestSources(files);
  if (opts.out)
    refuseInput(
      opts.out,
      sources.map((s) => s.file),
    );
  if (opts.report)
    refuseInput(
      opts.report,
      sources.map((s) => s.file),
    );
  const r = importManifests(sources, { mesh: opts.mesh, ...(opts.name && { name: opts.name }) });
  const report = opts.format === 'json' ? JSON.stringify(r.report, null, 2) + '\n' : renderReport(r.report);
  const header = `# Imported by meshdojo from ${sources.map((s) => s.file).join(', ')} (${r.report.dialect}).\n`;
  if (opts.out) writeFileAtomic(opts.out, header + r.yaml);
  else process.stdout.write(header + r.yaml);
  if (opts.report) writeFileAtomic(opts.report, report);
  else process.stderr.write(report);
  return EXIT_OK;
}

function exportCommand(files: string[], opts: ExportOpts): number {
  checkReadable(files);
  const scenario = scenarioFromBundle(loadFiles(files), {});
  const out = exportScenario(scenario, opts.to);
  if (!opts.out) {
    for (const f of out.files)
      process.stdout.write(`# --- ${f.name}\n${f.text.endsWith('\n') ? f.text : f.text + '\n'}`);
  } else {
    refuseInput(opts.out, files);
    if (existsSync(opts.out)) {
      if (!statSync(opts.out).isDirectory())
        throw new UsageError(`--out ${opts.out} exists and is not a directory`);
      if (readdirSync(opts.out).length && !opts.force)
        throw new UsageError(`--out ${opts.out} is not empty (give --force to write into it)`);
    } else mkdirSync(opts.out, { recursive: true });
    const outFiles =
      opts.to === 'k8s'
        ? [
            ...out.files,
            {
              name: 'Dockerfile.stub',
              text: readFileSync(new URL('../../deploy/stub/Dockerfile', import.meta.url), 'utf8'),
            },
          ]
        : out.files;
    for (const f of outFiles) {
      const target = join(opts.out, f.name);
      refuseInput(target, files);
      writeFileAtomic(target, f.text);
    }
    process.stderr.write(`wrote ${outFiles.map((f) => f.name).join(', ')} to ${opts.out}\n`);
  }
  for (const n of out.notes) process.stderr.write(`note: ${n}\n`);
  return EXIT_OK;
}
