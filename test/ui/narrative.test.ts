// @vitest-environment happy-dom
/**
 * The "what happened" panel shows the very sentences of the CLI's text report for a real run (the
 * Bookinfo cascade), and a click on one hands its moment and chart to the page.
 */
import { describe, expect, it } from 'vitest';
import { mount } from '@vue/test-utils';
import NarrativePanel from '../../ui/src/components/NarrativePanel.vue';
import { chartSelection, narrate } from '../../ui/src/narrative.ts';
import { runScenario } from '../../simulator/sim/run.ts';
import { renderText } from '../../simulator/telemetry/report-text.ts';
import { scenarioFromFiles } from '../helpers/load.ts';

const result = runScenario(
  scenarioFromFiles(['topologies/bookinfo-no-timeouts.yaml', 'chaos/bookinfo-ratings-slow.yaml']),
);
const squash = (s: string) => s.replace(/\s+/g, ' ').trim();

describe('NarrativePanel', () => {
  it('says so while no run has finished, and when nothing happened', () => {
    expect(narrate(null)).toBeNull();
    expect(mount(NarrativePanel, { props: { sentences: null } }).text()).toContain(
      'when the run has finished',
    );
    expect(mount(NarrativePanel, { props: { sentences: [] } }).text()).toContain('Nothing happened');
  });

  it('shows the sentences of the text report, in order, each jumping to its moment and chart', async () => {
    const sentences = narrate(result)!;
    expect(sentences.length).toBeGreaterThanOrEqual(3);
    const report = squash(renderText(result));
    const w = mount(NarrativePanel, { props: { sentences } });
    const items = w.findAll('li');
    expect(items).toHaveLength(sentences.length);
    items.forEach((li, i) => {
      expect(squash(li.text())).toContain(squash(sentences[i].text));
      expect(report).toContain(squash(sentences[i].text));
    });
    // the fault sentence comes first and points at the fault's start (30 s)
    expect(sentences[0].kind).toBe('fault');
    expect(items[0].text()).toMatch(/^30\.0 s/);
    const queue = sentences.findIndex((s) => s.service === 'reviews' && s.kind !== 'fault');
    expect(queue).toBeGreaterThan(0);
    await items[queue].get('button').trigger('click');
    const [[emitted]] = w.emitted('jump') as [[(typeof sentences)[number]]];
    expect(emitted).toBe(sentences[queue]);
    expect(emitted.atMs).toBeGreaterThanOrEqual(30_000);
    expect(chartSelection(emitted)).toBe(emitted.chart.name);
    await w.setProps({ activeMs: emitted.atMs } as never); // the root tsconfig types .vue files by a generic shim; vue-tsc checks the props
    expect(items[queue].get('button').attributes('aria-current')).toBe('true');
    expect(
      chartSelection({ ...sentences[0], chart: { scope: 'entry', name: '', metric: 'events' } }),
    ).toBeNull();
  });
});
