/**
 * Reads a lab file with the same `file:line:col path: message` errors as every other format, and
 * checks it against its topology (every service, edge and destination it names exists).
 * Isomorphic: the caller passes file contents in.
 */
import { LineCounter, parseDocument } from 'yaml';
import { SpecError, formatPath, type PathSegment, type SpecIssue } from '../model/errors.ts';
import { describeZodIssues, makeLocator } from '../model/load.ts';
import { PARSE_PARAMS } from '../model/schemas.ts';
import type { CallStep, TopologySpec } from '../model/types.ts';
import { labDocumentSchema, toLabSpec } from './schema.ts';
import { WINDOWED } from './measure.ts';
import type { LabSpec, Measure } from './types.ts';

export interface LoadedLab {
  spec: LabSpec;
  file: string;
  /** Position of a field path inside the lab file (for errors found later). */
  locate: (path: readonly PathSegment[]) => { line: number; column: number };
}

export function parseLab(text: string, file: string): LoadedLab {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length) {
    throw new SpecError(
      doc.errors.map((e) => {
        const pos = lc.linePos(e.pos?.[0] ?? 0);
        return {
          file,
          line: pos.line,
          column: pos.col,
          path: '',
          message: `YAML: ${e.message.split('\n')[0]}`,
        };
      }),
    );
  }
  const locate = makeLocator(doc, lc);
  const parsed = labDocumentSchema.safeParse(doc.toJS(), PARSE_PARAMS);
  if (!parsed.success) {
    throw new SpecError(
      describeZodIssues(parsed.error.issues).map((p) => ({
        file,
        ...locate(p.path, p.atKey),
        path: formatPath(p.path),
        message: p.message,
      })),
    );
  }
  const spec = toLabSpec(parsed.data);
  const issues: SpecIssue[] = [];
  const seen = new Set<string>();
  spec.steps.forEach((s, i) => {
    if (seen.has(s.id))
      issues.push(issueAt(file, locate, ['spec', 'steps', i, 'id'], `duplicate step id \`${s.id}\``));
    seen.add(s.id);
  });
  if (issues.length) throw new SpecError(issues);
  return { spec, file, locate: (path) => locate(path) };
}

function issueAt(
  file: string,
  locate: (p: readonly PathSegment[]) => { line: number; column: number },
  path: PathSegment[],
  message: string,
): SpecIssue {
  return { file, ...locate(path), path: formatPath(path), message };
}

/** Every service, edge and destination the lab names must exist in its topology. */
export function checkLabAgainstTopology(lab: LoadedLab, topology: TopologySpec): void {
  const services = new Set(topology.services.map((s) => s.name));
  const edges = new Set<string>();
  for (const s of topology.services)
    for (const v of s.versions)
      for (const ep of v.endpoints) for (const c of flatCalls(ep.calls)) edges.add(`${s.name}→${c}`);
  const issues: SpecIssue[] = [];
  const known = (name: string) => [...services].join(', ') || name;
  const checkMeasure = (m: Measure, path: PathSegment[]) => {
    if (m.window && (!WINDOWED.has(m.metric) || (m.edge && m.metric === 'latency')))
      issues.push(
        issueAt(
          lab.file,
          lab.locate,
          [...path, 'window'],
          `\`${m.metric}\`${m.edge ? ' of an edge' : ''} is measured over the whole run: remove \`window\``,
        ),
      );
    if (m.metric === 'versionShare' && m.service === undefined)
      issues.push(
        issueAt(lab.file, lab.locate, path, '`versionShare` needs the `service` whose versions it compares'),
      );
    if (m.service !== undefined && m.edge)
      issues.push(
        issueAt(lab.file, lab.locate, [...path, 'edge'], 'expected either `service` or `edge`, not both'),
      );
    if (m.service !== undefined && !services.has(m.service))
      issues.push(
        issueAt(
          lab.file,
          lab.locate,
          [...path, 'service'],
          `unknown service \`${m.service}\` (known: ${known(m.service)})`,
        ),
      );
    if (m.edge && !edges.has(`${m.edge.from}→${m.edge.to}`))
      issues.push(
        issueAt(
          lab.file,
          lab.locate,
          [...path, 'edge'],
          `no calls from \`${m.edge.from}\` to \`${m.edge.to}\` in the topology`,
        ),
      );
  };
  lab.spec.steps.forEach((step, i) => {
    const base: PathSegment[] = ['spec', 'steps', i];
    if (step.hypothesis) checkMeasure(step.hypothesis.reveal, [...base, 'hypothesis', 'reveal']);
    step.check.expect.forEach((e, j) => checkMeasure(e.measure, [...base, 'check', 'expect', j]));
    step.check.policy.forEach((p, j) => {
      if (!services.has(p.destination))
        issues.push(
          issueAt(
            lab.file,
            lab.locate,
            [...base, 'check', 'policy', j, 'destination'],
            `unknown service \`${p.destination}\``,
          ),
        );
    });
    step.check.observe.forEach((q, j) => {
      if (!services.has(q.answer))
        issues.push(
          issueAt(
            lab.file,
            lab.locate,
            [...base, 'check', 'observe', j, 'answer'],
            `unknown service \`${q.answer}\``,
          ),
        );
    });
  });
  if (issues.length) throw new SpecError(issues);
}

function flatCalls(steps: readonly CallStep[]): string[] {
  return steps.flatMap((st) => (st.kind === 'call' ? [st.call.service] : st.calls.map((c) => c.service)));
}
