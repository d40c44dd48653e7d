/** File output for the CLI: atomic writes, the d3 source for self-contained HTML. */
import {
  accessSync,
  constants as fsConstants,
  closeSync,
  realpathSync,
  fsyncSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UsageError } from './errors.ts';

/**
 * Writes `data` to `file` atomically: the bytes go to `file.tmp-<pid>` first, which is then renamed
 * over `file`, so a reader (or a crash) never sees a half-written file.
 */
export function writeFileAtomic(file: string, data: string | Uint8Array): void {
  const tmp = `${file}.tmp-${process.pid}`;
  try {
    const fd = openSync(tmp, 'w');
    try {
      const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
      let off = 0;
      while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, file);
  } catch (err) {
    rmSync(tmp, { force: true });
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ENOENT' || e.code === 'EACCES' || e.code === 'EISDIR' || e.code === 'ENOTDIR') {
      const why = e.code === 'ENOENT' ? 'no such directory' : describeErrno(e.code);
      throw new UsageError(`cannot write ${file}: ${why}`);
    }
    throw err;
  }
}

/** Checks that every input file exists and is a readable regular file (exit 2 otherwise). */
export function checkReadable(files: readonly string[]): void {
  for (const file of files) {
    let isFile: boolean;
    try {
      isFile = statSync(file).isFile();
    } catch (err) {
      throw new UsageError(`cannot read ${file}: ${describeErrno((err as NodeJS.ErrnoException).code)}`);
    }
    if (!isFile) throw new UsageError(`cannot read ${file}: not a file`);
  }
}

/** The path a file is (or would be) at: symlinks and `..` resolved where they exist. */
function canonical(file: string): string {
  try {
    return realpathSync(file);
  } catch {
    try {
      return join(
        realpathSync(dirname(resolve(file))),
        resolve(file).slice(dirname(resolve(file)).length + 1),
      );
    } catch {
      return resolve(file);
    }
  }
}

/**
 * Checks every output file before the run starts, so that an hour of simulation is never lost to
 * a typo: no output may be one of the inputs (nothing is ever written over an input), no two
 * outputs may be the same file, and each must be writable (its directory exists and accepts files;
 * the file itself, when it exists, is a regular writable file). Throws a UsageError (exit 2).
 */
export function checkOutputs(
  inputs: readonly string[],
  outputs: readonly { flag: string; file: string | undefined }[],
): void {
  const inputPaths = new Map(inputs.map((f) => [canonical(f), f]));
  const seen = new Map<string, string>();
  for (const { flag, file } of outputs) {
    if (file === undefined) continue;
    const path = canonical(file);
    const input = inputPaths.get(path);
    if (input !== undefined)
      throw new UsageError(`${flag} ${file}: that is an input file (${input}); refusing to write over it`);
    const other = seen.get(path);
    if (other !== undefined)
      throw new UsageError(`${flag} ${file}: the same file as ${other}; give each output its own file`);
    seen.set(path, `${flag} ${file}`);
    let isDir = false;
    let exists = false;
    try {
      const st = statSync(file);
      exists = true;
      isDir = st.isDirectory();
    } catch {
      // does not exist yet: its directory must take it
    }
    if (isDir) throw new UsageError(`cannot write ${file} (${flag}): is a directory`);
    try {
      accessSync(exists ? file : dirname(resolve(file)), fsConstants.W_OK);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      const why = code === 'ENOENT' ? 'no such directory' : describeErrno(code);
      throw new UsageError(`cannot write ${file} (${flag}): ${why}`);
    }
  }
}

export function describeErrno(code: string | undefined): string {
  switch (code) {
    case 'ENOENT':
      return 'no such file';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'is a directory';
    case 'ENOTDIR':
      return 'a parent is not a directory';
    default:
      return code ?? 'unknown error';
  }
}

let d3Cache: string | undefined;

/** The minified d3 bundle (UMD), to inline into self-contained HTML reports. */
export function d3Source(): string {
  if (d3Cache === undefined) {
    const require = createRequire(import.meta.url);
    // d3's package.json `exports` hides dist/d3.min.js, so resolve the package entry and look beside it.
    const file = join(dirname(require.resolve('d3')), 'd3.min.js');
    d3Cache = readFileSync(file, 'utf8');
  }
  return d3Cache;
}

/** What an HTML report inlines: d3 and the report's own browser code (see reportClientSource). */
export function htmlAssets(): { d3Source: string; clientSource: string } {
  return { d3Source: d3Source(), clientSource: reportClientSource() };
}

let clientCache: string | undefined;

/**
 * The HTML report's browser code, bundled from its TypeScript module (simulator/report-client) by
 * esbuild — installed with tsx, which runs this CLI — at report time, so there is no generated file
 * to keep in sync and the code that runs in the page is the code that is linted and type-checked.
 */
export function reportClientSource(): string {
  if (clientCache === undefined) {
    const require = createRequire(import.meta.url);
    const esbuild = require('esbuild') as typeof import('esbuild');
    const entry = fileURLToPath(new URL('../report-client/main.ts', import.meta.url));
    const out = esbuild.buildSync({
      entryPoints: [entry],
      bundle: true,
      format: 'iife',
      target: 'es2020',
      minify: true,
      write: false,
      legalComments: 'none',
      logLevel: 'silent',
    });
    clientCache = out.outputFiles[0].text;
  }
  return clientCache;
}
