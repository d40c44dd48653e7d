/**
 * An image built with no registry: a root filesystem holding this machine's own `node` binary,
 * the shared libraries `ldd` lists for it, the app bundled by esbuild, a /tmp with mode 1777 and
 * minimal /etc/passwd and /etc/group; then `docker import` of its tar stream (dockerode importImage).
 */
import { execFileSync, spawn } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type Docker from 'dockerode';
import { build } from 'esbuild';

export interface NodeImageSpec {
  /** e.g. `meshdojo/stub:local`. */
  tag: string;
  /** Files to bundle: name in /app (without .mjs) → entry source file. */
  entries: Record<string, string>;
  /** Labels on the image (a test marks its images to remove them). */
  labels?: Record<string, string>;
}

/** The absolute paths of the shared libraries `ldd` lists for `binary` (the loader included). */
export function sharedLibraries(binary: string): string[] {
  const out = execFileSync('ldd', [binary], { encoding: 'utf8' });
  const libs: string[] = [];
  for (const line of out.split('\n')) {
    const m = /=>\s*(\/\S+)/.exec(line) ?? /^\s*(\/\S+)\s*\(/.exec(line);
    if (m) libs.push(m[1]);
  }
  return libs;
}

function copyInto(root: string, file: string): void {
  const dest = path.join(root, file);
  mkdirSync(path.dirname(dest), { recursive: true });
  copyFileSync(realpathSync(file), dest);
  chmodSync(dest, 0o755);
}

/** Writes the rootfs to a fresh temporary folder and returns it. */
export async function makeRootfs(spec: NodeImageSpec): Promise<string> {
  const root = mkdtempSync(path.join(os.tmpdir(), 'meshdojo-rootfs-'));
  const node = realpathSync(process.execPath);
  copyInto(root, node);
  if (node !== '/usr/bin/node') {
    mkdirSync(path.join(root, 'usr/bin'), { recursive: true });
    copyFileSync(node, path.join(root, 'usr/bin/node'));
    chmodSync(path.join(root, 'usr/bin/node'), 0o755);
  }
  for (const lib of sharedLibraries(node)) copyInto(root, lib);
  mkdirSync(path.join(root, 'tmp'), { recursive: true });
  chmodSync(path.join(root, 'tmp'), 0o1777);
  mkdirSync(path.join(root, 'etc'), { recursive: true });
  writeFileSync(
    path.join(root, 'etc/passwd'),
    'root:x:0:0:root:/:/usr/bin/node\nnobody:x:65534:65534:nobody:/:/usr/bin/node\n',
  );
  writeFileSync(path.join(root, 'etc/group'), 'root:x:0:\nnogroup:x:65534:\n');
  for (const [name, entry] of Object.entries(spec.entries)) {
    await build({
      entryPoints: [entry],
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      outfile: path.join(root, 'app', `${name}.mjs`),
      logLevel: 'error',
    });
  }
  return root;
}

/** Builds and imports the image; resolves to its tag. The rootfs is removed afterwards. */
export async function buildNodeImage(docker: Docker, spec: NodeImageSpec): Promise<string> {
  const root = await makeRootfs(spec);
  try {
    const tar = spawn('tar', ['-C', root, '-c', '.'], { stdio: ['ignore', 'pipe', 'inherit'] });
    const [repo, tag = 'latest'] = spec.tag.split(':');
    const changes = Object.entries(spec.labels ?? {}).map(([k, v]) => `LABEL ${k}=${v}`);
    const progress = await docker.importImage(tar.stdout, { repo, tag, changes });
    await new Promise<void>((resolve, reject) =>
      docker.modem.followProgress(progress, (err) => (err ? reject(err) : resolve())),
    );
    return spec.tag;
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
