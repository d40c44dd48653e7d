/**
 * The import report: every field of every resource is either mapped (to a neutral field),
 * approximated (mapped with a stated difference), or not mapped (with the reason) — nothing is
 * dropped silently. Plus the defaults the product fills in, and the cross-object findings.
 */
import { tryParseDuration } from '../model/duration.ts';
import { formatPath, type PathSegment, type SpecIssue } from '../model/errors.ts';
import { isObj, type Resource } from './source.ts';

export interface FieldNote {
  file: string;
  line: number;
  column: number;
  /** `Kind/name` of the resource. */
  resource: string;
  /** Field path inside the resource (`spec.http[0].retries.attempts`). */
  path: string;
  /** Mapped: the neutral field; not mapped: why. */
  note: string;
}

export type Severity = 'error' | 'warning' | 'info';

export interface Finding {
  code: string;
  severity: Severity;
  file: string;
  line: number;
  column: number;
  resource: string;
  path: string;
  message: string;
}

export interface DefaultNote {
  /** Neutral field (`destinations[reviews].timeout`). */
  field: string;
  value: string;
  product: string;
  source: string;
}

export interface ImportReport {
  dialect: string;
  resources: string[];
  mapped: FieldNote[];
  approximated: FieldNote[];
  unmapped: FieldNote[];
  defaults: DefaultNote[];
  findings: Finding[];
  /** Malformed values: the import fails with these (exit 2, file:line). */
  errors: SpecIssue[];
}

const key = (p: readonly PathSegment[]) => formatPath(p);
const under = (path: string, prefix: string) =>
  path === prefix || path.startsWith(prefix + '.') || path.startsWith(prefix + '[');

/** Annotation keys that configure a mesh (the others are bookkeeping: kubectl, helm…). */
const MESH_ANNOTATION =
  /(^|\.)(linkerd\.io|istio\.io|kuma\.io|traefik\.io|containo\.us|consul\.hashicorp\.com|k8s\.aws)\//;

/** Paths of a Kubernetes object that carry no policy (bookkeeping). */
const IGNORED = ['apiVersion', 'kind', 'metadata', 'status'];

/**
 * Records what an importer did with one resource's fields. `done()` lists the leaves nobody
 * claimed as not mapped ("not read by the importer"), so a new field never vanishes silently.
 */
export class FieldTracker {
  private readonly claims: { path: string; kind: 'mapped' | 'approximated' | 'unmapped'; note: string }[] =
    [];
  constructor(
    readonly res: Resource,
    private readonly report: ImportReport,
  ) {}

  get label(): string {
    return `${this.res.kind}/${this.res.name}`;
  }

  private note(path: readonly PathSegment[], note: string): FieldNote {
    return { file: this.res.file, ...this.res.at(path), resource: this.label, path: key(path), note };
  }

  mapped(path: readonly PathSegment[], to: string): void {
    this.claims.push({ path: key(path), kind: 'mapped', note: to });
    this.report.mapped.push(this.note(path, to));
  }
  approx(path: readonly PathSegment[], how: string): void {
    this.claims.push({ path: key(path), kind: 'approximated', note: how });
    this.report.approximated.push(this.note(path, how));
  }
  /** An approximation that concerns a whole block (ordering, precedence): noted, but the block's
   *  fields are still accounted for one by one. */
  remark(path: readonly PathSegment[], how: string): void {
    this.report.approximated.push(this.note(path, how));
  }
  unmapped(path: readonly PathSegment[], why: string): void {
    this.claims.push({ path: key(path), kind: 'unmapped', note: why });
    this.report.unmapped.push(this.note(path, why));
  }
  /** A malformed value: the import fails (exit 2) with `file:line:col path: message`. */
  invalid(path: readonly PathSegment[], message: string): void {
    this.claims.push({ path: key(path), kind: 'unmapped', note: message });
    this.report.errors.push({
      file: this.res.file,
      ...this.res.at(path),
      path: key([...this.res.prefix, ...path]),
      message,
    });
  }
  /** A product duration in ms; absent ⇒ undefined; unreadable ⇒ an error. */
  dur(v: unknown, path: readonly PathSegment[]): number | undefined {
    if (v === undefined || v === null) return undefined;
    const r = tryParseDuration(v);
    if (r.ok) return r.ms;
    this.invalid(path, r.message);
    return undefined;
  }
  /** A finding (validation) at a path of this resource. */
  finding(code: string, severity: Severity, path: readonly PathSegment[], message: string): void {
    this.report.findings.push({
      code,
      severity,
      file: this.res.file,
      ...this.res.at(path),
      resource: this.label,
      path: key(path),
      message,
    });
  }

  /** Every leaf not claimed by a mapped / approximated / unmapped prefix is reported as not mapped. */
  done(extraIgnored: readonly string[] = []): void {
    const ignored = [...IGNORED, ...extraIgnored];
    const claimed = (p: string) =>
      this.claims.some((c) => under(p, c.path)) || ignored.some((i) => under(p, i));
    const walk = (v: unknown, path: PathSegment[]) => {
      const k = key(path);
      if (path.length && claimed(k)) return;
      if (isObj(v) && Object.keys(v).length) for (const [f, x] of Object.entries(v)) walk(x, [...path, f]);
      else if (Array.isArray(v) && v.length) v.forEach((x, i) => walk(x, [...path, i]));
      else if (path.length)
        this.report.unmapped.push(this.note(path, 'not read by the importer: no neutral equivalent known'));
    };
    walk(this.res.body, []);
    // a mesh's annotation nobody read (a typo, a newer knob) is reported too
    const annotations = isObj(this.res.body.metadata) ? this.res.body.metadata.annotations : undefined;
    if (isObj(annotations))
      for (const k of Object.keys(annotations)) {
        const path: PathSegment[] = ['metadata', 'annotations', k];
        if (MESH_ANNOTATION.test(k) && !this.claims.some((c) => under(key(path), c.path)))
          this.report.unmapped.push(this.note(path, 'a mesh annotation the importer does not read'));
      }
  }
}

export function emptyReport(dialect: string): ImportReport {
  return {
    dialect,
    resources: [],
    mapped: [],
    approximated: [],
    unmapped: [],
    defaults: [],
    findings: [],
    errors: [],
  };
}

/** A readable text rendering of the report (the CLI prints it to stderr or a file). */
export function renderReport(r: ImportReport): string {
  const lines: string[] = [
    `dialect: ${r.dialect}`,
    `resources: ${r.resources.length} (${r.resources.join(', ')})`,
  ];
  const section = (title: string, notes: FieldNote[]) => {
    lines.push(`${title}: ${notes.length}`);
    for (const n of notes)
      lines.push(`  ${n.file}:${n.line}:${n.column} ${n.resource} ${n.path} → ${n.note}`);
  };
  section('mapped', r.mapped);
  section('approximated', r.approximated);
  section('not mapped', r.unmapped);
  lines.push(`defaults applied by ${r.defaults[0]?.product ?? 'the product'}: ${r.defaults.length}`);
  for (const d of r.defaults) lines.push(`  ${d.field} = ${d.value} (${d.source})`);
  lines.push(`findings: ${r.findings.length}`);
  for (const f of r.findings)
    lines.push(
      `  ${f.severity} ${f.code} ${f.file}:${f.line}:${f.column} ${f.resource} ${f.path}: ${f.message}`,
    );
  return lines.join('\n') + '\n';
}
