import { describe, expect, it } from 'vitest';
import { escapeLabelValue, toPrometheusText } from '../../simulator/telemetry/prometheus.ts';
import type { RunResult } from '../../simulator/telemetry/types.ts';
import { fabricateResult } from './fixture.ts';

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}
interface Family {
  name: string;
  type: string;
  help: string;
  samples: Sample[];
}

const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
const SAMPLE = new RegExp(`^(${NAME})(?:\\{(.*)\\})? (\\S+)$`);

/** A strict line-by-line parser of the text format 0.0.4 (what Prometheus' own parser checks). */
function parse(text: string): Family[] {
  expect(text.endsWith('\n')).toBe(true);
  const families: Family[] = [];
  let cur: Family | null = null;
  let pendingHelp: { name: string; help: string } | null = null;
  for (const line of text.slice(0, -1).split('\n')) {
    let m: RegExpExecArray | null;
    if ((m = new RegExp(`^# HELP (${NAME}) (.*)$`).exec(line))) {
      pendingHelp = { name: m[1], help: m[2] };
      continue;
    }
    if ((m = new RegExp(`^# TYPE (${NAME}) (counter|gauge|histogram|summary|untyped)$`).exec(line))) {
      expect(pendingHelp?.name, `HELP before TYPE for ${m[1]}`).toBe(m[1]);
      expect(
        families.some((f) => f.name === m![1]),
        `family ${m[1]} declared twice`,
      ).toBe(false);
      cur = { name: m[1], type: m[2], help: pendingHelp!.help, samples: [] };
      families.push(cur);
      pendingHelp = null;
      continue;
    }
    m = SAMPLE.exec(line);
    expect(m, `not a sample line: ${line}`).not.toBeNull();
    expect(cur, `sample before any TYPE: ${line}`).not.toBeNull();
    const [, name, body, raw] = m!;
    const suffixes =
      cur!.type === 'histogram'
        ? ['_bucket', '_sum', '_count']
        : cur!.type === 'summary'
          ? ['', '_sum', '_count']
          : [''];
    expect(
      suffixes.map((s) => cur!.name + s),
      `sample ${name} outside its family ${cur!.name}`,
    ).toContain(name);
    const labels: Record<string, string> = {};
    if (body !== undefined) {
      const re = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(,|$)/y;
      let pos = 0;
      while (pos < body.length) {
        re.lastIndex = pos;
        const lm = re.exec(body);
        expect(lm, `bad labels in ${line}`).not.toBeNull();
        expect(labels[lm![1]], `duplicate label ${lm![1]}`).toBeUndefined();
        labels[lm![1]] = lm![2].replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
        pos = re.lastIndex;
      }
    }
    const value = raw === '+Inf' ? Infinity : raw === '-Inf' ? -Infinity : raw === 'NaN' ? NaN : Number(raw);
    expect(Number.isNaN(value) && raw !== 'NaN', `bad value ${raw}`).toBe(false);
    cur!.samples.push({ name, labels, value });
  }
  return families;
}

function checkHistograms(families: Family[]): number {
  let checked = 0;
  for (const f of families.filter((x) => x.type === 'histogram')) {
    const groups = new Map<string, Sample[]>();
    for (const s of f.samples) {
      const { le, ...rest } = s.labels;
      void le;
      const key = JSON.stringify(rest);
      groups.set(key, [...(groups.get(key) ?? []), s]);
    }
    for (const samples of groups.values()) {
      const buckets = samples.filter((s) => s.name.endsWith('_bucket'));
      const count = samples.find((s) => s.name.endsWith('_count'));
      expect(samples.find((s) => s.name.endsWith('_sum'))).toBeDefined();
      expect(count).toBeDefined();
      let prevLe = -Infinity;
      let prev = 0;
      for (const b of buckets) {
        const le = b.labels.le === '+Inf' ? Infinity : Number(b.labels.le);
        expect(le).toBeGreaterThan(prevLe);
        expect(b.value).toBeGreaterThanOrEqual(prev);
        prevLe = le;
        prev = b.value;
      }
      expect(buckets[buckets.length - 1].labels.le).toBe('+Inf');
      expect(buckets[buckets.length - 1].value).toBe(count!.value);
      checked++;
    }
  }
  return checked;
}

describe('toPrometheusText', () => {
  const result = fabricateResult();
  const text = toPrometheusText(result);
  const families = parse(text);

  it('parses line by line with HELP and TYPE before every family', () => {
    expect(families.length).toBeGreaterThan(10);
    for (const f of families) {
      expect(f.help.length).toBeGreaterThan(0);
    }
    expect(families.find((f) => f.name === 'istio_requests_total')?.type).toBe('counter');
    expect(families.find((f) => f.name === 'istio_request_duration_milliseconds')?.type).toBe('histogram');
  });

  it('counts requests per edge by response code and flags', () => {
    const f = families.find((x) => x.name === 'istio_requests_total')!;
    for (const e of result.edges) {
      const mine = f.samples.filter(
        (s) => s.labels.source_workload === e.from && s.labels.destination_workload === e.to,
      );
      for (const s of mine) expect(s.labels.reporter).toBe('source');
      const total = mine.reduce((a, s) => a + s.value, 0);
      expect(total).toBe(e.durationBuckets!.count);
      const failed = mine.filter((s) => s.labels.response_code !== '200').reduce((a, s) => a + s.value, 0);
      expect(failed).toBe(e.failed);
    }
    const breaker = f.samples.find(
      (s) => s.labels.destination_workload === 'ratings' && s.labels.response_flags === 'UO',
    );
    expect(breaker?.labels.response_code).toBe('503');
    const abort = f.samples.find(
      (s) => s.labels.destination_workload === 'details' && s.labels.response_flags === 'FI',
    );
    expect(abort?.value).toBe(result.edges[1].failures['fault-abort']);
  });

  it('writes cumulative _bucket counts ending in +Inf = _count, with Istio’s buckets', () => {
    expect(checkHistograms(families)).toBe(result.edges.length);
    const h = families.find((x) => x.name === 'istio_request_duration_milliseconds')!;
    const les = h.samples
      .filter((s) => s.name.endsWith('_bucket') && s.labels.destination_workload === 'ratings')
      .map((s) => s.labels.le);
    expect(les).toEqual([
      '1',
      '2',
      '5',
      '10',
      '25',
      '50',
      '100',
      '250',
      '500',
      '1000',
      '2500',
      '5000',
      '10000',
      '30000',
      '60000',
      '300000',
      '600000',
      '1800000',
      '3600000',
      '+Inf',
    ]);
  });

  it('escapes label values', () => {
    expect(escapeLabelValue('a"b\\c\nd')).toBe('a\\"b\\\\c\\nd');
    const odd: RunResult = JSON.parse(JSON.stringify(result));
    odd.edges[0].from = 'we"ird\\name\nx';
    odd.scenario = 'quote " and \\ backslash';
    const fams = parse(toPrometheusText(odd));
    const sample = fams.find((f) => f.name === 'istio_requests_total')!.samples[0];
    expect(sample.labels.source_workload).toBe('we"ird\\name\nx');
    expect(fams.find((f) => f.name === 'meshdojo_run_info')!.samples[0].labels.scenario).toBe(
      'quote " and \\ backslash',
    );
  });

  it('exports the meshdojo gauges', () => {
    const util = families.find((x) => x.name === 'meshdojo_service_utilization_ratio')!;
    expect(util.type).toBe('gauge');
    expect(util.samples.map((s) => s.labels.service)).toEqual(Object.keys(result.services));
    expect(util.samples[0].value).toBe(result.services.productpage.utilization);
    const q = families.find((x) => x.name === 'meshdojo_service_queue_max')!;
    expect(q.samples.find((s) => s.labels.service === 'ratings')?.value).toBe(7);
    expect(checkHistograms(families)).toBeGreaterThan(0);
  });
});
