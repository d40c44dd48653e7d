/** Downloads: JSON report, HTML report (the CLI's renderer), traces (Jaeger JSON), scenario YAML. */
import type { RunResult } from '../../simulator/telemetry/types.ts';
import { renderHtml } from '../../simulator/telemetry/report-html.ts';
import { toJaegerJson } from '../../simulator/telemetry/traces.ts';

export function download(name: string, text: string, type: string): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

export const jsonReport = (r: RunResult) => JSON.stringify(r, null, 2);
export const tracesJson = (r: RunResult) => JSON.stringify(toJaegerJson(r.traces), null, 2);

/** The HTML report with d3 inlined (loaded on demand: it is only needed here). */
export async function htmlReport(r: RunResult | RunResult[], labels?: string[]): Promise<string> {
  const d3 = (await import('../../node_modules/d3/dist/d3.min.js?raw')).default;
  return renderHtml(r, { d3Source: d3, labels });
}
