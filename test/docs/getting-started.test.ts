/**
 * docs/getting-started.md, word for word: every line of its `sh` blocks runs in a fresh copy of
 * the repository's content (a temporary folder, so nothing it writes lands in the checkout), with
 * this checkout's node_modules. `npm ci` is the one line not run again: the test runs inside an
 * installed checkout, and a second install is CI's own first step. `scripts/` is copied too: npm 11
 * runs a package's own bin (`npx meshdojo` inside it) by linking it into the npx cache, which runs
 * its `prepare` script (the bundle build) the first time, as on a newcomer's machine.
 */
import { execSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT } from '../cli/helpers.ts';

const page = readFileSync(join(ROOT, 'docs/getting-started.md'), 'utf8');
const commands = [...page.matchAll(/```sh\n([\s\S]*?)```/g)].flatMap((m) =>
  m[1]!
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#')),
);

const work = mkdtempSync(join(tmpdir(), 'meshdojo-getting-started-'));
for (const dir of ['bin', 'scripts', 'simulator', 'topologies', 'chaos', 'labs', 'docs'])
  cpSync(join(ROOT, dir), join(work, dir), { recursive: true });
cpSync(join(ROOT, 'package.json'), join(work, 'package.json'));
symlinkSync(join(ROOT, 'node_modules'), join(work, 'node_modules'), 'dir');
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Exit codes a page says to expect: the broken-cascade run violates its steady state (1). */
const EXPECTED_EXIT: Record<string, number> = {
  'npx meshdojo run topologies/bookinfo-no-timeouts.yaml chaos/bookinfo-ratings-slow.yaml': 1,
};

describe('docs/getting-started.md', () => {
  it('has the commands a newcomer types', () => {
    expect(commands[0]).toBe('npm ci');
    expect(commands.length).toBeGreaterThanOrEqual(7);
  });

  for (const cmd of commands) {
    if (cmd === 'npm ci') continue;
    it(`runs: ${cmd}`, () => {
      let code = 0;
      let out = '';
      try {
        out = execSync(cmd, {
          cwd: work,
          encoding: 'utf8',
          stdio: ['ignore', 'pipe', 'pipe'],
          timeout: 120_000,
          env: { ...process.env, NO_COLOR: '1' },
        });
      } catch (e) {
        const err = e as { status?: number; stdout?: string };
        code = err.status ?? -1;
        out = err.stdout ?? '';
      }
      expect(code).toBe(EXPECTED_EXIT[cmd] ?? 0);
      // What the page promises each command shows.
      if (cmd.startsWith('npx meshdojo run ')) expect(out).toMatch(/hash [0-9a-f]{12}/);
      if (cmd.endsWith('lab list')) expect(out).toContain('cascade');
      if (cmd.includes('lab check')) expect(out).toContain('NOT YET');
    });
  }
});
