/**
 * A LoadProfile as a k6 script: the k6 options (executor, stages, thresholds) and the plan the
 * script follows per iteration (simulator/sim/schedule.ts), written into template.js.
 */
import { readFileSync } from 'node:fs';
import type { Options } from 'k6/options';
import type { LoadProfileSpec, ScenarioSpec } from '../../model/types.ts';
import { loadLength } from '../../sim/load.ts';
import { requestSchedule } from '../../sim/schedule.ts';
import { splitEndpointName } from '../../sim/world.ts';

type K6Scenario = NonNullable<Options['scenarios']>[string];

export interface K6Plan {
  profile: string;
  seed: number;
  urls: Record<string, string>;
  requests: { method: string; path: string; service: string; name: string }[];
  headers: { name: string; value: string }[];
  /** Per iteration: mix index × 1024 + header mask. */
  picks: number[];
  timeout: string;
  retries: { attempts: number; backoff: number };
  think: unknown;
  scenario: K6Scenario;
  thresholds: Record<string, string[]>;
}

export interface K6Export {
  plan: K6Plan;
  script: string;
  /** Where k6 cannot do what the built-in runner does (Poisson arrivals…). */
  warnings: string[];
}

/** Picks written for VU profiles (their iteration count is not known in advance; k6 wraps around). */
const VU_PICKS = 100_000;

const ms = (x: number) => `${Math.round(x)}ms`;

/** k6 wants an integer rate per timeUnit: the smallest of 1 s, 10 s, 100 s, 1000 s that gives one. */
function rateUnit(perSecond: number[]): { unit: number; scale: (r: number) => number } {
  for (const unit of [1, 10, 100, 1000]) {
    if (perSecond.every((r) => Math.abs(r * unit - Math.round(r * unit)) < 1e-9))
      return { unit, scale: (r) => Math.round(r * unit) };
  }
  return { unit: 1000, scale: (r) => Math.round(r * 1000) };
}

function scenarioOf(load: LoadProfileSpec, warnings: string[]): K6Scenario {
  // Enough VUs for every request to wait out its timeout at the peak rate (k6 drops iterations otherwise).
  const vusFor = (peak: number) => {
    const pre = Math.max(1, Math.ceil(peak));
    return {
      preAllocatedVUs: pre,
      maxVUs: Math.max(pre, Math.ceil((peak * Math.min(load.timeout, 60_000)) / 1000)),
    };
  };
  switch (load.executor) {
    case 'constant-arrival-rate': {
      if (load.arrivals === 'poisson')
        warnings.push(
          'k6 has no Poisson arrivals: the script starts iterations evenly at the same mean rate',
        );
      const { unit, scale } = rateUnit([load.rate]);
      return {
        executor: 'constant-arrival-rate',
        rate: scale(load.rate),
        timeUnit: `${unit}s`,
        duration: ms(load.duration),
        ...vusFor(load.rate),
      };
    }
    case 'ramping-arrival-rate': {
      if (load.arrivals === 'poisson')
        warnings.push(
          'k6 has no Poisson arrivals: the script starts iterations evenly along the same rate curve',
        );
      const rates = [load.startRate, ...load.stages.map((s) => s.target)];
      const { unit, scale } = rateUnit(rates);
      return {
        executor: 'ramping-arrival-rate',
        startRate: scale(load.startRate),
        timeUnit: `${unit}s`,
        stages: load.stages.map((s) => ({ duration: ms(s.duration), target: scale(s.target) })),
        ...vusFor(Math.max(...rates)),
      };
    }
    case 'constant-vus':
      return { executor: 'constant-vus', vus: load.vus, duration: ms(load.duration) };
    case 'ramping-vus':
      return {
        executor: 'ramping-vus',
        startVUs: load.startVUs,
        stages: load.stages.map((s) => ({ duration: ms(s.duration), target: s.target })),
      };
  }
}

export interface ExportOptions {
  /** Base URL of each service (default http://127.0.0.1:8080 for all; the live runner passes real ones). */
  urls?: Record<string, string>;
  baseUrl?: string;
}

export function k6Plan(
  scenario: ScenarioSpec,
  opts: ExportOptions = {},
): { plan: K6Plan; warnings: string[] } {
  const load = scenario.load;
  if (!load) throw new Error('the scenario has no LoadProfile to export');
  const warnings: string[] = [];
  const entry = load.entry ?? scenario.topology.entry;
  const mix = load.requests.length
    ? load.requests.map((r) => ({ service: r.service ?? entry.service, endpoint: r.endpoint }))
    : [{ service: entry.service, endpoint: entry.endpoint }];
  const requests = mix.map((m) => ({
    ...splitEndpointName(m.endpoint),
    service: m.service,
    name: m.endpoint,
  }));
  const end = scenario.duration ?? loadLength(load);
  const isVu = load.executor === 'constant-vus' || load.executor === 'ramping-vus';
  const sched = requestSchedule(load, scenario.seed, end, isVu ? VU_PICKS : undefined);
  if (isVu)
    warnings.push(
      `VU iterations start when the previous one ends; the script's ${VU_PICKS} picks repeat after that many`,
    );
  if (load.headers.length > 10)
    warnings.push('only the first 10 optional headers are drawn (as the built-in runner)');
  const urls: Record<string, string> = {};
  for (const s of scenario.topology.services)
    urls[s.name] = opts.urls?.[s.name] ?? opts.baseUrl ?? 'http://127.0.0.1:8080';
  const thresholds: Record<string, string[]> = {};
  for (const t of load.thresholds) (thresholds[t.metric] ??= []).push(t.source);
  return {
    plan: {
      profile: load.name,
      seed: scenario.seed,
      urls,
      requests,
      headers: load.headers.slice(0, 10).map((h) => ({ name: h.name, value: h.value })),
      picks: sched.mix.map((m, i) => m * 1024 + sched.headers[i]),
      timeout: ms(load.timeout),
      retries: { attempts: load.retries.attempts, backoff: load.retries.backoff },
      think: 'thinkTime' in load ? load.thinkTime : null,
      scenario: scenarioOf(load, warnings),
      thresholds,
    },
    warnings,
  };
}

const TEMPLATE = new URL('./template.js', import.meta.url);
const PLAN_RE = /\/\* meshdojo:plan \*\/[\s\S]*?\/\* meshdojo:plan-end \*\//;

/** The script: template.js with its example plan replaced by `plan`. */
export function renderK6Script(plan: K6Plan): string {
  const template = readFileSync(TEMPLATE, 'utf8');
  if (!PLAN_RE.test(template)) throw new Error('template.js lost its meshdojo:plan markers');
  const header = `// Generated by \`meshdojo k6 export\` from load profile '${plan.profile}', seed ${plan.seed}.\n`;
  return header + template.replace(PLAN_RE, () => `${JSON.stringify(plan, null, 1)};`);
}

export function exportK6(scenario: ScenarioSpec, opts: ExportOptions = {}): K6Export {
  const { plan, warnings } = k6Plan(scenario, opts);
  return { plan, script: renderK6Script(plan), warnings };
}
