/** File output for the CLI: atomic writes, the d3 source for self-contained HTML. */
import {
  closeSync,
  fsyncSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
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
