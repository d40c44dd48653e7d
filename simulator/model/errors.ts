/**
 * Spec errors: every problem found in user documents, each pointing at a file, line, column and
 * field path, e.g.
 *
 *   topologies/shop.yaml:14:9 spec.services[2].concurrency: expected a positive integer, got -1
 *
 * Isomorphic (no `node:` imports).
 */

/** One problem in a document. `line` and `column` are 1-based; `path` is `''` for problems that
 *  concern the YAML text itself (syntax errors) or a whole file. */
export interface SpecIssue {
  file: string;
  line: number;
  column: number;
  /** Field path inside the document, e.g. `spec.services[2].concurrency`. */
  path: string;
  message: string;
}

export type PathSegment = string | number;

const IDENT = /^[A-Za-z_$][A-Za-z0-9_$-]*$/;

/** `['spec', 'services', 2, 'concurrency']` → `spec.services[2].concurrency`; odd keys are quoted: `headers["x y"]`. */
export function formatPath(path: readonly PathSegment[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (IDENT.test(seg)) out += out === '' ? seg : `.${seg}`;
    else out += `[${JSON.stringify(seg)}]`;
  }
  return out;
}

/** Formats one issue as `file:line:col path: message` (the path is left out when empty). */
export function formatIssue(issue: SpecIssue): string {
  const where = `${issue.file}:${issue.line}:${issue.column}`;
  return issue.path ? `${where} ${issue.path}: ${issue.message}` : `${where} ${issue.message}`;
}

/**
 * Thrown by the loaders when documents are malformed or inconsistent. Carries every issue found
 * (not only the first), sorted by file (in order of first appearance), line and column.
 */
export class SpecError extends Error {
  readonly issues: readonly SpecIssue[];

  constructor(issues: readonly SpecIssue[]) {
    const sorted = sortIssues(issues);
    super(sorted.length === 0 ? 'invalid spec' : sorted.map(formatIssue).join('\n'));
    this.name = 'SpecError';
    this.issues = sorted;
  }

  /** One line per issue: `file:line:col path: message`. */
  format(): string {
    return this.issues.map(formatIssue).join('\n');
  }
}

export function isSpecError(e: unknown): e is SpecError {
  return e instanceof SpecError;
}

function sortIssues(issues: readonly SpecIssue[]): SpecIssue[] {
  const fileOrder = new Map<string, number>();
  for (const i of issues) if (!fileOrder.has(i.file)) fileOrder.set(i.file, fileOrder.size);
  const seen = new Set<string>();
  const unique: SpecIssue[] = [];
  for (const i of issues) {
    const key = `${i.file}\u0000${i.line}\u0000${i.column}\u0000${i.path}\u0000${i.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    unique.push({ ...i });
  }
  return unique
    .map((issue, n) => ({ issue, n }))
    .sort(
      (a, b) =>
        fileOrder.get(a.issue.file)! - fileOrder.get(b.issue.file)! ||
        a.issue.line - b.issue.line ||
        a.issue.column - b.issue.column ||
        a.n - b.n,
    )
    .map((x) => x.issue);
}

// ───────────────────────────── suggestions ─────────────────────────────

/** Optimal-string-alignment distance (Levenshtein with adjacent transpositions). */
export function editDistance(a: string, b: string): number {
  const m = a.length;
  const n = b.length;
  if (m === 0) return n;
  if (n === 0) return m;
  let prev2: number[] = [];
  let prev: number[] = Array.from({ length: n + 1 }, (_, j) => j);
  for (let i = 1; i <= m; i++) {
    const cur: number[] = [i];
    for (let j = 1; j <= n; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        d = Math.min(d, prev2[j - 2]! + 1);
      cur.push(d);
    }
    prev2 = prev;
    prev = cur;
  }
  return prev[n]!;
}

const squash = (s: string): string => s.toLowerCase().replace(/[-_\s]/g, '');

/** The candidate closest to `input` when it is plausibly a typo of it (`concurency` → `concurrency`,
 *  `ROUND_ROBIN` → `round-robin`), else undefined. */
export function suggest(input: unknown, candidates: Iterable<string>): string | undefined {
  if (typeof input !== 'string' || input.length === 0 || input.length > 64) return undefined;
  const list = [...candidates];
  let best: string | undefined;
  let bestD = Infinity;
  let ties = 0;
  const sq = squash(input);
  for (const c of list) {
    if (c === input) return undefined;
    if (squash(c) === sq) return c;
    const d = Math.min(editDistance(input, c), editDistance(input.toLowerCase(), c.toLowerCase()) + 0.5);
    if (d < bestD) {
      bestD = d;
      best = c;
      ties = 1;
    } else if (d === bestD) ties++;
  }
  if (best === undefined) return undefined;
  if (input.length >= 3) {
    const prefixed = list.filter((c) => c.toLowerCase().startsWith(input.toLowerCase()));
    if (prefixed.length === 1) return prefixed[0];
  }
  const limit = Math.max(1, Math.floor(Math.max(input.length, best.length) / 3));
  // `v4` is as close to `v1` as to `v2`: an ambiguous guess is no help
  return bestD <= limit && ties === 1 ? best : undefined;
}

/** ` (did you mean `x`?)` or `''`. */
export function didYouMean(input: unknown, candidates: Iterable<string>): string {
  const s = suggest(input, candidates);
  return s === undefined ? '' : ` (did you mean \`${s}\`?)`;
}
