/**
 * Acceptance 2 and the CLI contract: unmapped fields are reported by path with a reason;
 * malformed or unknown resources exit 2 with file:line; export never writes over an input or into
 * a non-empty directory; `run` takes the manifests directly.
 */
import { mkdtempSync, readFileSync, writeFileSync, mkdirSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { importManifests, importText } from '../../simulator/interop/import.ts';
import { isSpecError } from '../../simulator/model/errors.ts';
import { runCli } from '../cli/helpers.ts';

const tmp = () => mkdtempSync(join(tmpdir(), 'meshdojo-interop-'));

const vsWithExtras = `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: reviews }
spec:
  hosts: [reviews]
  http:
    - route: [ { destination: { host: reviews, subset: v1 } } ]
      mirror: { host: reviews, subset: v2 }
      corsPolicy: { allowOrigins: [ { exact: "https://x" } ] }
      retries: { attempts: 3, retryOn: "5xx,retriable-headers" }
      shinyNewField: 1
`;

describe('import report', () => {
  it('lists every field it does not map, by path, with the reason and the line', () => {
    const r = importText(vsWithExtras, 'vs.yaml');
    const byPath = Object.fromEntries(r.report.unmapped.map((n) => [n.path, n]));
    expect(byPath['spec.http[0].mirror']!.note).toMatch(/not modelled/);
    expect(byPath['spec.http[0].mirror']!.line).toBe(8);
    expect(byPath['spec.http[0].corsPolicy']).toBeDefined();
    expect(byPath['spec.http[0].shinyNewField']!.line).toBe(11);
    const approx = r.report.approximated.find((n) => n.path === 'spec.http[0].retries.retryOn')!;
    expect(approx.note).toMatch(/retriable-headers/);
    expect(r.policy.destinations[0]!.retries!.retryOn).toEqual(['5xx']);
  });

  it('a field no importer rule claims is still reported (never dropped silently)', () => {
    const text = `apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: { name: default, namespace: istio-system }
spec: { mtls: { mode: STRICT }, futureKnob: { a: 1 } }
`;
    const r = importText(text, 'pa.yaml');
    expect(r.report.unmapped.map((n) => n.path)).toContain('spec.futureKnob.a');
    expect(r.policy.security.mtls).toBe('strict');
  });

  it('a mesh annotation nobody reads (a typo) is reported; bookkeeping annotations are not', () => {
    const r = importText(readFileSync('test/interop/fixtures/linkerd-typo.yaml', 'utf8'), 'typo.yaml');
    const paths = r.report.unmapped.map((n) => n.path);
    expect(paths).toContain('metadata.annotations["retry.linkerd.io/limt"]');
    expect(paths.some((x) => x.includes('kubectl'))).toBe(false);
  });

  it('reports the defaults the product fills in, and Kiali-like findings with codes', () => {
    const text = `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: reviews }
spec:
  hosts: [reviews]
  http:
    - route:
        - { destination: { host: reviews, subset: v1 }, weight: 70 }
        - { destination: { host: reviews, subset: v9 }, weight: 20 }
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: { name: reviews }
spec:
  host: reviews
  subsets: [ { name: v1, labels: { version: v1 } }, { name: v7, labels: { version: v7 } } ]
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: { name: ghost }
spec: { host: ghost }
`;
    const topo = readFileSync('topologies/bookinfo.yaml', 'utf8').split(/^---$/m)[0]!;
    const r = importManifests([
      { file: 'p.yaml', text },
      { file: 'bookinfo.yaml', text: topo },
    ]);
    const codes = r.report.findings.map((f) => f.code).sort();
    // v9: no subset (KIA1107) and no version (MDJ0102); v7 matches no pod (KIA0203); 70 + 20 (KIA1104); ghost (KIA0202)
    expect(codes).toEqual(['KIA0202', 'KIA0203', 'KIA1104', 'KIA1107', 'MDJ0102']);
    const undefinedSubset = r.report.findings.find((f) => f.code === 'KIA1107')!;
    expect(undefinedSubset.severity).toBe('error');
    expect(undefinedSubset.line).toBe(9);
    expect(r.report.defaults.some((d) => d.field === 'destinations[reviews].retries')).toBe(true);
  });
});

describe('bad input: exit 2 with file:line', () => {
  it('an unknown resource kind', () => {
    const d = tmp();
    const f = join(d, 'x.yaml');
    writeFileSync(
      f,
      'apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: { name: a }\nspec: { hosts: [a] }\n---\napiVersion: example.com/v1\nkind: Widget\nmetadata: { name: w }\n',
    );
    const r = runCli(['import', f]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(
      new RegExp(`error: ${f}:7:7 kind: unknown resource \`example.com/v1\` \`Widget\``),
    );
    expect(r.stderr).not.toMatch(/at .*\.ts:\d+/);
  });

  it('a malformed value (a duration without a unit) and a YAML syntax error', () => {
    expect(() =>
      importText(
        'apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: { name: a }\nspec:\n  hosts: [a]\n  http:\n    - timeout: 10\n      route: [ { destination: { host: a } } ]\n',
        'bad.yaml',
      ),
    ).toThrow(/bad\.yaml:7:16 spec\.http\[0\]\.timeout: expected a duration with a unit/);
    let err: unknown;
    try {
      importText('kind: [\n', 'syntax.yaml');
    } catch (e) {
      err = e;
    }
    expect(isSpecError(err)).toBe(true);
    expect((err as Error).message).toMatch(/^syntax\.yaml:\d+:\d+ YAML:/);
  });

  it('a file that holds no mesh resource', () => {
    const r = runCli(['import', 'topologies/bookinfo.yaml']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/topologies\/bookinfo\.yaml:\d+:\d+ kind: no mesh resource here/);
  });
});

describe('meshdojo import / export / run', () => {
  it('imports a directory to a MeshPolicy file that `validate` accepts, without touching the inputs', () => {
    const d = tmp();
    const out = join(d, 'policy.yaml');
    const r = runCli([
      'import',
      'test/interop/fixtures/linkerd',
      '--out',
      out,
      '--report',
      join(d, 'report.json'),
      '--format',
      'json',
    ]);
    expect(r.status).toBe(0);
    expect(readFileSync(out, 'utf8')).toMatch(/kind: MeshPolicy/);
    expect(JSON.parse(readFileSync(join(d, 'report.json'), 'utf8')).dialect).toBe('linkerd');
    expect(runCli(['validate', 'topologies/bookinfo.yaml', out]).status).toBe(0);
    const over = runCli([
      'import',
      'test/interop/fixtures/istio/bookinfo.yaml',
      '--out',
      'test/interop/fixtures/istio/bookinfo.yaml',
    ]);
    expect(over.status).toBe(2);
    expect(over.stderr).toMatch(/never writes over an input/);
  });

  it('run accepts the manifests directly', () => {
    const r = runCli([
      'run',
      'topologies/bookinfo.yaml',
      'test/interop/fixtures/istio/bookinfo.yaml',
      '--duration',
      '2s',
      '--quiet',
      '--format',
      'json',
    ]);
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout).summary.requests).toBeGreaterThan(100);
  });

  it('export refuses a non-empty --out directory unless --force, and writes the stub Dockerfile for k8s', () => {
    const d = tmp();
    mkdirSync(join(d, 'out'));
    writeFileSync(join(d, 'out', 'keep.txt'), 'x');
    const refused = runCli(['export', 'topologies/bookinfo.yaml', '--to', 'k8s', '--out', join(d, 'out')]);
    expect(refused.status).toBe(2);
    expect(refused.stderr).toMatch(/is not empty/);
    const ok = runCli([
      'export',
      'topologies/bookinfo.yaml',
      '--to',
      'k8s',
      '--out',
      join(d, 'out'),
      '--force',
    ]);
    expect(ok.status).toBe(0);
    expect(readdirSync(join(d, 'out')).sort()).toEqual(['Dockerfile.stub', 'bookinfo.k8s.yaml', 'keep.txt']);
    expect(readFileSync(join(d, 'out', 'bookinfo.k8s.yaml'), 'utf8')).toMatch(/image: meshdojo\/stub:local/);
  });
});
