// @ts-check
/* global __ENV */
/**
 * meshdojo's k6 script. `meshdojo k6 export` writes this file with PLAN filled in from a
 * LoadProfile and a seed; the rest is the same for every profile.
 *
 * Iteration i sends the request and optional headers the built-in runner sends for request i on
 * the same seed (PLAN.picks, from simulator/sim/schedule.ts). k6 itself decides when an iteration
 * starts: its arrival-rate executors space iterations evenly along the rate curve (the built-in
 * runner's `arrivals: uniform`); it has no Poisson executor, and VU iterations start when the
 * previous one ends. Think time is drawn with k6's own Math.random (not seeded).
 */
import http from 'k6/http';
import exec from 'k6/execution';
import { check, sleep } from 'k6';

/**
 * @typedef {{ method: string, path: string, service: string, name: string }} PlanRequest
 * @typedef {{ dist: 'constant', value: number } | { dist: 'exponential', mean: number }
 *   | { dist: 'uniform', min: number, max: number } | { dist: 'normal', mean: number, stddev: number }
 *   | { dist: 'lognormal', median: number, p99: number }} Think
 * @typedef {{
 *   profile: string, seed: number,
 *   urls: Record<string, string>,
 *   requests: PlanRequest[],
 *   headers: { name: string, value: string }[],
 *   picks: number[],
 *   timeout: string,
 *   retries: { attempts: number, backoff: number },
 *   think: Think | null,
 *   scenario: import('k6/options').Scenario,
 *   thresholds: Record<string, string[]>,
 * }} Plan
 */

/** @type {Plan} */
const PLAN = /* meshdojo:plan */ {
  profile: 'example',
  seed: 1,
  urls: { web: 'http://127.0.0.1:8080' },
  requests: [{ method: 'GET', path: '/', service: 'web', name: 'GET /' }],
  headers: [],
  picks: [0],
  timeout: '60s',
  retries: { attempts: 0, backoff: 1000 },
  think: null,
  scenario: { executor: 'constant-vus', vus: 1, duration: '1s' },
  thresholds: {},
}; /* meshdojo:plan-end */

/** @type {import('k6/options').Options} */
export const options = {
  scenarios: { load: PLAN.scenario },
  thresholds: PLAN.thresholds,
};

/** A service's base URL: MESHDOJO_URL_<SERVICE> overrides the exported one. */
function urlOf(/** @type {string} */ service) {
  const key = 'MESHDOJO_URL_' + service.toUpperCase().replace(/[^A-Z0-9]/g, '_');
  return __ENV[key] || PLAN.urls[service];
}

/** Seconds of think time (k6's Math.random: not the seeded stream). */
function thinkSeconds() {
  const t = PLAN.think;
  if (!t) return 0;
  const u = () => Math.random();
  const normal = () => Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u());
  let ms = 0;
  if (t.dist === 'constant') ms = t.value;
  else if (t.dist === 'exponential') ms = -t.mean * Math.log(1 - u());
  else if (t.dist === 'uniform') ms = t.min + (t.max - t.min) * u();
  else if (t.dist === 'normal') for (ms = -1; ms < 0;) ms = t.mean + t.stddev * normal();
  else ms = t.median * Math.exp((Math.log(t.p99 / t.median) / 2.3263) * normal());
  return ms / 1000;
}

export default function () {
  const i = exec.scenario.iterationInTest;
  const pick = PLAN.picks[i % PLAN.picks.length];
  const req = PLAN.requests[Math.floor(pick / 1024)];
  /** @type {Record<string, string>} */
  const headers = {};
  PLAN.headers.forEach((h, bit) => {
    if (pick & (1 << bit)) headers[h.name] = h.value;
  });
  const params = { headers, timeout: PLAN.timeout, tags: { name: req.name } };
  let res = http.request(req.method, urlOf(req.service) + req.path, null, params);
  // Users pressing reload: a failed request is sent again after the backoff.
  for (let a = 0; a < PLAN.retries.attempts && (res.status === 0 || res.status >= 500); a++) {
    sleep(PLAN.retries.backoff / 1000);
    res = http.request(req.method, urlOf(req.service) + req.path, null, params);
  }
  check(res, { 'status is not 5xx': (r) => r.status > 0 && r.status < 500 });
  const pause = thinkSeconds();
  if (pause > 0) sleep(pause);
}
