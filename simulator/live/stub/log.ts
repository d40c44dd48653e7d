/** The stub's record log: lines buffered and appended every 100 ms (and at once on shutdown). */
import { appendFileSync, appendFile } from 'node:fs';
import type { StubRecord } from './config.ts';

export class RecordLog {
  private lines: string[] = [];
  private readonly timer: ReturnType<typeof setInterval>;

  constructor(private readonly path: string) {
    this.timer = setInterval(() => this.flush(), 100);
    this.timer.unref();
  }

  write(r: StubRecord): void {
    this.lines.push(JSON.stringify(r));
  }

  flush(): void {
    if (this.lines.length === 0) return;
    const text = this.lines.join('\n') + '\n';
    this.lines = [];
    appendFile(this.path, text, () => undefined);
  }

  /** Synchronous: the last lines reach the file before the process exits. */
  close(): void {
    clearInterval(this.timer);
    if (this.lines.length === 0) return;
    appendFileSync(this.path, this.lines.join('\n') + '\n');
    this.lines = [];
  }
}
