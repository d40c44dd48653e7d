/**
 * Loading: YAML text → documents → validated, normalised specs, with every problem reported as a
 * `SpecIssue` that points at the file, line and column of the offending node.
 *
 * Isomorphic (no `node:` imports): file access is the caller's, through `resolve` (see files.ts).
 */
import {
  isAlias,
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  parseAllDocuments,
  type Document,
  type YAMLError,
} from 'yaml';
import type { z } from 'zod';
import type { ChaosSpec, LoadProfileSpec, MeshPolicySpec, ScenarioSpec, TopologySpec } from './types.ts';
import { resolveChaosTargets } from './chaos-targets.ts';
import { didYouMean, formatPath, SpecError, type PathSegment, type SpecIssue } from './errors.ts';
import {
  DOCUMENT_SCHEMAS,
  KINDS,
  knownKeysOf,
  PARSE_PARAMS,
  type Kind,
  type Ref,
  type RefIssue,
  type ScenarioDraft,
} from './schemas.ts';

// ───────────────────────────── public types ─────────────────────────────

export interface Source {
  file: string;
  text: string;
}

/** Finds the text of a file a Scenario refers to (`relPath` is relative to `fromFile`). May throw. */
export type Resolver = (fromFile: string, relPath: string) => Source;

export interface Bundle {
  topology?: TopologySpec;
  load?: LoadProfileSpec;
  chaos: ChaosSpec[];
  policies: MeshPolicySpec[];
  scenario?: ScenarioSpec;
}

/** Where a document came from, and how to find a field of it in the text. */
export interface DocOrigin {
  file: string;
  /** Index of the document in its file (0-based, counting `---` separated documents). */
  index: number;
  line: number;
  column: number;
  /** For a document written inline in another (a Scenario's `topology`), its path there; else `[]`. */
  pathPrefix: readonly PathSegment[];
  /** Position of the node at `path` (a path from the document root); the nearest existing parent when absent. */
  locate(path: readonly PathSegment[], atKey?: boolean): { line: number; column: number };
}

interface DocValues {
  Topology: TopologySpec;
  LoadProfile: LoadProfileSpec;
  ChaosExperiment: ChaosSpec;
  MeshPolicy: MeshPolicySpec;
  Scenario: ScenarioDraft;
}

/** One validated document. A Scenario's references are not resolved yet (`loadBundle` does that). */
export type LoadedDoc = { [K in Kind]: { kind: K; value: DocValues[K]; origin: DocOrigin } }[Kind];
export type LoadedDocOf<K extends Kind> = Extract<LoadedDoc, { kind: K }>;

// ───────────────────────────── YAML → positions ─────────────────────────────

type YamlDoc = Document.Parsed;

function offsetOf(node: unknown): number | undefined {
  const range = (node as { range?: [number, number, number] } | null | undefined)?.range;
  return range ? range[0] : undefined;
}

function resolveAlias(node: unknown, doc: YamlDoc): unknown {
  let n = node;
  for (let i = 0; i < 8 && isAlias(n); i++) {
    try {
      n = n.resolve(doc);
    } catch {
      return undefined;
    }
  }
  return n;
}

interface FoundPair {
  key: unknown;
  value: unknown;
}

function findPair(map: unknown, seg: PathSegment, doc: YamlDoc, depth = 0): FoundPair | undefined {
  if (!isMap(map) || depth > 8) return undefined;
  const want = String(seg);
  for (const p of map.items) {
    const k = p.key;
    const kv = isScalar(k) ? k.value : k;
    if (typeof kv !== 'symbol' && kv !== null && typeof kv !== 'object' && String(kv) === want)
      return { key: k, value: p.value };
  }
  // merge keys (`<<: *base`): look into the merged mappings
  for (const p of map.items) {
    const kv = isScalar(p.key) ? p.key.value : undefined;
    if (typeof kv !== 'symbol' && kv !== '<<') continue;
    const sources = isSeq(p.value) ? p.value.items : [p.value];
    for (const s of sources) {
      const found = findPair(resolveAlias(s, doc), seg, doc, depth + 1);
      if (found) return found;
    }
  }
  return undefined;
}

export function makeLocator(doc: YamlDoc, lc: LineCounter) {
  return (path: readonly PathSegment[], atKey = false): { line: number; column: number } => {
    let node: unknown = doc.contents;
    let best = offsetOf(node) ?? 0;
    for (let i = 0; i < path.length; i++) {
      node = resolveAlias(node, doc);
      const seg = path[i]!;
      let next: unknown;
      let key: unknown;
      if (isMap(node)) {
        const pair = findPair(node, seg, doc);
        if (!pair) break;
        next = pair.value;
        key = pair.key;
      } else if (isSeq(node) && typeof seg === 'number') {
        next = node.items[seg];
        if (next === undefined) break;
      } else break;
      const last = i === path.length - 1;
      const at = last && atKey && key !== undefined ? offsetOf(key) : offsetOf(next);
      if (at === undefined) {
        best = offsetOf(key) ?? best;
        break;
      }
      best = at;
      node = next;
    }
    const pos = lc.linePos(best);
    return { line: Math.max(1, pos.line), column: Math.max(1, pos.col) };
  };
}

// ───────────────────────────── zod issues → SpecIssues ─────────────────────────────

const isObj = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v);

/** A short rendering of a value for `got …`. */
export function describeValue(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'an empty value';
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  if (Array.isArray(v)) return v.length === 0 ? 'an empty list' : `a list of ${v.length}`;
  if (v instanceof Uint8Array) return 'binary data';
  if (typeof v === 'object') return Object.keys(v).length === 0 ? 'an empty mapping' : 'a mapping';
  return typeof v;
}

const quoted = (values: readonly unknown[]) => values.map((v) => `\`${String(v)}\``).join(', ');

export interface PathIssue {
  path: PathSegment[];
  message: string;
  atKey?: boolean;
}

/** Turns zod issues (parsed with PARSE_PARAMS) into path + message, with `got …` and suggestions. */
export function describeZodIssues(
  issues: readonly z.core.$ZodIssue[],
  prefix: readonly PathSegment[] = [],
): PathIssue[] {
  const out: PathIssue[] = [];
  for (const iss of issues) {
    const path: PathSegment[] = [
      ...prefix,
      ...iss.path.filter((p): p is PathSegment => typeof p !== 'symbol'),
    ];
    const input: unknown = (iss as { input?: unknown }).input;
    const last = path[path.length - 1];
    switch (iss.code) {
      case 'unrecognized_keys': {
        const known = knownKeysOf(input) ?? [];
        for (const k of iss.keys) {
          const hint =
            didYouMean(k, known) ||
            (known.length > 0 && known.length <= 14 ? ` (expected one of ${quoted(known)})` : '');
          out.push({ path: [...path, k], atKey: true, message: `${iss.message} \`${k}\`${hint}` });
        }
        break;
      }
      case 'invalid_union': {
        if (iss.discriminator) {
          const options = (iss as { options?: unknown[] }).options ?? [];
          const value = isObj(input) ? input[iss.discriminator] : undefined;
          const at = path[path.length - 1] === iss.discriminator ? path : [...path, iss.discriminator];
          out.push(
            value === undefined
              ? {
                  path: at,
                  message: `missing required field \`${iss.discriminator}\` (one of ${quoted(options)})`,
                }
              : {
                  path: at,
                  message: `${iss.message}, got ${describeValue(value)}${didYouMean(value, options.map(String))}`,
                },
          );
          break;
        }
        // Plain unions: report the branches that got past the type check, else the union's own message.
        const deep = iss.errors.filter(
          (b) => !b.every((e) => e.path.length === 0 && e.code === 'invalid_type'),
        );
        if (deep.length === 1) out.push(...describeZodIssues(deep[0]!, path));
        else out.push({ path, message: withGot(iss.message, input) });
        break;
      }
      case 'invalid_type':
        if (input === undefined) {
          const name = typeof last === 'string' ? `\`${last}\`` : 'value';
          const detail =
            iss.message === 'expected a value'
              ? ''
              : iss.message.startsWith('expected ')
                ? ` (${iss.message})`
                : `: ${iss.message}`;
          out.push({ path, message: `missing required field ${name}${detail}` });
        } else out.push({ path, message: withGot(iss.message, input) });
        break;
      case 'invalid_value':
        out.push({ path, message: withGot(iss.message, input) + didYouMean(input, iss.values.map(String)) });
        break;
      default:
        out.push({ path, message: withGot(iss.message, input) });
    }
  }
  return out;
}

function withGot(message: string, input: unknown): string {
  if (input === undefined || !message.startsWith('expected ') || message.includes(', got ')) return message;
  return `${message}, got ${describeValue(input)}`;
}

// ───────────────────────────── documents ─────────────────────────────

interface FileResult {
  docs: LoadedDoc[];
  issues: SpecIssue[];
  /** Kinds of documents that failed (`unknown` when the kind could not be read). */
  failed: Set<Kind | 'unknown'>;
}

function yamlIssue(file: string, lc: LineCounter, e: YAMLError): SpecIssue {
  const pos = lc.linePos(e.pos?.[0] ?? 0);
  const message = e.message.replace(/\s+at line \d+, column \d+[\s\S]*$/, '');
  return {
    file,
    line: Math.max(1, pos.line),
    column: Math.max(1, pos.col),
    path: '',
    message: `YAML: ${message}`,
  };
}

// Says what exists today: no importer ships yet, so the hint points at the neutral format and its docs.
const FOREIGN_HINT =
  ' (this looks like a mesh or Kubernetes resource: meshdojo reads only its own kinds — write the policy as a `kind: MeshPolicy`, whose fields name the Istio/Envoy/Linkerd behaviour they copy: docs/policies.md)';

function validateDocument(
  file: string,
  index: number,
  doc: YamlDoc,
  lc: LineCounter,
  result: FileResult,
): void {
  const locate = makeLocator(doc, lc);
  const start = locate([]);
  const origin: DocOrigin = { file, index, line: start.line, column: start.column, pathPrefix: [], locate };
  const issue = (path: readonly PathSegment[], message: string, atKey = false): SpecIssue => ({
    file,
    ...locate(path, atKey),
    path: formatPath(path),
    message,
  });

  let js: unknown;
  try {
    js = doc.toJS({ maxAliasCount: 100 });
  } catch (e) {
    result.failed.add('unknown');
    result.issues.push(issue([], `YAML: ${e instanceof Error ? e.message : String(e)}`));
    return;
  }
  if (!isObj(js)) {
    result.failed.add('unknown');
    result.issues.push(
      issue(
        [],
        `expected a document: a mapping with \`apiVersion\`, \`kind\`, \`metadata\` and \`spec\`, got ${describeValue(js)}`,
      ),
    );
    return;
  }
  // Top-level `x-…` keys hold YAML anchors for reuse (as in Compose files) and are not part of the document.
  for (const key of Object.keys(js)) if (key.startsWith('x-')) delete js[key];
  const kind = js.kind;
  if (typeof kind !== 'string' || !(KINDS as readonly string[]).includes(kind)) {
    result.failed.add('unknown');
    const foreign =
      typeof js.apiVersion === 'string' &&
      js.apiVersion !== 'meshdojo/v1' &&
      /\.(io|com|sh|aws)\//.test(js.apiVersion);
    result.issues.push(
      kind === undefined
        ? issue(['kind'], `missing required field \`kind\` (one of ${quoted(KINDS)})`)
        : typeof kind !== 'string'
          ? issue(['kind'], `expected one of ${quoted(KINDS)}, got ${describeValue(kind)}`)
          : issue(
              ['kind'],
              `unknown kind \`${kind}\`${didYouMean(kind, KINDS)}; expected one of ${quoted(KINDS)}${foreign ? FOREIGN_HINT : ''}`,
            ),
    );
    return;
  }
  const k = kind as Kind;
  const parsed = DOCUMENT_SCHEMAS[k].safeParse(js, PARSE_PARAMS);
  if (!parsed.success) {
    result.failed.add(k);
    for (const p of describeZodIssues(parsed.error.issues))
      result.issues.push(issue(p.path, p.message, p.atKey));
    return;
  }
  result.docs.push({ kind: k, value: parsed.data, origin } as LoadedDoc);
}

function parseFile(text: string, file: string): FileResult {
  const result: FileResult = { docs: [], issues: [], failed: new Set() };
  const lc = new LineCounter();
  const docs = parseAllDocuments(text, {
    lineCounter: lc,
    prettyErrors: false,
    merge: true,
    uniqueKeys: true,
    logLevel: 'error',
  });
  const streamErrors = (docs as { errors?: YAMLError[] }).errors;
  if (!Array.isArray(docs) || docs.length === 0) {
    for (const e of streamErrors ?? []) result.issues.push(yamlIssue(file, lc, e));
    if (result.issues.length) result.failed.add('unknown');
    return result;
  }
  docs.forEach((doc, index) => {
    if (doc.errors.length) {
      result.failed.add('unknown');
      for (const e of doc.errors) result.issues.push(yamlIssue(file, lc, e));
      return;
    }
    if (doc.contents === null || (isScalar(doc.contents) && doc.contents.value === null)) return; // empty document
    validateDocument(file, index, doc, lc, result);
  });
  return result;
}

/**
 * Parses and validates every document of one file (documents are separated by `---`; empty ones are
 * skipped). Throws a `SpecError` listing every problem of every document.
 */
export function parseDocuments(text: string, file: string): LoadedDoc[] {
  const r = parseFile(text, file);
  if (r.issues.length) throw new SpecError(r.issues);
  return r.docs;
}

// ───────────────────────────── bundle ─────────────────────────────

function refIssue(origin: DocOrigin, i: Check): SpecIssue {
  return {
    file: origin.file,
    ...origin.locate(i.path, i.atKey),
    path: formatPath([...origin.pathPrefix, ...i.path]),
    message: i.message,
  };
}

/** An origin for a document written inline at `base` inside another document. */
function innerOrigin(outer: DocOrigin, base: readonly PathSegment[]): DocOrigin {
  const start = outer.locate(base);
  return {
    file: outer.file,
    index: outer.index,
    line: start.line,
    column: start.column,
    pathPrefix: [...outer.pathPrefix, ...base],
    locate: (path, atKey) => outer.locate([...base, ...path], atKey),
  };
}

function unknownIn(what: string, value: string, known: Iterable<string>): string {
  const list = [...known];
  const hint = didYouMean(value, list);
  if (hint) return `unknown ${what} \`${value}\`${hint}`;
  const shown =
    list
      .slice(0, 8)
      .map((n) => `\`${n}\``)
      .join(', ') + (list.length > 8 ? ', …' : '');
  return `unknown ${what} \`${value}\` (known: ${list.length ? shown : 'none'})`;
}

type Check = RefIssue & { atKey?: boolean };

function checkLoad(load: LoadProfileSpec, topo: TopologySpec): Check[] {
  const out: Check[] = [];
  const entryService = load.entry?.service ?? topo.entry.service;
  load.requests.forEach((r, i) => {
    const svcName = r.service ?? entryService;
    const svc = topo.services.find((s) => s.name === svcName);
    if (!svc) {
      out.push({
        path: ['spec', 'requests', i, 'service'],
        message: unknownIn(
          'service',
          svcName,
          topo.services.map((s) => s.name),
        ),
      });
      return;
    }
    const eps = new Set(svc.versions.flatMap((v) => v.endpoints.map((e) => e.name)));
    if (!eps.has(r.endpoint))
      out.push({
        path: ['spec', 'requests', i, 'endpoint'],
        message: `service \`${svc.name}\` has no endpoint \`${r.endpoint}\`${didYouMean(r.endpoint, eps)}`,
      });
  });
  if (!load.entry) return out;
  const svc = topo.services.find((s) => s.name === load.entry!.service);
  if (!svc)
    out.push({
      path: ['spec', 'entry', 'service'],
      message: unknownIn(
        'service',
        load.entry.service,
        topo.services.map((s) => s.name),
      ),
    });
  else {
    const eps = new Set(svc.versions.flatMap((v) => v.endpoints.map((e) => e.name)));
    if (!eps.has(load.entry.endpoint))
      out.push({
        path: ['spec', 'entry', 'endpoint'],
        message: `service \`${svc.name}\` has no endpoint \`${load.entry.endpoint}\`${didYouMean(load.entry.endpoint, eps)}`,
      });
  }
  return out;
}

function checkPolicy(p: MeshPolicySpec, topo: TopologySpec): Check[] {
  const out: Check[] = [];
  const services = new Map(topo.services.map((s) => [s.name, s]));
  const versionsOf = (svc: string) => services.get(svc)?.versions.map((v) => v.name) ?? [];
  const svcNames = [...services.keys()];
  p.destinations.forEach((d, i) => {
    if (!services.has(d.service)) {
      out.push({
        path: ['spec', 'destinations', i, 'service'],
        message: unknownIn('service', d.service, svcNames),
      });
      return;
    }
    const versions = versionsOf(d.service);
    (d.routes ?? []).forEach((r, j) => {
      for (const subset of Object.keys(r.split))
        if (!versions.includes(subset))
          out.push({
            path: ['spec', 'destinations', i, 'routes', j, 'split', subset],
            atKey: true,
            message: unknownIn(`version of \`${d.service}\``, subset, versions),
          });
    });
  });
  p.security.authorization.forEach((rule, i) => {
    if (rule.to !== '*' && !services.has(rule.to))
      out.push({
        path: ['spec', 'security', 'authorization', i, 'to'],
        message: unknownIn('service', rule.to, svcNames),
      });
    for (const list of ['allow', 'deny'] as const)
      rule[list].forEach((src, j) => {
        const from = src.from;
        // SPIFFE ids, Istio principals and wildcards are not service names
        if (from === undefined || from.includes('*') || from.includes('/')) return;
        if (!services.has(from))
          out.push({
            path: ['spec', 'security', 'authorization', i, list, j, 'from'],
            message: unknownIn('service', from, svcNames),
          });
      });
  });
  p.canaries.forEach((c, i) => {
    if (!services.has(c.service)) {
      out.push({
        path: ['spec', 'canaries', i, 'service'],
        message: unknownIn('service', c.service, svcNames),
      });
      return;
    }
    const versions = versionsOf(c.service);
    for (const f of ['stable', 'canary'] as const)
      if (!versions.includes(c[f]))
        out.push({
          path: ['spec', 'canaries', i, f],
          message: unknownIn(`version of \`${c.service}\``, c[f], versions),
        });
  });
  return out;
}

function checkChaos(c: ChaosSpec, topo: TopologySpec): Check[] {
  const out: Check[] = [];
  const services = new Map(topo.services.map((s) => [s.name, s]));
  const svcNames = [...services.keys()];
  const nodes = topo.nodes.map((n) => n.name);
  const allVersions = [...new Set(topo.services.flatMap((s) => s.versions.map((v) => v.name)))];
  const target = (t: { service?: string; version?: string; node?: string }, base: PathSegment[]) => {
    if (t.service !== undefined && !services.has(t.service))
      out.push({ path: [...base, 'service'], message: unknownIn('service', t.service, svcNames) });
    if (t.version !== undefined) {
      const versions =
        t.service !== undefined
          ? (services.get(t.service)?.versions.map((v) => v.name) ?? null)
          : allVersions;
      if (versions && !versions.includes(t.version))
        out.push({
          path: [...base, 'version'],
          message: unknownIn(t.service ? `version of \`${t.service}\`` : 'version', t.version, versions),
        });
    }
    if (t.node !== undefined && !nodes.includes(t.node))
      out.push({ path: [...base, 'node'], message: unknownIn('node', t.node, nodes) });
  };
  c.faults.forEach((f, i) => {
    const base: PathSegment[] = ['spec', 'faults', i];
    if (f.type === 'node-down') {
      if (!nodes.includes(f.node))
        out.push({ path: [...base, 'node'], message: unknownIn('node', f.node, nodes) });
    } else if (f.type === 'partition') {
      f.between.forEach((t, j) => target(t, [...base, 'between', j]));
    } else target(f.target, [...base, 'target']);
  });
  c.steadyState.forEach((p, i) => {
    if (p.service !== undefined && !services.has(p.service))
      out.push({
        path: ['spec', 'steadyState', i, 'service'],
        message: unknownIn('service', p.service, svcNames),
      });
  });
  return out;
}

/**
 * Loads a set of sources into one Bundle.
 *
 * - Documents are sorted by kind. Without a Scenario: exactly one Topology, at most one LoadProfile,
 *   any number of MeshPolicy and ChaosExperiment documents.
 * - With a Scenario (at most one): its references (paths relative to its file, read through
 *   `resolve`, or inline documents) win; what it leaves out comes from the other documents (and the
 *   LoadProfile from the topology's file when the Scenario names no `load`).
 * - References between documents are checked (policy destinations, route subsets, chaos targets,
 *   the load's entry). Every problem of every document is collected into one `SpecError`.
 */
export function loadBundle(sources: readonly Source[], resolve?: Resolver): Bundle {
  const issues: SpecIssue[] = [];
  const cache = new Map<string, FileResult>();
  const parse = (src: Source): FileResult => {
    let r = cache.get(src.file);
    if (!r) {
      r = parseFile(src.text, src.file);
      cache.set(src.file, r);
      issues.push(...r.issues);
    }
    return r;
  };
  const loose: LoadedDoc[] = [];
  const failed = new Set<Kind | 'unknown'>();
  for (const src of sources) {
    const r = parse(src);
    loose.push(...r.docs);
    for (const f of r.failed) failed.add(f);
  }
  const ofKind = <K extends Kind>(docs: readonly LoadedDoc[], kind: K) =>
    docs.filter((d): d is LoadedDocOf<K> => d.kind === kind);
  const at = (d: LoadedDoc) => `${d.origin.file}:${d.origin.line}:${d.origin.column}`;
  const docIssue = (d: LoadedDoc, message: string): SpecIssue => ({
    file: d.origin.file,
    line: d.origin.line,
    column: d.origin.column,
    path: '',
    message,
  });

  const scenarios = ofKind(loose, 'Scenario');
  for (const extra of scenarios.slice(1))
    issues.push(
      docIssue(
        extra,
        `a second Scenario \`${extra.value.name}\`: one run takes one Scenario (the first is at ${at(scenarios[0]!)})`,
      ),
    );
  const scenario = scenarios[0];

  let topologies = ofKind(loose, 'Topology');
  let loads = ofKind(loose, 'LoadProfile');
  let policies = ofKind(loose, 'MeshPolicy');
  let chaos = ofKind(loose, 'ChaosExperiment');
  // a document that failed may be the missing Topology (or a Scenario naming one): no second error for it
  let topologyFailed = failed.has('Topology') || failed.has('Scenario') || failed.has('unknown');

  if (scenario) {
    const draft = scenario.value;
    const follow = <K extends Exclude<Kind, 'Scenario'>>(
      ref: Ref<DocValues[K]>,
      kind: K,
      path: PathSegment[],
    ): { docs: LoadedDocOf<K>[]; file?: FileResult; ok: boolean } => {
      if ('inline' in ref)
        return {
          docs: [{ kind, value: ref.inline, origin: innerOrigin(scenario.origin, path) } as LoadedDocOf<K>],
          ok: true,
        };
      const fail = (message: string) => {
        issues.push(refIssue(scenario.origin, { path, message }));
        return { docs: [], ok: false };
      };
      if (!resolve)
        return fail(
          `cannot read \`${ref.file}\`: no resolver was given (read files from disk with loadFiles)`,
        );
      let src: Source;
      try {
        src = resolve(scenario.origin.file, ref.file);
      } catch (e) {
        return fail(`cannot read \`${ref.file}\`: ${e instanceof Error ? e.message : String(e)}`);
      }
      const r = parse(src);
      const docs = ofKind(r.docs, kind);
      if (r.issues.length) return { docs, file: r, ok: false };
      if (docs.length === 0) return fail(`\`${ref.file}\` holds no ${kind} document`);
      return { docs, file: r, ok: true };
    };
    let topologyFile: FileResult | undefined;
    if (draft.topology) {
      const t = follow(draft.topology, 'Topology', ['spec', 'topology']);
      topologies = t.docs;
      topologyFile = t.file;
      topologyFailed = !t.ok;
    }
    if (draft.load) {
      loads = follow(draft.load, 'LoadProfile', ['spec', 'load']).docs;
    } else if (topologyFile && ofKind(topologyFile.docs, 'LoadProfile').length) {
      loads = ofKind(topologyFile.docs, 'LoadProfile');
    }
    if (draft.policies)
      policies = draft.policies.flatMap((ref, i) => follow(ref, 'MeshPolicy', ['spec', 'policies', i]).docs);
    if (draft.chaos)
      chaos = draft.chaos.flatMap((ref, i) => follow(ref, 'ChaosExperiment', ['spec', 'chaos', i]).docs);
  }

  if (topologies.length === 0 && !topologyFailed) {
    const files = sources.map((s) => s.file).join(', ') || '(no files)';
    const first = sources[0]?.file ?? '<input>';
    issues.push(
      scenario
        ? refIssue(scenario.origin, {
            path: ['spec'],
            message: 'the Scenario names no `topology` and no Topology document was given',
          })
        : {
            file: first,
            line: 1,
            column: 1,
            path: '',
            message: `no Topology document in ${files}: exactly one is needed`,
          },
    );
  }
  for (const extra of topologies.slice(1))
    issues.push(
      docIssue(
        extra,
        `a second Topology \`${extra.value.name}\` (the first is \`${topologies[0]!.value.name}\` at ${at(topologies[0]!)}): exactly one Topology is allowed`,
      ),
    );
  for (const extra of loads.slice(1))
    issues.push(
      docIssue(
        extra,
        `a second LoadProfile \`${extra.value.name}\` (the first is at ${at(loads[0]!)}): at most one LoadProfile is allowed`,
      ),
    );

  const topology = topologies.length === 1 ? topologies[0]!.value : undefined;
  const load = loads[0]?.value;
  if (topology) {
    const report = (d: LoadedDoc, checks: Check[]) => {
      for (const c of checks) issues.push(refIssue(d.origin, c));
    };
    if (loads[0]) report(loads[0], checkLoad(loads[0].value, topology));
    for (const p of policies) report(p, checkPolicy(p.value, topology));
    // roles (`select: leaf`) become services here, once: what follows sees concrete targets only
    chaos = chaos.map((c) => {
      const r = resolveChaosTargets(c.value, topology, load);
      report(c, r.issues);
      if (!r.issues.length) report(c, checkChaos(r.chaos, topology));
      return { ...c, value: r.chaos };
    });
  }

  if (issues.length) throw new SpecError(issues);

  const bundle: Bundle = {
    ...(topology && { topology }),
    ...(load && { load }),
    chaos: chaos.map((c) => c.value),
    policies: policies.map((p) => p.value),
  };
  if (scenario && topology) {
    const d = scenario.value;
    bundle.scenario = {
      name: d.name,
      topology,
      policies: bundle.policies,
      ...(load && { load }),
      chaos: bundle.chaos,
      seed: d.seed,
      ...(d.duration !== undefined && { duration: d.duration }),
      interval: d.interval,
      sampling: d.sampling,
    };
  }
  return bundle;
}
