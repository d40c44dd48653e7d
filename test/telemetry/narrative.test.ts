/**
 * Acceptance 4 of issue #7: the "what happened" narrative names the mechanism with facts inside the
 * fault window — asserted on the sentences' facts (kind, service, times, figures), not their wording.
 */
import { describe, expect, it } from 'vitest';
import { runScenario } from '../../simulator/sim/run.ts';
import { narrate, type Sentence } from '../../simulator/telemetry/narrative.ts';
import { renderText } from '../../simulator/telemetry/report-text.ts';
import { scenarioFromFiles } from '../helpers/load.ts';

const FAULT = { from: 30_000, to: 60_000 };
const inFault = (s: Sentence) => s.atMs >= FAULT.from && s.atMs <= FAULT.to;

describe('narrative of Bookinfo without timeouts, ratings slow', () => {
  const r = runScenario(
    scenarioFromFiles(['topologies/bookinfo-no-timeouts.yaml', 'chaos/bookinfo-ratings-slow.yaml']),
  );
  const story = narrate(r);
  const find = (kind: Sentence['kind'], service?: string) =>
    story.find((s) => s.kind === kind && (service === undefined || s.service === service));

  it('names reviews: its slots filled, then its queue overflowed, inside the fault window', () => {
    const full = find('slots-full', 'reviews');
    const overflow = find('queue-overflow', 'reviews');
    expect(full && inFault(full)).toBe(true);
    expect(overflow && inFault(overflow)).toBe(true);
    expect(overflow!.atMs).toBeGreaterThanOrEqual(full!.atMs);
    expect(overflow!.figures.refused).toBe(r.services.reviews.failures.overflow);
    expect(overflow!.chart).toEqual({ scope: 'service', name: 'reviews', metric: 'queue' });
  });

  it('names productpage and the failures reviews caused it, inside the fault window', () => {
    const caused = find('caused-failures', 'productpage');
    expect(caused).toBeDefined();
    expect(caused!.related).toBe('reviews');
    expect(inFault(caused!)).toBe(true);
    expect(caused!.untilMs).toBeLessThanOrEqual(FAULT.to + 5_000);
    expect(caused!.figures.failures).toBe(r.summary.requests - r.summary.successes);
    // ratings itself never failed: it was slow, not broken
    expect(story.some((s) => s.kind === 'queue-overflow' && s.service === 'ratings')).toBe(false);
  });

  it('is in time order and shows in the text report', () => {
    const times = story.map((s) => s.atMs);
    expect([...times].sort((a, b) => a - b)).toEqual(times);
    const text = renderText(r);
    expect(text).toContain('What happened');
    for (const s of story) expect(text.replace(/\s+/g, ' ')).toContain(s.text.slice(0, 40));
  });
});

describe('narrative of Bookinfo with the resilient policy, ratings slow', () => {
  const r = runScenario(
    scenarioFromFiles([
      'topologies/bookinfo.yaml',
      'chaos/bookinfo-ratings-slow.yaml',
      'topologies/policies/bookinfo-resilient.yaml',
    ]),
  );
  const story = narrate(r);

  it('names the breaker on ratings, when it opened and what it short-circuited', () => {
    const b = story.find((s) => s.kind === 'breaker-open');
    expect(b).toBeDefined();
    expect(b!.service).toBe('ratings');
    expect(inFault(b!)).toBe(true);
    const rejected = r.mesh.breakers.reduce((n, x) => n + x.rejected, 0);
    expect(b!.figures.shortCircuited).toBe(rejected);
    expect(b!.figures.opens).toBe(r.events.filter((e) => e.kind === 'breaker' && e.state === 'open').length);
  });

  it('names the fallbacks: reviews answered without ratings, and how many pages were degraded', () => {
    const f = story.find((s) => s.kind === 'fallback');
    expect(f).toBeDefined();
    expect(f!.service).toBe('reviews');
    expect(f!.related).toBe('ratings');
    expect(inFault(f!)).toBe(true);
    expect(f!.figures.entryDegraded).toBe(r.summary.degraded);
    expect(r.summary.degraded).toBeGreaterThan(1000);
  });
});
