/** Finding and running a k6 binary (k6 cannot be installed on every machine; say why when absent). */
import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import path from 'node:path';

export type K6Detection = { available: true; path: string } | { available: false; reason: string };

export function detectK6(env: NodeJS.ProcessEnv = process.env): K6Detection {
  for (const dir of (env.PATH ?? '').split(path.delimiter).filter(Boolean)) {
    const file = path.join(dir, 'k6');
    try {
      accessSync(file, constants.X_OK);
      return { available: true, path: file };
    } catch {
      // not here
    }
  }
  return {
    available: false,
    reason:
      'no `k6` binary on the PATH (k6 is not packaged by Debian or npm: the npm `k6` package is an empty placeholder). Install it from https://k6.io/docs/get-started/installation/ or use the built-in load runner with the same profile.',
  };
}

/** Runs `k6 run SCRIPT --summary-export SUMMARY`, bounded; resolves to k6's exit code. */
export function runK6(k6: string, script: string, summary: string, timeoutMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(k6, ['run', '--summary-export', summary, script], { stdio: 'inherit' });
    const timer = setTimeout(() => child.kill('SIGINT'), timeoutMs);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve(code ?? 1);
    });
  });
}
