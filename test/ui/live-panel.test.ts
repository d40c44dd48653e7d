// @vitest-environment happy-dom
/**
 * LivePanel and its LiveStream against a fake EventSource that is fed the very text the server
 * writes (the encoder of telemetry/live-stream-protocol.ts) with frames cut from a real simulator
 * run: frames reach the page once each, run events and bad messages are shown, a dropped stream is
 * reopened after a pause (the replayed frames dropped), a browser-side retry is only reported, and
 * Disconnect stops all.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { mount } from '@vue/test-utils';
import LivePanel from '../../ui/src/components/LivePanel.vue';
import type { EventSourceLike } from '../../ui/src/live/live-stream.ts';
import { encodeLiveMessage, LIVE_STREAM_PATH } from '../../simulator/telemetry/live-stream-protocol.ts';
import { startRun } from '../../simulator/sim/run.ts';
import { frameAt, type IntervalFrame } from '../../simulator/telemetry/interval.ts';
import type { RunEvent } from '../../simulator/telemetry/types.ts';
import { scenarioFromFiles } from '../helpers/load.ts';

function realFrames(): IntervalFrame[] {
  const run = startRun(scenarioFromFiles(['topologies/bookinfo.yaml'], { duration: 4000 }));
  run.advanceTo(4000);
  const s = run.series();
  return s.t.map((_, i) => frameAt(s, i, run.eventsFrom(0)));
}

/** A fake EventSource: `deliver` takes SSE text as the server writes it (one-line data fields). */
class FakeSource implements EventSourceLike {
  readyState = 0;
  onopen: ((e: Event) => void) | null = null;
  onerror: ((e: Event) => void) | null = null;
  closed = false;
  private readonly listeners = new Map<string, ((e: MessageEvent<string>) => void)[]>();
  constructor(readonly url: string) {}
  addEventListener(type: string, l: (e: MessageEvent<string>) => void): void {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), l]);
  }
  close(): void {
    this.closed = true;
    this.readyState = 2;
  }
  open(): void {
    this.readyState = 1;
    this.onopen?.(new Event('open'));
  }
  fail(readyState: 0 | 2): void {
    this.readyState = readyState;
    this.onerror?.(new Event('error'));
  }
  deliver(sse: string): void {
    for (const block of sse.split('\n\n').filter(Boolean)) {
      const field = (f: string) =>
        block
          .split('\n')
          .find((l) => l.startsWith(`${f}: `))
          ?.slice(f.length + 2);
      const type = field('event') ?? 'message';
      const e = new MessageEvent<string>(type, { data: field('data') ?? '', lastEventId: field('id') ?? '' });
      for (const l of this.listeners.get(type) ?? []) l(e);
    }
  }
}

const frames = realFrames();
const frameText = (f: IntervalFrame) => encodeLiveMessage({ kind: 'frame', frame: f });

describe('LivePanel on a live SSE stream', () => {
  let sources: FakeSource[];
  const open = (url: string) => {
    const s = new FakeSource(url);
    sources.push(s);
    return s;
  };
  beforeEach(() => {
    sources = [];
    vi.useFakeTimers();
  });
  afterEach(() => vi.useRealTimers());

  const panel = () => mount(LivePanel, { props: { open } });
  const status = (w: ReturnType<typeof panel>) => w.get('[data-testid="live-status"]');

  it('connects to the relative stream path and hands every frame to the page, intact and once', async () => {
    expect(frames.length).toBe(4);
    const w = panel();
    await w.get('[data-action="live-connect"]').trigger('click');
    expect(sources.map((s) => s.url)).toEqual([LIVE_STREAM_PATH.slice(1)]);
    expect(status(w).attributes('data-state')).toBe('connecting');
    sources[0].open();
    sources[0].deliver(frames.slice(0, 3).map(frameText).join(''));
    sources[0].deliver(frameText(frames[1])); // a repeat is dropped
    await w.vm.$nextTick();
    expect(w.emitted('begin')).toHaveLength(1);
    expect(w.emitted('frame')!.map(([f]) => f)).toEqual(frames.slice(0, 3));
    expect(status(w).text()).toBe('live: 3 intervals');
  });

  it('shows the last run event and names a message it could not read', async () => {
    const w = panel();
    await w.get('[data-action="live-connect"]').trigger('click');
    sources[0].open();
    const ev: RunEvent = {
      t: 12_300,
      kind: 'breaker',
      subject: 'reviews-v2-0 → ratings',
      state: 'open',
      reason: 'x',
    };
    sources[0].deliver(encodeLiveMessage({ kind: 'event', event: ev }));
    sources[0].deliver('event: frame\ndata: {"index": 0}\n\n');
    await w.vm.$nextTick();
    expect(w.get('[data-testid="live-event"]').text()).toBe(
      'Last event at 12.3 s: breaker reviews-v2-0 → ratings open',
    );
    expect(w.get('[role="alert"]').text()).toContain('frame: not an interval frame');
    expect(w.emitted('frame')).toBeUndefined();
  });

  it('reopens a stream the browser gave up on after a growing pause, without repeating frames', async () => {
    const w = panel();
    await w.get('[data-action="live-connect"]').trigger('click');
    sources[0].open();
    sources[0].deliver(frames.slice(0, 2).map(frameText).join(''));
    // the server answered with an error status (no live topology yet): EventSource is CLOSED
    sources[0].fail(2);
    await w.vm.$nextTick();
    expect(status(w).text()).toMatch(/retrying in 1 s/);
    expect(sources[0].closed).toBe(true);
    vi.advanceTimersByTime(999);
    expect(sources).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(sources).toHaveLength(2);
    sources[1].fail(2); // refused again: a longer pause
    await w.vm.$nextTick();
    expect(status(w).text()).toMatch(/retrying in 2 s/);
    vi.advanceTimersByTime(2000);
    expect(sources).toHaveLength(3);
    sources[2].open();
    sources[2].deliver(frames.map(frameText).join('')); // the new connection replays the run
    await w.vm.$nextTick();
    expect(w.emitted('frame')!.map(([f]) => (f as IntervalFrame).index)).toEqual([0, 1, 2, 3]);
    expect(status(w).text()).toBe('live: 4 intervals');
  });

  it('lets the browser retry a dropped connection itself, and Disconnect stops everything', async () => {
    const w = panel();
    await w.get('[data-action="live-connect"]').trigger('click');
    sources[0].open();
    sources[0].fail(0); // CONNECTING: EventSource retries on its own, with Last-Event-ID
    await w.vm.$nextTick();
    expect(status(w).text()).toContain('the browser is reconnecting');
    vi.advanceTimersByTime(60_000);
    expect(sources).toHaveLength(1);
    sources[0].fail(2);
    await w.get('[data-action="live-disconnect"]').trigger('click');
    vi.advanceTimersByTime(60_000);
    expect(sources).toHaveLength(1);
    expect(sources[0].closed).toBe(true);
    expect(status(w).attributes('data-state')).toBe('stopped');
    // a message from the closed source no longer reaches the page
    sources[0].deliver(frameText(frames[0]));
    expect(w.emitted('frame')).toBeUndefined();
  });
});
