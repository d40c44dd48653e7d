import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderText } from '../../simulator/telemetry/report-text.ts';
import { renderHtml } from '../../simulator/telemetry/report-html.ts';
import { fabricateResult } from './fixture.ts';
import { reportClientSource } from '../../simulator/cli/io.ts';

const d3Source = readFileSync(new URL('../../node_modules/d3/dist/d3.min.js', import.meta.url), 'utf8');
const result = fabricateResult();

describe('renderText', () => {
  const text = renderText(result);
  const lines = text.split('\n');

  it('has a header with the scenario, seed, duration, short hash and speed', () => {
    expect(lines[0]).toBe('meshdojo · bookinfo-ratings-slow');
    expect(lines[1]).toContain('seed 7');
    expect(lines[1]).toContain('5m simulated');
    expect(lines[1]).toContain(`hash ${result.hash.slice(0, 12)}`);
    expect(lines[1]).toContain('714× real time');
    expect(text).toContain('verdict FAILED');
  });

  it('has the entry summary and aligned table rows for services and edges', () => {
    const s = result.summary;
    const entryHead = lines.findIndex((l) => l.includes('sent') && l.includes('in flight'));
    expect(lines[entryHead + 1]).toContain('6,002');
    expect(lines[entryHead + 1]).toContain(`${Number((s.successRate * 100).toFixed(1))}%`);

    const head = lines.findIndex((l) => l.trimStart().startsWith('service '));
    const rows = lines.slice(head + 1, head + 5);
    expect(rows.map((r) => r.trim().split(/\s+/)[0])).toEqual([
      'productpage',
      'details',
      'reviews',
      'ratings',
    ]);
    // right-aligned numeric columns end at the same column as their header
    const end = (l: string, word: string, from = 0): number => l.indexOf(word, from) + word.length;
    const reqEnd = end(lines[head], 'arrived');
    expect(end(rows[0], '6,002')).toBe(reqEnd);
    expect(end(rows[3], '4,200')).toBe(reqEnd);
    expect(rows[3]).toMatch(/ratings\s+1\s+4,200\s+-\s+100%/);
    expect(renderText(result, { wide: true })).toContain('9 (4)'); // side effects (duplicates), with --wide

    const edgeRow = lines.find((l) => l.startsWith('  reviews → ratings'))!;
    expect(edgeRow).toMatch(/reviews → ratings\s+6,002\s+1\.00×\s+-\s+1,822\s+69\.6%/);
    expect(edgeRow).toContain('breaker-open 1,812');
    // a projector: every line fits 100 columns
    for (const l of lines) expect(l.length).toBeLessThanOrEqual(100);
  });

  it('lists failures by cause, events in time order, thresholds and probes with ✓/✗', () => {
    expect(text).toMatch(/breaker-open\s+0\s+0\s+1,812\s+1,812\s+503 UO/);
    expect(text).toMatch(/route-timeout\s+0\s+0\s+10\s+0\s+504 UT/);
    expect(text).toContain('Events (23)');
    const times = lines.filter((l) => /^\s+\d\d:\d\d\.\d{3}\s/.test(l)).map((l) => l.trim().split(' ')[0]);
    expect(times.length).toBe(23);
    expect([...times].sort()).toEqual(times);
    expect(text).toMatch(/✓\s+http_req_duration\s+p\(99\)<500/);
    expect(text).toMatch(/✗\s+http_req_failed\s+rate<0\.01/);
    expect(text).toMatch(/✗\s+page-ok/);
    expect(text).not.toContain('\x1b[');
  });

  it('caps the event list and colours on request', () => {
    const short = renderText(result, { maxEvents: 5, color: true });
    expect(short).toContain('Events (first 5 of 23)');
    expect(short).toContain('and 18 more');
    expect(short).toContain('\x1b[32m✓');
    expect(short).toContain('\x1b[31m✗');
  });
});

describe('renderHtml', () => {
  const html = renderHtml(result, { d3Source, clientSource: reportClientSource() });

  it('is one self-contained document with SVG and the d3 bundle inlined, no network', () => {
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(html).toContain('<svg');
    expect(html).toContain('class="graph"');
    expect(html).toContain('class="timeline"');
    expect(html).toContain(d3Source.slice(0, 200));
    expect(html).not.toMatch(/<script[^>]*\ssrc=/i);
    expect(html).not.toMatch(/<link[^>]*href=/i);
    expect(html).not.toMatch(/(src|href)\s*=\s*["']?\s*(https?:)?\/\//i);
    expect(html).not.toMatch(/@import|url\(\s*["']?https?:/i);
    const data = /<script type="application\/json" id="meshdojo-data">([\s\S]*?)<\/script>/.exec(html);
    expect(data).not.toBeNull();
    const parsed = JSON.parse(data![1]);
    expect(parsed.runs[0].t.length).toBe(result.series.t.length);
  });

  it('has the summary cards, tables and events', () => {
    for (const name of Object.keys(result.services)) expect(html).toContain(`data-id="${name}"`);
    expect(html).toContain('Success rate');
    expect(html).toContain('94.44%');
    expect(html).toContain('reviews-v2-0 → ratings');
    expect(html).toContain('breaker-open');
    expect(html).toContain('http_req_failed');
  });

  it('escapes what it is given', () => {
    const evil = { ...result, scenario: '</script><img src=x onerror=alert(1)>' };
    const out = renderHtml(evil);
    expect(out).not.toContain('<img src=x');
    expect(out).toContain('&lt;/script&gt;&lt;img');
    expect(out.match(/<\/script>/g)!.length).toBe(1); // the data block only: no d3, no client given
  });

  it('renders a comparison side by side with overlaid series and bins long series', () => {
    const other = fabricateResult({ seed: 11, timeoutMs: 300, scenario: 'bookinfo-resilient' });
    const out = renderHtml([result, other], { d3Source, maxPoints: 100 });
    expect(out).toContain('bookinfo-ratings-slow vs bookinfo-resilient');
    expect(out).toContain('deltas against bookinfo-ratings-slow');
    const parsed = JSON.parse(/id="meshdojo-data">([\s\S]*?)<\/script>/.exec(out)![1]);
    expect(parsed.runs).toHaveLength(2);
    expect(parsed.runs[0].t.length).toBe(100);
    expect(parsed.runs[0].stepMs).toBe(3000);
    const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);
    expect(sum(parsed.runs[0].entry.requests)).toBe(result.summary.requests);
    expect((out.match(/class="graph"/g) ?? []).length).toBe(2);
    expect(renderHtml([result, result])).toContain('bookinfo-ratings-slow #2');
  });

  const hasChromium = existsSync('/usr/bin/chromium');
  if (!hasChromium)
    console.warn(
      'report.test: skipping the headless-browser check — /usr/bin/chromium is not installed (.ci/run installs it)',
    );
  it.skipIf(!hasChromium)('draws its charts in a headless browser (needs /usr/bin/chromium)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'meshdojo-html-'));
    try {
      const file = join(dir, 'report.html');
      writeFileSync(file, html);
      const dom = execFileSync(
        '/usr/bin/chromium',
        [
          '--headless',
          '--no-sandbox',
          '--disable-gpu',
          '--disable-background-networking',
          '--virtual-time-budget=5000',
          '--dump-dom',
          `file://${file}`,
        ],
        { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 60_000 },
      );
      const charts = (html.match(/data-chart=/g) ?? []).length;
      const drawn = (
        dom.match(/<div class="chart needs-d3" id="[^"]*" data-chart="[^"]*"><h4>[^<]*<\/h4><svg/g) ?? []
      ).length;
      expect(charts).toBeGreaterThan(10);
      expect(drawn).toBe(charts);
      expect(dom).not.toMatch(/data-chart="[^"]*"><div class="nojs"/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
