/**
 * Client for `meshdojo serve`'s live stream: Server-Sent Events whose `data` is one IntervalFrame
 * (event name `interval`), the same shape the in-page simulator posts. Built on fetch streams, not
 * EventSource, so it runs in Node tests too and can be aborted.
 */
import type { IntervalFrame } from '../../../simulator/telemetry/interval.ts';

export interface SseEvent {
  event: string;
  data: string;
  id?: string;
}

/** Incremental SSE parser (text/event-stream, WHATWG rules for the fields we use). */
export class SseParser {
  private buf = '';
  private data: string[] = [];
  private event = '';
  private id: string | undefined;

  push(chunk: string): SseEvent[] {
    this.buf += chunk;
    const out: SseEvent[] = [];
    let nl: number;
    while ((nl = this.buf.search(/\r\n|\r|\n/)) >= 0) {
      const line = this.buf.slice(0, nl);
      const len = this.buf.startsWith('\r\n', nl) ? 2 : 1;
      this.buf = this.buf.slice(nl + len);
      if (line === '') {
        if (this.data.length)
          out.push({ event: this.event || 'message', data: this.data.join('\n'), id: this.id });
        this.data = [];
        this.event = '';
        continue;
      }
      if (line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      let value = colon < 0 ? '' : line.slice(colon + 1);
      if (value.startsWith(' ')) value = value.slice(1);
      if (field === 'data') this.data.push(value);
      else if (field === 'event') this.event = value;
      else if (field === 'id') this.id = value;
    }
    return out;
  }
}

function isFrame(v: unknown): v is IntervalFrame {
  const f = v as IntervalFrame;
  return (
    typeof f === 'object' &&
    f !== null &&
    typeof f.index === 'number' &&
    typeof f.t === 'number' &&
    typeof f.entry === 'object' &&
    typeof f.services === 'object' &&
    typeof f.edges === 'object' &&
    Array.isArray(f.events)
  );
}

export interface LiveHandlers {
  onFrame(frame: IntervalFrame): void;
  onError?(message: string): void;
  onEnd?(): void;
}

/** Connect; resolves when the stream ends (or rejects on a network error). Abort with `signal`. */
export async function streamIntervals(url: string, h: LiveHandlers, signal?: AbortSignal): Promise<number> {
  const res = await fetch(url, { headers: { accept: 'text/event-stream' }, signal });
  if (!res.ok || !res.body) throw new Error(`${url}: HTTP ${res.status}`);
  const parser = new SseParser();
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let frames = 0;
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    for (const ev of parser.push(value)) {
      if (ev.event === 'end') {
        h.onEnd?.();
        return frames;
      }
      if (ev.event !== 'interval') continue;
      let parsed: unknown;
      try {
        parsed = JSON.parse(ev.data);
      } catch {
        h.onError?.(`event ${ev.id ?? ''}: data is not JSON`);
        continue;
      }
      if (!isFrame(parsed)) {
        h.onError?.(`event ${ev.id ?? ''}: not an interval frame`);
        continue;
      }
      frames++;
      h.onFrame(parsed);
    }
  }
  h.onEnd?.();
  return frames;
}
