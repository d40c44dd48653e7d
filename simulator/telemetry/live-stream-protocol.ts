/**
 * The live stream's wire format, shared by its writer (the `meshdojo live up` supervisor, relayed
 * by `meshdojo serve` at LIVE_STREAM_PATH) and its reader (the web UI's LivePanel, through
 * EventSource). Server-Sent Events: `event: frame` with one IntervalFrame per closed interval (its
 * `id` is the frame's index, so a reconnecting reader resumes with `Last-Event-ID`), and
 * `event: event` with one RunEvent as it happens. No Node imports: the browser bundles this file.
 */
import type { IntervalFrame } from './interval.ts';
import type { RunEvent } from './types.ts';

/** Where `meshdojo serve` streams a live topology (also under the site's sub-path). */
export const LIVE_STREAM_PATH = '/api/live/stream';

export type LiveMessage = { kind: 'frame'; frame: IntervalFrame } | { kind: 'event'; event: RunEvent };

/** The SSE event names, one per message kind. */
export const LIVE_EVENT_NAMES: readonly LiveMessage['kind'][] = ['frame', 'event'];

/** One message as SSE text (ends with the blank line that dispatches it). */
export function encodeLiveMessage(m: LiveMessage): string {
  if (m.kind === 'frame') return `event: frame\nid: ${m.frame.index}\ndata: ${JSON.stringify(m.frame)}\n\n`;
  return `event: event\ndata: ${JSON.stringify(m.event)}\n\n`;
}

/** The index after which a reader that sent `Last-Event-ID` wants frames, or -1 for all. */
export function resumeAfter(lastEventId: string | string[] | undefined): number {
  const v = Array.isArray(lastEventId) ? lastEventId[0] : lastEventId;
  return v !== undefined && /^\d+$/.test(v.trim()) ? Number(v) : -1;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

function isFrame(v: unknown): v is IntervalFrame {
  return (
    isObject(v) &&
    Number.isInteger(v.index) &&
    typeof v.t === 'number' &&
    typeof v.intervalMs === 'number' &&
    isObject(v.entry) &&
    isObject(v.services) &&
    isObject(v.edges) &&
    Array.isArray(v.events)
  );
}

function isEvent(v: unknown): v is RunEvent {
  return isObject(v) && typeof v.t === 'number' && typeof v.kind === 'string';
}

/** A received SSE event as a typed message, or a sentence saying what is wrong with it. */
export function decodeLiveMessage(eventName: string, data: string): LiveMessage | string {
  if (!(LIVE_EVENT_NAMES as readonly string[]).includes(eventName))
    return `unknown event "${eventName}" (expected ${LIVE_EVENT_NAMES.join(' or ')})`;
  let v: unknown;
  try {
    v = JSON.parse(data);
  } catch {
    return `${eventName}: data is not JSON`;
  }
  if (eventName === 'frame')
    return isFrame(v)
      ? { kind: 'frame', frame: v }
      : 'frame: not an interval frame (index, t, entry, services, edges, events)';
  return isEvent(v) ? { kind: 'event', event: v } : 'event: not a run event (t, kind)';
}
