// The upstream list of a gateway container with several upstreams: their headers may hold tokens, so
// the list goes in as a file (mode 0600, owned by the gateway's user) in a volume of its own, put there
// through the Engine API before the container starts. Env, Cmd and Labels carry only its path, so
// `docker inspect` shows no header value. Read back to tell whether `up` changes anything.
import type Dockerode from 'dockerode';
import { unlessNotFound } from '../docker';
import { tarStream } from '../docker';
import { GATEWAY_UID } from './image';
import { GATEWAY_CONFIG_VOLUME_NAME, INNER_CONFIG_DIR, INNER_SERVERS_FILE_NAME, LABELS } from './sidecar-vocabulary';

export const INNER_SERVERS_FILE = `${INNER_CONFIG_DIR}/${INNER_SERVERS_FILE_NAME}`;

/** The volume the list lives in (labelled ours), made when missing. */
export async function ensureConfigVolume(docker: Dockerode): Promise<void> {
  const here = await unlessNotFound(docker.getVolume(GATEWAY_CONFIG_VOLUME_NAME).inspect());
  if (!here) await docker.createVolume({ Name: GATEWAY_CONFIG_VOLUME_NAME, Labels: { [LABELS.managed]: '1' } });
}

/** Removes the list's volume (after its container): no token stays on the engine's disk. */
export async function removeConfigVolume(docker: Dockerode): Promise<void> {
  await unlessNotFound(docker.getVolume(GATEWAY_CONFIG_VOLUME_NAME).remove());
}

/** Writes the list into the (created, not yet started) container's config volume. */
export async function putServersFile(container: Dockerode.Container, text: string): Promise<void> {
  const archive = tarStream([
    {
      name: INNER_SERVERS_FILE_NAME,
      type: 'file',
      mode: 0o600,
      uid: GATEWAY_UID,
      gid: GATEWAY_UID,
      data: Buffer.from(text, 'utf8'),
    },
  ]);
  await container.putArchive(archive, { path: INNER_CONFIG_DIR });
}

/** The list file a container holds now; undefined when it has none (or it cannot be read). */
export async function readServersFile(container: Dockerode.Container): Promise<string | undefined> {
  try {
    const stream = await container.getArchive({ path: INNER_SERVERS_FILE });
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
    return firstTarFile(Buffer.concat(chunks))?.toString('utf8');
  } catch {
    return undefined;
  }
}

/** The contents of the first regular file in a ustar archive (the engine's archive of one file; pax headers skipped). */
export function firstTarFile(tar: Buffer): Buffer | undefined {
  for (let at = 0; at + 512 <= tar.length; ) {
    const header = tar.subarray(at, at + 512);
    if (header.every((b) => b === 0)) return undefined;
    const size = parseInt(header.subarray(124, 136).toString('ascii').replace(/\0.*$/s, '').trim() || '0', 8);
    if (!Number.isInteger(size) || size < 0 || at + 512 + size > tar.length) return undefined;
    const type = String.fromCharCode(header[156]);
    if (type === '0' || type === '\0') return tar.subarray(at + 512, at + 512 + size);
    at += 512 + Math.ceil(size / 512) * 512;
  }
  return undefined;
}
