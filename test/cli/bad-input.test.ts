/**
 * Bad input through the real command: exit 2, `file:line:col path: message`, no stack trace, and
 * nothing written to --out.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const dir = mkdtempSync(join(tmpdir(), 'meshdojo-bad-'));
const topo = (services: string) => `apiVersion: meshdojo/v1
kind: Topology
metadata: { name: t }
spec:
  entry: { service: a, endpoint: GET / }
  services:
${services}
`;
const load = (rate: string) => `---
apiVersion: meshdojo/v1
kind: LoadProfile
metadata: { name: l }
spec: { executor: constant-arrival-rate, rate: ${rate}, duration: 10s }
`;
const okServices = `    - { name: a, endpoints: [ { name: GET /, serviceTime: 1ms } ] }`;

const cases: { name: string; text: string; where: RegExp }[] = [
  {
    name: 'unknown kind',
    text: `apiVersion: meshdojo/v1\nkind: Topolgy\nmetadata: { name: t }\nspec: {}\n`,
    where: /:2:\d+ kind: .*Topology/,
  },
  {
    name: 'wrong type',
    text:
      topo(`    - { name: a, concurrency: many, endpoints: [ { name: GET /, serviceTime: 1ms } ] }`) +
      load('10'),
    where: /:7:\d+ spec\.services\[0\]\.concurrency: /,
  },
  {
    name: 'missing service referenced by a call',
    text:
      topo(
        `    - { name: a, endpoints: [ { name: GET /, serviceTime: 1ms, calls: [ { service: nowhere } ] } ] }`,
      ) + load('10'),
    where: /:7:\d+ spec\.services\[0\]\.endpoints\[0\]\.calls\[0\]\.service: .*nowhere/,
  },
  {
    name: 'a call cycle',
    text:
      topo(`    - { name: a, endpoints: [ { name: GET /, serviceTime: 1ms, calls: [ { service: b } ] } ] }
    - { name: b, endpoints: [ { name: GET /, serviceTime: 1ms, calls: [ { service: a } ] } ] }`) + load('10'),
    where: /:\d+:\d+ spec\.services\[\d\]\.endpoints\[0\]\.calls\[0\].*cycle/,
  },
  { name: 'negative rate', text: topo(okServices) + load('-5'), where: /:\d+:\d+ spec\.rate: / },
  {
    name: 'malformed YAML',
    text: `apiVersion: meshdojo/v1\nkind: Topology\nspec: { entry: [ }\n`,
    where: /:3:\d+ /,
  },
];

describe('bad input through the CLI', () => {
  for (const c of cases) {
    it(`${c.name}: exit 2 with file:line and field path, no stack`, () => {
      const file = join(dir, `${c.name.replace(/\W+/g, '-')}.yaml`);
      const out = join(dir, `${c.name.replace(/\W+/g, '-')}.json`);
      writeFileSync(file, c.text);
      for (const args of [
        ['validate', file],
        ['run', file, '--format', 'json', '--out', out],
      ]) {
        const r = spawnSync(process.execPath, ['bin/meshdojo.mjs', ...args], { encoding: 'utf8' });
        expect(r.status, r.stderr).toBe(2);
        expect(r.stderr).toContain(file);
        expect(r.stderr).toMatch(c.where);
        expect(r.stderr).not.toMatch(/\n\s+at /);
      }
      expect(existsSync(out)).toBe(false);
    });
  }
});
