import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadFiles } from '../../simulator/cli/files.ts';
import { SpecError } from '../../simulator/model/index.ts';
import { BOOKINFO, MM1, RESILIENT } from '../model/fixtures.ts';

const dir = mkdtempSync(join(tmpdir(), 'meshdojo-model-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const write = (rel: string, text: string) => {
  const file = join(dir, rel);
  mkdirSync(join(file, '..'), { recursive: true });
  writeFileSync(file, text);
  return file;
};

describe('loadFiles (node only)', () => {
  it('reads files from disk', () => {
    const bundle = loadFiles([write('mm1.yaml', MM1)]);
    expect(bundle.topology?.name).toBe('mm1');
    expect(bundle.load?.name).toBe('steady');
  });

  it('resolves scenario references relative to the scenario file', () => {
    write('topologies/bookinfo.yaml', BOOKINFO);
    write('policies/resilient.yaml', RESILIENT);
    const scenario = write(
      'scenarios/s.yaml',
      `apiVersion: meshdojo/v1
kind: Scenario
metadata: { name: s }
spec:
  topology: ../topologies/bookinfo.yaml
  policies: ../policies/resilient.yaml
  duration: 1m
`,
    );
    const bundle = loadFiles([scenario]);
    expect(bundle.scenario).toMatchObject({ name: 's', duration: 60_000, seed: 1 });
    expect(bundle.topology?.name).toBe('bookinfo');
    expect(bundle.policies.map((p) => p.name)).toEqual(['resilient']);
  });

  it('reports errors in a referenced file with that file’s name', () => {
    write('topologies/broken.yaml', BOOKINFO.replace('placement: [node-a]', 'placement: [node-c]'));
    const scenario = write(
      'scenarios/broken.yaml',
      'apiVersion: meshdojo/v1\nkind: Scenario\nmetadata: { name: b }\nspec:\n  topology: ../topologies/broken.yaml\n',
    );
    try {
      loadFiles([scenario]);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(SpecError);
      expect((e as SpecError).format()).toBe(
        `${join(dir, 'topologies/broken.yaml')}:13:19 spec.services[0].placement[0]: unknown node \`node-c\` (known: \`node-a\`, \`node-b\`)`,
      );
    }
  });

  it('an unreadable file is a SpecError too', () => {
    expect(() => loadFiles([join(dir, 'nope.yaml')])).toThrowError(
      /nope\.yaml:1:1 cannot read file: no such file/,
    );
    const scenario = write(
      'scenarios/dangling.yaml',
      'apiVersion: meshdojo/v1\nkind: Scenario\nmetadata: { name: d }\nspec:\n  topology: missing.yaml\n',
    );
    expect(() => loadFiles([scenario])).toThrowError(
      /dangling\.yaml:5:13 spec\.topology: cannot read `missing\.yaml`: no such file/,
    );
  });
});
