/**
 * The one image every docker-backend unit runs in: this machine's own `node` and its shared
 * libraries (no registry, no app inside — the repository is mounted at run time). Built once per
 * machine and found again by a tag made from what went into it, so a new Node makes a new image.
 */
import { createHash } from 'node:crypto';
import { realpathSync, statSync } from 'node:fs';
import type Docker from 'dockerode';
import { buildNodeImage, sharedLibraries } from './image.ts';

export const NODE_IMAGE_REPO = 'meshdojo/node';
/** The label every image meshdojo builds carries (what `live down --images` would look for). */
export const LABEL_IMAGE = 'meshdojo.image';
/** Bump when the rootfs recipe in image.ts changes. */
const RECIPE = 1;

/** `meshdojo/node:<hash>` of the node binary and its libraries (path, size, mtime) and the recipe. */
export function nodeImageTag(binary = process.execPath): string {
  const hash = createHash('sha256').update(`recipe ${RECIPE}\n${process.version}\n`);
  for (const file of [realpathSync(binary), ...sharedLibraries(realpathSync(binary))]) {
    const st = statSync(file);
    hash.update(`${file} ${st.size} ${st.mtimeMs}\n`);
  }
  return `${NODE_IMAGE_REPO}:${hash.digest('hex').slice(0, 16)}`;
}

async function imageExists(docker: Docker, tag: string): Promise<boolean> {
  const found = await docker.listImages({ filters: { reference: [tag] } });
  return found.length > 0;
}

/**
 * The tag of an image holding node, building it if the engine lacks it. `tag` overrides the
 * content tag (tests build their own, labelled, and remove it afterwards).
 */
export async function ensureNodeImage(
  docker: Docker,
  opts: { tag?: string; labels?: Record<string, string> } = {},
): Promise<string> {
  const tag = opts.tag ?? nodeImageTag();
  if (await imageExists(docker, tag)) return tag;
  return buildNodeImage(docker, { tag, entries: {}, labels: { [LABEL_IMAGE]: 'node', ...opts.labels } });
}
