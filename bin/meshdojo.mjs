#!/usr/bin/env node
// The `meshdojo` command. Runs the pre-built bundle (dist/meshdojo.mjs, built by `npm ci` through
// `prepare`, or `npm run build`) when it is newer than every source file under simulator/;
// otherwise registers tsx (TypeScript on the fly) and runs simulator/cli/main.ts, as in
// development. MESHDOJO_NO_BUNDLE=1 forces the tsx path; MESHDOJO_REQUIRE_BUNDLE=1 fails without a
// current bundle (the test that compares both paths).
import { readdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

/** The bundle's URL when it exists and no source under simulator/ is newer; else null. */
function currentBundle() {
  if (process.env.MESHDOJO_NO_BUNDLE === '1') return null;
  let built;
  try {
    built = statSync(`${root}dist/meshdojo.mjs`).mtimeMs;
  } catch {
    return null;
  }
  for (const f of readdirSync(`${root}simulator`, { recursive: true })) {
    if (f.endsWith('.ts') && statSync(`${root}simulator/${f}`).mtimeMs > built) return null;
  }
  return new URL('../dist/meshdojo.mjs', import.meta.url).href;
}

try {
  const bundle = currentBundle();
  let main;
  if (!bundle && process.env.MESHDOJO_REQUIRE_BUNDLE === '1')
    throw new Error(
      'MESHDOJO_REQUIRE_BUNDLE=1: dist/meshdojo.mjs is missing or older than simulator/ (npm run build)',
    );
  if (bundle) ({ main } = await import(bundle));
  else {
    const { register } = await import('tsx/esm/api');
    register();
    ({ main } = await import('../simulator/cli/main.ts'));
  }
  process.exitCode = await main(process.argv);
} catch (err) {
  // main() reports its own errors; this is a failure to load the program itself: our bug.
  process.stderr.write(`internal error (a bug in meshdojo — please report it):\n${err?.stack ?? err}\n`);
  process.exitCode = 3;
}
