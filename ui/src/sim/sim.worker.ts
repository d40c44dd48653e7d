/// <reference lib="webworker" />
// The simulator inside the page: a module Web Worker around the engine host.
import { createEngineHost } from './engine-host.ts';
import type { FromWorker } from './protocol.ts';

const scope = self as unknown as DedicatedWorkerGlobalScope;
const host = createEngineHost(
  (m: FromWorker) => scope.postMessage(m),
  () => performance.now(),
);
scope.onmessage = (e: MessageEvent) => host.handle(e.data);
