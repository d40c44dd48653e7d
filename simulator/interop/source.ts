/**
 * Manifests as read by the importers: multi-document YAML or JSON text → resources, each able to
 * point at the line and column of any of its fields (for the report and for errors).
 *
 * Isomorphic (no `node:` imports): the CLI reads files and directories, the UI passes pasted text.
 */
import { isMap, isScalar, isSeq, LineCounter, parseAllDocuments, type Document } from 'yaml';
import { formatPath, type PathSegment, type SpecIssue } from '../model/errors.ts';

export interface ManifestSource {
  file: string;
  text: string;
}

/** One Kubernetes-style object (or a Consul / App Mesh config entry) with positions. */
export interface Resource {
  file: string;
  /** Document index in the file. */
  index: number;
  apiVersion: string;
  kind: string;
  name: string;
  namespace: string;
  /** The whole object as plain JS. */
  body: Record<string, unknown>;
  /** `file:line:col` of a field path (nearest existing parent when absent). */
  at(path: readonly PathSegment[]): { line: number; column: number };
  /** Path prefix inside the document (a `List`'s `items[3]`). */
  prefix: readonly PathSegment[];
}

export const isObj = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v);

function locator(doc: Document.Parsed, lc: LineCounter) {
  return (path: readonly PathSegment[]): { line: number; column: number } => {
    let node: unknown = doc.contents;
    let best = (node as { range?: number[] } | null)?.range?.[0] ?? 0;
    for (const seg of path) {
      let next: unknown;
      if (isMap(node)) {
        const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(seg));
        if (!pair) break;
        next = pair.value ?? pair.key;
      } else if (isSeq(node) && typeof seg === 'number') next = node.items[seg];
      else break;
      const r = (next as { range?: number[] } | null)?.range;
      if (!r) break;
      best = r[0]!;
      node = next;
    }
    const pos = lc.linePos(best);
    return { line: Math.max(1, pos.line), column: Math.max(1, pos.col) };
  };
}

/** Consul config entries are PascalCase (`Kind`, `Routes`, `ServiceSubset`): read them camelCased. */
function camelKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(camelKeys);
  if (!isObj(v)) return v;
  return Object.fromEntries(
    Object.entries(v).map(([k, x]) => [
      /^[A-Z][a-z]/.test(k) ? k[0]!.toLowerCase() + k.slice(1) : k,
      camelKeys(x),
    ]),
  );
}

export interface ParsedSources {
  resources: Resource[];
  issues: SpecIssue[];
}

/** Consul config-entry kinds (`Kind: service-router`), read without a Kubernetes envelope. */
export const CONSUL_ENTRY_KINDS = [
  'service-router',
  'service-splitter',
  'service-resolver',
  'service-defaults',
  'service-intentions',
  'proxy-defaults',
  'mesh',
];

/**
 * Parses every document of every source. A document that is not an object with a kind (or a
 * Consul entry, or App Mesh API JSON) is an issue at its position; YAML errors are issues too.
 */
export function parseSources(sources: readonly ManifestSource[]): ParsedSources {
  const resources: Resource[] = [];
  const issues: SpecIssue[] = [];
  for (const src of sources) {
    const lc = new LineCounter();
    const docs = parseAllDocuments(src.text, {
      lineCounter: lc,
      prettyErrors: false,
      uniqueKeys: true,
      merge: true,
    });
    const list = Array.isArray(docs) ? docs : [];
    if (!Array.isArray(docs))
      for (const e of (docs as { errors: { message: string; pos: [number, number] }[] }).errors ?? []) {
        const p = lc.linePos(e.pos[0]);
        issues.push({ file: src.file, line: p.line, column: p.col, path: '', message: `YAML: ${e.message}` });
      }
    list.forEach((doc, index) => {
      if (doc.errors.length) {
        for (const e of doc.errors) {
          const p = lc.linePos(e.pos[0]);
          issues.push({
            file: src.file,
            line: Math.max(1, p.line),
            column: Math.max(1, p.col),
            path: '',
            message: `YAML: ${e.message.replace(/\s+at line \d+, column \d+[\s\S]*$/, '')}`,
          });
        }
        return;
      }
      if (doc.contents === null || (isScalar(doc.contents) && doc.contents.value === null)) return;
      const at = locator(doc, lc);
      let js: unknown;
      try {
        js = doc.toJS({ maxAliasCount: 100 });
      } catch (e) {
        issues.push({ file: src.file, ...at([]), path: '', message: `YAML: ${(e as Error).message}` });
        return;
      }
      const push = (body: unknown, prefix: PathSegment[]) => {
        const where = (p: readonly PathSegment[]) => at([...prefix, ...p]);
        const r = toResource(src.file, index, body, where, prefix);
        if (typeof r === 'string')
          issues.push({ file: src.file, ...where([]), path: formatPath(prefix), message: r });
        else resources.push(r);
      };
      if (Array.isArray(js)) js.forEach((item, i) => push(item, [i]));
      else if (isObj(js) && js.kind === 'List' && Array.isArray(js.items))
        js.items.forEach((item, i) => push(item, ['items', i]));
      else push(js, []);
    });
  }
  return { resources, issues };
}

function toResource(
  file: string,
  index: number,
  raw: unknown,
  at: (p: readonly PathSegment[]) => { line: number; column: number },
  prefix: PathSegment[],
): Resource | string {
  if (!isObj(raw))
    return 'expected a Kubernetes object, a Consul config entry or App Mesh API JSON, got no mapping';
  let body = raw;
  // Consul config entry (HCL-free JSON/YAML): `Kind: service-router`, `Name: reviews`
  const entryKind =
    typeof raw.Kind === 'string' ? raw.Kind : typeof raw.kind === 'string' ? raw.kind : undefined;
  if (entryKind && CONSUL_ENTRY_KINDS.includes(entryKind) && raw.apiVersion === undefined) {
    body = camelKeys(raw) as Record<string, unknown>;
    return {
      file,
      index,
      apiVersion: 'consul/config-entry',
      kind: entryKind,
      name: String(body.name ?? ''),
      namespace: String(body.namespace ?? 'default'),
      body,
      at,
      prefix,
    };
  }
  // App Mesh API JSON (`aws appmesh create-route --cli-input-json`, or describe-* output)
  const am = isObj(raw.route)
    ? raw.route
    : isObj(raw.virtualNode)
      ? raw.virtualNode
      : isObj(raw.virtualRouter)
        ? raw.virtualRouter
        : raw;
  if (raw.apiVersion === undefined && typeof am.meshName === 'string') {
    const kind =
      'routeName' in am
        ? 'Route'
        : 'virtualNodeName' in am
          ? 'VirtualNode'
          : 'virtualRouterName' in am
            ? 'VirtualRouter'
            : undefined;
    if (!kind) return 'App Mesh API JSON without `routeName`, `virtualNodeName` or `virtualRouterName`';
    const name = String(am.routeName ?? am.virtualNodeName ?? am.virtualRouterName);
    const key =
      am === raw
        ? []
        : [kind === 'Route' ? 'route' : kind === 'VirtualNode' ? 'virtualNode' : 'virtualRouter'];
    return {
      file,
      index,
      apiVersion: 'appmesh/api',
      kind,
      name,
      namespace: 'default',
      body: am,
      at: (p: readonly PathSegment[]) => at([...key, ...p]),
      prefix: [...prefix, ...key],
    };
  }
  if (typeof raw.kind !== 'string')
    return 'missing `kind`: expected a Kubernetes object (apiVersion, kind, metadata, spec)';
  if (typeof raw.apiVersion !== 'string') return `missing \`apiVersion\` in a \`${raw.kind}\``;
  const meta = isObj(raw.metadata) ? raw.metadata : {};
  return {
    file,
    index,
    apiVersion: raw.apiVersion,
    kind: raw.kind,
    name: String(meta.name ?? ''),
    namespace: String(meta.namespace ?? 'default'),
    body,
    at,
    prefix,
  };
}

/** The API group of an apiVersion (`networking.istio.io/v1` → `networking.istio.io`; `v1` → ``). */
export const groupOf = (apiVersion: string): string =>
  apiVersion.includes('/') ? apiVersion.split('/')[0]! : '';
