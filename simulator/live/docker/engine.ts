/** The Docker engine, through dockerode on the local socket; a missing engine is a clear error. */
import Docker from 'dockerode';

export class DockerUnavailable extends Error {
  override name = 'DockerUnavailable';
}

const HOW_TO_START =
  'start one with `dockerd --bridge=none --iptables=false --ip-forward=false &` (Debian: `apt-get install docker.io`), ' +
  'then check `docker info`; meshdojo uses host networking only and never creates networks';

/** A connected engine, or DockerUnavailable saying how to start one. */
export async function connectDocker(
  socketPath = process.env.DOCKER_SOCKET ?? '/var/run/docker.sock',
): Promise<Docker> {
  const docker = new Docker({ socketPath });
  try {
    await docker.ping();
  } catch (err) {
    throw new DockerUnavailable(
      `no Docker engine answers at ${socketPath} (${(err as Error).message}): ${HOW_TO_START}`,
    );
  }
  return docker;
}
