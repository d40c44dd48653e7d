/**
 * Checks made before a run starts, on what the documents ask for against what the run will do:
 * a fault that starts after the run ends, a probe window the run never reaches, a kill of more
 * instances than there are. They might be meant (a shortened `--duration` on purpose), so they are
 * warnings on stderr, each naming `file:line:col path` — the verdict still refuses to pass a probe
 * that saw nothing.
 */
import { readFileSync } from 'node:fs';
import { parseDocuments, type DocOrigin } from '../model/load.ts';
import { formatPath, type PathSegment } from '../model/errors.ts';
import type { ChaosSpec, ScenarioSpec, TargetSelector } from '../model/types.ts';
import { scenarioDuration } from '../sim/run.ts';
import { fmtDuration } from '../telemetry/format.ts';

/** Where each ChaosExperiment of the input files is written, by its name. */
function chaosOrigins(files: readonly string[]): Map<string, DocOrigin> {
  const out = new Map<string, DocOrigin>();
  for (const file of files) {
    let docs;
    try {
      docs = parseDocuments(readFileSync(file, 'utf8'), file);
    } catch {
      continue; // the loader has reported (or will report) it
    }
    for (const d of docs)
      if (d.kind === 'ChaosExperiment' && !out.has(d.value.name)) out.set(d.value.name, d.origin);
  }
  return out;
}

function instancesOf(scenario: ScenarioSpec, sel: TargetSelector): number | undefined {
  if (sel.node !== undefined) return undefined;
  let n = 0;
  for (const s of scenario.topology.services) {
    if (sel.service !== undefined && s.name !== sel.service) continue;
    for (const v of s.versions) if (sel.version === undefined || v.name === sel.version) n += v.replicas;
  }
  return n;
}

/** Warnings (without the `warning: ` prefix) about chaos and probes that cannot act as written. */
export function scenarioWarnings(scenario: ScenarioSpec, files: readonly string[]): string[] {
  const durationMs = scenarioDuration(scenario);
  // The files are parsed a second time (for positions) only when there is something to warn about.
  let origins: Map<string, DocOrigin> | undefined;
  const out: string[] = [];
  const at = (exp: ChaosSpec, path: PathSegment[]): string => {
    origins ??= chaosOrigins(files);
    const o = origins.get(exp.name);
    if (!o) return `chaos ${exp.name}`;
    const p = o.locate(path);
    return `${o.file}:${p.line}:${p.column} ${formatPath([...o.pathPrefix, ...path])}`;
  };
  const run = fmtDuration(durationMs);
  for (const exp of scenario.chaos) {
    exp.faults.forEach((f, i) => {
      if (f.at >= durationMs)
        out.push(
          `${at(exp, ['spec', 'faults', i, 'at'])}: fault ${f.name} starts at ${fmtDuration(f.at)}, when the run (${run}) is over: it will not fire (lengthen --duration or move \`at\`)`,
        );
      if (f.type === 'kill' && f.target.count !== undefined) {
        const n = instancesOf(scenario, f.target);
        if (n !== undefined && f.target.count > n)
          out.push(
            `${at(exp, ['spec', 'faults', i, 'target', 'count'])}: fault ${f.name} kills ${f.target.count} instances, but the target has ${n}: it kills all ${n}`,
          );
      }
    });
    exp.steadyState.forEach((p, i) => {
      const w = p.window;
      if (!w) return;
      if (w.from >= durationMs)
        out.push(
          `${at(exp, ['spec', 'steadyState', i, 'window', 'from'])}: probe ${p.name} looks from ${fmtDuration(w.from)}, after the run (${run}) ends: it will have no data and cannot hold`,
        );
      else if (w.to !== undefined && w.to > durationMs)
        out.push(
          `${at(exp, ['spec', 'steadyState', i, 'window', 'to'])}: probe ${p.name} looks until ${fmtDuration(w.to)}, but the run ends at ${run}: only ${fmtDuration(durationMs - w.from)} of its window will be measured`,
        );
    });
  }
  return out;
}
