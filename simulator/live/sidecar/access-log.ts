/**
 * The sidecar's access log: one `AccessRecord` (live/contract.ts) per request as a JSON line,
 * appended to the configured file. Records are kept as objects and serialised in batches off the
 * request path; the batch is written when it is large or a moment old, and on drain and exit. The
 * buffer is bounded: while the disk cannot keep up, records beyond the bound are dropped and
 * counted (`dropped`), never held without limit.
 *
 * `envoyLine` prints a record in Envoy's default text format (telemetry/access-log.ts), with
 * START_TIME on the run's clock as the simulator prints it, so the two logs line up.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { formatAccessLog } from '../../telemetry/access-log.ts';
import type { AccessRecord } from '../contract.ts';

const BATCH = 256;
const FLUSH_MS = 200;
/** Records held at most while the file lags. */
const MAX_PENDING = 50_000;

export class AccessLogWriter {
  written = 0;
  dropped = 0;
  private pending: AccessRecord[] = [];
  private readonly out: WriteStream;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private waitingDrain = false;
  /** The last records (for `/stats` and tests), a small ring. */
  private readonly recent: AccessRecord[] = [];

  constructor(readonly path: string) {
    this.out = createWriteStream(path, { flags: 'a' });
    this.out.on('error', (e) => process.stderr.write(`access log ${path}: ${e.message}\n`));
    this.out.on('drain', () => {
      this.waitingDrain = false;
      if (this.pending.length) this.flush();
    });
  }

  write(r: AccessRecord): void {
    if (this.pending.length >= MAX_PENDING) {
      this.dropped++;
      return;
    }
    this.pending.push(r);
    if (this.recent.length >= 20) this.recent.shift();
    this.recent.push(r);
    if (this.pending.length >= BATCH) this.flush();
    else if (this.timer === null) {
      this.timer = setTimeout(() => this.flush(), FLUSH_MS);
      this.timer.unref();
    }
  }

  lastRecords(): readonly AccessRecord[] {
    return this.recent;
  }

  /** Serialise and hand the pending records to the file (unless it is applying back-pressure). */
  flush(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    if (this.waitingDrain || this.pending.length === 0) return;
    const batch = this.pending;
    this.pending = [];
    let text = '';
    for (const r of batch) text += JSON.stringify(r) + '\n';
    this.written += batch.length;
    if (!this.out.write(text)) this.waitingDrain = true;
  }

  /** Write everything and close the file. */
  async close(): Promise<void> {
    this.waitingDrain = false;
    this.flush();
    await new Promise<void>((resolve) => this.out.end(resolve));
  }
}

/** One record in Envoy's default access-log format. */
export function envoyLine(r: AccessRecord): string {
  return formatAccessLog({
    startMs: r.t,
    method: r.method,
    path: r.path,
    status: r.response_code,
    flags: r.response_flags,
    durationMs: r.duration,
    requestId: r.request_id,
    authority: r.to,
    ...(r.upstream_host !== null && { upstreamHost: r.upstream_host }),
  });
}
