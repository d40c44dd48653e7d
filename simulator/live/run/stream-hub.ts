/**
 * The supervisor's side of the live stream: keeps the frames closed so far, answers `GET /stream`
 * (replaying what a reader has not seen — all of it, or what follows its Last-Event-ID) and
 * writes each new message to every connected reader, in telemetry/live-stream-protocol.ts's format.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { IntervalFrame } from '../../telemetry/interval.ts';
import { encodeLiveMessage, resumeAfter, type LiveMessage } from '../../telemetry/live-stream-protocol.ts';

/** A run longer than this many intervals replays only its first ones (memory stays bounded). */
const MAX_KEPT_FRAMES = 100_000;

export class LiveStreamHub {
  private readonly readers = new Set<ServerResponse>();
  private readonly frames: IntervalFrame[] = [];

  /** Frames closed so far (as `live status` reports them). */
  get frameCount(): number {
    return this.frames.length;
  }

  get readerCount(): number {
    return this.readers.size;
  }

  publish(m: LiveMessage): void {
    if (m.kind === 'frame' && this.frames.length < MAX_KEPT_FRAMES) this.frames.push(m.frame);
    const text = encodeLiveMessage(m);
    for (const r of this.readers) r.write(text);
  }

  /** Answer a reader: the event-stream head, the frames it has not seen, then every new message. */
  serve(req: IncomingMessage, res: ServerResponse): void {
    res.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
    });
    res.write(': meshdojo live stream\n\n');
    const after = resumeAfter(req.headers['last-event-id']);
    for (const f of this.frames)
      if (f.index > after) res.write(encodeLiveMessage({ kind: 'frame', frame: f }));
    this.readers.add(res);
    req.on('close', () => this.readers.delete(res));
  }

  /** End every reader's response (the run is going away). */
  endAll(): void {
    for (const r of this.readers) r.end();
    this.readers.clear();
  }
}
