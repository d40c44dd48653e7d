/**
 * Reads documents from disk for the model's loader. The loader itself (simulator/model) is
 * isomorphic — it runs in a browser Web Worker too — and only ever gets file contents passed in.
 */
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, normalize } from 'node:path';
import { SpecError } from '../model/errors.ts';
import { loadBundle, type Bundle, type Source } from '../model/load.ts';
import { holdsManifests, importManifests } from '../interop/import.ts';

function readSource(file: string): Source {
  return { file, text: readFileSync(file, 'utf8') };
}

/** The manifest files given to `run` as one neutral MeshPolicy source. */
function importForRun(sources: Source[]): Source {
  const r = importManifests(sources);
  return {
    file: `${sources.map((s) => s.file).join(', ')} (imported from ${r.report.dialect})`,
    text: r.yaml,
  };
}

function reason(e: unknown): string {
  const code = (e as { code?: string } | null)?.code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EISDIR') return 'is a directory';
  if (code === 'EACCES') return 'permission denied';
  return e instanceof Error ? e.message : String(e);
}

/**
 * Reads the given files and loads them as one Bundle (see `loadBundle`). A Scenario's references
 * are read relative to the scenario's own file. Throws `SpecError` for unreadable files too.
 */
export function loadFiles(paths: readonly string[]): Bundle {
  const sources: Source[] = [];
  const unreadable = [];
  for (const p of paths) {
    try {
      sources.push(readSource(p));
    } catch (e) {
      unreadable.push({ file: p, line: 1, column: 1, path: '', message: `cannot read file: ${reason(e)}` });
    }
  }
  if (unreadable.length) throw new SpecError(unreadable);
  // Istio, Linkerd, Kuma… manifests given to `run` are imported into one neutral MeshPolicy
  const manifests = sources.filter(holdsManifests);
  if (manifests.length)
    sources.splice(
      0,
      sources.length,
      ...sources.filter((s) => !manifests.includes(s)),
      importForRun(manifests),
    );
  return loadBundle(sources, (fromFile, relPath) => {
    const file = isAbsolute(relPath) ? relPath : normalize(join(dirname(fromFile), relPath));
    try {
      return readSource(file);
    } catch (e) {
      throw new Error(`${reason(e)} (${file})`, { cause: e });
    }
  });
}
