/**
 * The shipped labs (`labs/<dir>/lab.yaml`), their starting files and reference solutions, and the
 * topologies and experiments they name — bundled as text at build time (Vite `import.meta.glob`),
 * read with the CLI's own lab loader. `stepBundle` builds what `meshdojo lab check` grades.
 */
import { checkLabAgainstTopology, parseLab, type LoadedLab } from '../../../simulator/labs/load.ts';
import { loadBundle, parseDocuments, type Bundle } from '../../../simulator/model/load.ts';
import type { LabSpec } from '../../../simulator/labs/types.ts';

const RAW = {
  ...import.meta.glob('../../../labs/**/*.{yaml,md}', { query: '?raw', import: 'default', eager: true }),
  ...import.meta.glob('../../../topologies/**/*.yaml', { query: '?raw', import: 'default', eager: true }),
  ...import.meta.glob('../../../chaos/**/*.yaml', { query: '?raw', import: 'default', eager: true }),
} as Record<string, string>;

/** Repository-relative path → text. */
export const FILES: ReadonlyMap<string, string> = new Map(
  Object.entries(RAW).map(([k, v]) => [k.replace(/^(\.\.\/)+/, ''), v]),
);

/** `labs/01-cascade` + `../../topologies/x.yaml` → `topologies/x.yaml`. */
export function joinPath(dir: string, rel: string): string {
  const out: string[] = [];
  for (const seg of `${dir}/${rel}`.split('/')) {
    if (seg === '..') out.pop();
    else if (seg && seg !== '.') out.push(seg);
  }
  return out.join('/');
}

export interface ShippedLab {
  dir: string;
  lab: LoadedLab;
}

function read(path: string): string {
  const text = FILES.get(path);
  if (text === undefined) throw new Error(`${path}: not among the bundled files`);
  return text;
}

export const LABS: ShippedLab[] = [...FILES.keys()]
  .filter((p) => /^labs\/[^/]+\/lab\.yaml$/.test(p))
  .sort()
  .map((file) => ({ dir: file.slice(0, -'/lab.yaml'.length), lab: parseLab(read(file), file) }));

/** The learner's starting files (`start/<name>`), by name. */
export function startFiles(l: ShippedLab): Record<string, string> {
  return Object.fromEntries(l.lab.spec.files.map((f) => [f, FILES.get(`${l.dir}/start/${f}`) ?? '']));
}

/** The reference solution of a step (`solution/<step id>/<name>`), by name; empty when none. */
export function solutionFiles(l: ShippedLab, stepIndex: number): Record<string, string> {
  const id = l.lab.spec.steps[stepIndex]?.id;
  const out: Record<string, string> = {};
  for (const f of l.lab.spec.files) {
    const t = FILES.get(`${l.dir}/solution/${id}/${f}`);
    if (t !== undefined) out[f] = t;
  }
  return out;
}

/** The topology file a step runs (a step may replace the lab's). */
export function stepTopologyFile(l: ShippedLab, stepIndex: number): string {
  const spec: LabSpec = l.lab.spec;
  return joinPath(l.dir, spec.steps[stepIndex]?.topology ?? spec.topology);
}

/**
 * What a step grades, as `meshdojo lab check` reads it: the step's topology, the chaos the lab
 * imposes, the learner's files, and the lab's own load profile. Throws SpecError on bad files.
 */
export function stepBundle(l: ShippedLab, stepIndex: number, learner: Record<string, string>): Bundle {
  const spec = l.lab.spec;
  const step = spec.steps[stepIndex];
  if (!step) throw new RangeError(`lab ${spec.id} has ${spec.steps.length} steps`);
  const own = [stepTopologyFile(l, stepIndex), ...step.chaos.map((c) => joinPath(l.dir, c))];
  const sources = [
    ...own.map((file) => ({ file, text: read(file) })),
    ...Object.entries(learner)
      .filter(([, text]) => text.trim())
      .map(([name, text]) => ({ file: name, text })),
  ];
  const bundle = loadBundle(sources);
  if (spec.load) {
    const file = joinPath(l.dir, spec.load);
    const doc = parseDocuments(read(file), file).find((d) => d.kind === 'LoadProfile');
    if (!doc || doc.kind !== 'LoadProfile') throw new Error(`${file}: expected a LoadProfile document`);
    bundle.load = doc.value;
  }
  checkLabAgainstTopology(l.lab, bundle.topology!);
  return bundle;
}
