/** The HTML template helper escapes every value, and a name from user YAML cannot inject markup. */
import { describe, expect, it } from 'vitest';
import { codeBlock, html, jsonBlock, raw } from '../../simulator/telemetry/html/template.ts';
import { runScenario } from '../../simulator/sim/run.ts';
import { renderHtml } from '../../simulator/telemetry/report-html.ts';
import { scenarioFromYaml } from '../helpers/load.ts';

const EVIL = '"><img src=x onerror=alert(1)></script><script>alert(2)</script>';

describe('html template', () => {
  it('escapes interpolations, keeps SafeHtml, joins arrays', () => {
    const out = html`<p title="${EVIL}">${EVIL}${[raw('<b>ok</b>'), '<i>']}</p>`.value;
    expect(out).not.toContain('<img');
    expect(out).not.toMatch(/<script>alert/);
    expect(out).toContain('<b>ok</b>&#60;i&#62;');
  });

  it('cannot be closed from inside a data or code block', () => {
    expect(jsonBlock('d', { name: EVIL }).value.match(/<\/script>/g)).toHaveLength(1);
    expect(
      codeBlock('var s = "</script><script>alert(1)</script>";').value.match(/<\/script>/gi),
    ).toHaveLength(1);
  });
});

describe('a hostile service name from YAML', () => {
  it('appears only as text in the report', () => {
    const name = 'svc-<img src=x onerror=alert(1)>';
    const yaml = `apiVersion: meshdojo/v1
kind: Topology
metadata: { name: evil }
spec:
  entry: { service: front, endpoint: GET / }
  services:
    - name: front
      endpoints:
        - name: GET /
          serviceTime: { dist: exponential, mean: 1ms }
          calls: [ { service: back, endpoint: GET /x } ]
    - name: back
      endpoints: [ { name: GET /x, serviceTime: { dist: exponential, mean: 1ms } } ]
---
apiVersion: meshdojo/v1
kind: LoadProfile
metadata: { name: evil }
spec: { executor: constant-arrival-rate, rate: 5, duration: 3s }
`;
    const r = runScenario(scenarioFromYaml({ 'evil.yaml': yaml }));
    // rename after the run: the loader would refuse such a name, a live result or a UI might not
    const rename = <T>(o: Record<string, T>): Record<string, T> =>
      Object.fromEntries(Object.entries(o).map(([k, v]) => [k === 'back' ? name : k, v]));
    const hostile = {
      ...r,
      scenario: EVIL,
      services: rename(r.services),
      edges: r.edges.map((e) => ({ ...e, to: e.to === 'back' ? name : e.to })),
      series: { ...r.series, services: rename(r.series.services) },
    };
    const out = renderHtml(hostile);
    expect(out).not.toContain('<img');
    expect(out).not.toMatch(/<script>alert/);
    expect(out).toContain('svc-&#60;img');
  });
});
