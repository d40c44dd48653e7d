/**
 * Entry of the pre-built CLI bundle (dist/meshdojo.mjs, scripts/build-bundle.mjs): the command's
 * `main`, and the worker side of the pool, which starts only inside a pool worker thread (it
 * listens on `parentPort`, absent in the main thread), so one file serves both.
 */
export { main } from './main.ts';
import './worker.ts';
