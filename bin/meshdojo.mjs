#!/usr/bin/env node
// The `meshdojo` command: registers tsx (TypeScript on the fly) and runs simulator/cli/main.ts.
import { register } from 'tsx/esm/api';

register();
try {
  const { main } = await import('../simulator/cli/main.ts');
  process.exitCode = await main(process.argv);
} catch (err) {
  // main() reports its own errors; this is a failure to load the program itself: our bug.
  process.stderr.write(`internal error (a bug in meshdojo — please report it):\n${err?.stack ?? err}\n`);
  process.exitCode = 3;
}
