/**
 * Runs scenarios on `node:worker_threads` workers, so that the variants of a compare or a sweep use
 * every core. Each worker registers tsx (as bin/meshdojo.mjs does) and then loads worker.ts.
 * ScenarioSpecs and RunResults are plain data and cross the thread boundary as structured clones.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { ScenarioSpec } from '../model/types.ts';
import type { RunResult } from '../telemetry/types.ts';
import type { JobMessage, ReplyMessage } from './worker.ts';
import { registeredProfile } from '../sim/profiles.ts';

export interface PoolOptions {
  /** Worker threads to start (default: all cores, capped at the number of scenarios). */
  workers?: number;
  /** Module (path or URL) exporting `runScenario`, instead of simulator/sim/run.ts (tests). */
  runner?: string | URL;
  /** Called as each scenario finishes (in completion order). */
  onResult?: (index: number, result: RunResult, done: number, total: number) => void;
}

/** Runs one scenario on a fresh worker thread. */
export async function runInWorker(
  scenario: ScenarioSpec,
  options: Omit<PoolOptions, 'workers'> = {},
): Promise<RunResult> {
  const [result] = await runMany([scenario], { ...options, workers: 1 });
  return result;
}

/** Runs every scenario on a pool of worker threads; the results come back in input order. */
export async function runMany(
  scenarios: readonly ScenarioSpec[],
  options: PoolOptions = {},
): Promise<RunResult[]> {
  const total = scenarios.length;
  if (total === 0) return [];
  const size = Math.max(1, Math.min(options.workers ?? availableParallelism(), total));
  const bootstrap = bootstrapSource();
  const runner = options.runner === undefined ? undefined : toUrl(options.runner);
  const results = new Array<RunResult>(total);
  const workers: Worker[] = [];
  let next = 0;
  let done = 0;

  try {
    await new Promise<void>((resolve, reject) => {
      let failed = false;
      const fail = (err: Error) => {
        if (failed) return;
        failed = true;
        reject(err);
      };
      const feed = (worker: Worker, state: { job: number }) => {
        if (failed) return;
        if (next >= total) {
          state.job = -1;
          return;
        }
        state.job = next++;
        const msg: JobMessage = { id: state.job, scenario: scenarios[state.job] };
        worker.postMessage(msg);
      };
      for (let i = 0; i < size; i++) {
        // A measured profile (`local`, read from its file by this thread) goes to the workers too.
        const local = registeredProfile('local');
        const worker = new Worker(bootstrap, {
          eval: true,
          workerData: { runner, ...(local ? { profiles: [local] } : {}) },
        });
        workers.push(worker);
        const state = { job: -1 };
        worker.on('message', (reply: ReplyMessage) => {
          if (failed) return;
          if (!reply.ok) {
            fail(reviveError(reply.error, reply.id));
            return;
          }
          results[reply.id] = reply.result;
          done++;
          options.onResult?.(reply.id, reply.result, done, total);
          if (done === total) resolve();
          else feed(worker, state);
        });
        worker.on('error', (err) => fail(err instanceof Error ? err : new Error(String(err))));
        worker.on('exit', (code) => {
          if (state.job >= 0 && !failed && results[state.job] === undefined) {
            fail(new Error(`worker exited with code ${code} while running scenario #${state.job}`));
          }
        });
        feed(worker, state);
      }
    });
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
  return results;
}

function toUrl(u: string | URL): string {
  if (u instanceof URL) return u.href;
  return /^[a-z][a-z0-9+.-]*:/i.test(u) && !/^[a-z]:[\\/]/i.test(u) ? u : pathToFileURL(u).href;
}

function reviveError(e: { name: string; message: string; stack?: string }, job: number): Error {
  const err = new Error(`scenario #${job}: ${e.message}`);
  err.name = e.name;
  if (e.stack)
    err.stack = `${e.name}: scenario #${job}: ${e.message}\n${e.stack.split('\n').slice(1).join('\n')}`;
  return err;
}

let bootstrapCache: string | undefined;

/**
 * The worker's entry: an eval'd script that registers tsx in the new thread, then imports worker.ts
 * (or, under the bundle, imports the bundle).
 */
function bootstrapSource(): string {
  // Inside the pre-built bundle (dist/meshdojo.mjs) the worker side is in the bundle itself.
  const bundle = (globalThis as { __meshdojoBundle?: string }).__meshdojoBundle;
  if (bootstrapCache === undefined && bundle !== undefined)
    bootstrapCache = `import(${JSON.stringify(bundle)}).catch((err) => { setImmediate(() => { throw err; }); });`;
  if (bootstrapCache === undefined) {
    const tsx = resolveTsxApi();
    const worker = new URL('./worker.ts', import.meta.url).href;
    bootstrapCache = `(async () => {
  const { register } = await import(${JSON.stringify(tsx)});
  register();
  await import(${JSON.stringify(worker)});
})().catch((err) => { setImmediate(() => { throw err; }); });`;
  }
  return bootstrapCache;
}

/** URL of tsx's ESM API (`tsx/esm/api`, import condition). */
function resolveTsxApi(): string {
  const meta = import.meta as ImportMeta & { resolve?: (s: string) => string };
  if (typeof meta.resolve === 'function') {
    try {
      return meta.resolve('tsx/esm/api');
    } catch {
      // fall through (some test runners do not provide import.meta.resolve)
    }
  }
  const require = createRequire(import.meta.url);
  const pkgFile = require.resolve('tsx/package.json');
  const pkg = JSON.parse(readFileSync(pkgFile, 'utf8')) as {
    exports: Record<string, { import: { default: string } }>;
  };
  return pathToFileURL(join(dirname(pkgFile), pkg.exports['./esm/api'].import.default)).href;
}
