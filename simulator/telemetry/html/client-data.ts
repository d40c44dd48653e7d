/**
 * The data an HTML report hands to its browser module (simulator/report-client): plain JSON in a
 * `application/json` block. Types only, shared by the page builder and the browser code.
 */
import type { FailureCause } from '../types.ts';

export interface ClientBlock {
  requests: number[];
  successes: number[];
  failures: number[];
  p50: number[];
  p99: number[];
  degraded?: number[];
  byCause?: Partial<Record<FailureCause, number[]>>;
  utilization?: number[];
  cpu?: number[];
  queue?: number[];
  inFlight?: number[];
  attempts?: number[];
  /** Edges: by the interval the request started in (retry amplification that respects 1 + retries). */
  started?: number[];
  sent?: number[];
  startAttempts?: number[];
}

export interface ClientRun {
  label: string;
  color: string;
  durationMs: number;
  /** Milliseconds per point after binning. */
  stepMs: number;
  t: number[];
  entry: ClientBlock;
  services: Record<string, ClientBlock>;
  edges: Record<string, ClientBlock>;
  bands: { from: number; to: number; label: string }[];
  markers: { t: number; label: string; state: string }[];
  /** Canary weight steps: [time, weight %] per canary service. */
  canary: Record<string, [number, number][]>;
}

export interface RunPageData {
  kind: 'run';
  runs: ClientRun[];
  causes: readonly FailureCause[];
  causeColors: readonly string[];
  ampEdges: string[];
  edgeColors: readonly string[];
}

export interface HeatmapData {
  kind: 'sweep';
  heat: {
    y: { key: string; values: string[] };
    x: { key: string; values: string[] };
    metrics: { name: string; format: 'pct' | 'ms' | 'count'; higherIsBetter: boolean; cells: number[][] }[];
  } | null;
}

export type PageData = RunPageData | HeatmapData;

/** The id of the data block. */
export const DATA_ID = 'meshdojo-data';
