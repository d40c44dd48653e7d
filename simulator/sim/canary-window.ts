/**
 * What a canary controller analyses at each tick: the canary subset's answers since the last tick
 * (success rate, p99, count), then it starts again. One window per canary, fed by the simulated
 * data plane (sim/mesh-setup.ts) and by a live run's stub logs (live/run/canaries.ts) alike.
 */
import type { CanaryAnalysis } from '../control/canary.ts';
import { LatencyHistogram } from '../telemetry/histogram.ts';

export class CanaryWindow {
  private served = 0;
  private ok = 0;
  private readonly hist = new LatencyHistogram();

  /** One answer of the canary subset. */
  record(ok: boolean, latencyMs: number): void {
    this.served++;
    if (ok) this.ok++;
    this.hist.record(latencyMs);
  }

  /** The window's figures (a window with no answers reads as healthy: 100 %, 0 ms), then reset. */
  take(): CanaryAnalysis {
    const a = {
      successRate: this.served ? this.ok / this.served : 1,
      p99Ms: this.hist.count ? this.hist.percentile(99) : 0,
      requests: this.served,
    };
    this.served = 0;
    this.ok = 0;
    this.hist.reset();
    return a;
  }
}
