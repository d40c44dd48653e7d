/**
 * Worker-thread side of the pool: receives ScenarioSpecs (structured clones), runs them with
 * `runScenario` and posts the RunResult back. Loaded by the bootstrap in pool.ts after it has
 * registered tsx in this thread.
 *
 * `workerData.runner` may name another module exporting `runScenario` (tests use a fake).
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { ScenarioSpec } from '../model/types.ts';
import type { RunResult } from '../telemetry/types.ts';
import { registerProfile, type DataPlaneProfile } from '../sim/profiles.ts';

export interface JobMessage {
  id: number;
  scenario: ScenarioSpec;
}

export type ReplyMessage =
  | { id: number; ok: true; result: RunResult }
  | { id: number; ok: false; error: { name: string; message: string; stack?: string } };

type Runner = (scenario: ScenarioSpec) => RunResult;

async function loadRunner(): Promise<Runner> {
  const data = workerData as { runner?: string; profiles?: DataPlaneProfile[] } | null;
  for (const p of data?.profiles ?? []) registerProfile(p);
  const mod = (data?.runner ? await import(data.runner) : await import('../sim/run.ts')) as {
    runScenario: Runner;
  };
  return mod.runScenario;
}

if (parentPort) {
  const port = parentPort;
  const runner = loadRunner();
  port.on('message', (msg: JobMessage) => {
    void runner.then(
      (run) => {
        let reply: ReplyMessage;
        try {
          reply = { id: msg.id, ok: true, result: run(msg.scenario) };
        } catch (err) {
          reply = { id: msg.id, ok: false, error: serializeError(err) };
        }
        port.postMessage(reply);
      },
      (err: unknown) => port.postMessage({ id: msg.id, ok: false, error: serializeError(err) }),
    );
  });
}

function serializeError(err: unknown): { name: string; message: string; stack?: string } {
  if (err instanceof Error) return { name: err.name, message: err.message, stack: err.stack };
  return { name: 'Error', message: String(err) };
}
