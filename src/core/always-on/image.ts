// The gateway image archon-mcp-doctor-gateway:<version>, built through the Engine API from an in-memory
// build context: the base image (any with `node` on its PATH: official, distroless, a mirror's) plus the
// bundled CLI. No RUN steps, so a base image without a shell works too.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import type Dockerode from 'dockerode';
import { unlessNotFound } from '../docker';
import { errorMessage, fieldOf } from '../narrow';
import { tarStream } from '../docker';
import { DockerGatewayError, GATEWAY_IMAGE_REPO, INNER_PORT, INNER_STATE_DIR, LABELS } from './sidecar-vocabulary';

/** The unprivileged user (and group) the gateway runs as: nobody. */
export const GATEWAY_UID = 65534;
export const GATEWAY_USER = `${GATEWAY_UID}:${GATEWAY_UID}`;

export interface GatewayImage {
  tag: string;
  id: string;
  built: boolean;
}

/** Waits for a progress stream (pull, build) to end; rejects with the first error message in it. */
export function followProgress(docker: Dockerode, stream: NodeJS.ReadableStream): Promise<unknown[]> {
  return new Promise((resolve, reject) => {
    // docker.modem's follower: dockerode's own one needs BuildKit, which the bundle leaves out.
    docker.modem.followProgress(stream, (err: Error | null, out: unknown[]) => {
      if (err) return reject(err);
      const bad = (out ?? []).map((o) => fieldOf(o, 'error')).find(Boolean);
      if (bad) return reject(new Error(String(bad).trim()));
      resolve(out ?? []);
    });
  });
}

function inspectImage(docker: Dockerode, ref: string): Promise<Dockerode.ImageInspectInfo | undefined> {
  return unlessNotFound(docker.getImage(ref).inspect());
}

/** The base image's id; pulls it when it is not here. Throws `base-image-missing` when that fails. */
async function baseImageId(docker: Dockerode, base: string, progress: (m: string) => void): Promise<string> {
  const here = await inspectImage(docker, base);
  if (here) return here.Id;
  progress(`pulling base image ${base}`);
  try {
    await followProgress(docker, await docker.pull(base));
  } catch (e) {
    throw new DockerGatewayError(
      'base-image-missing',
      `Base image "${base}" is not on this machine and pulling it failed (${firstLine(errorMessage(e))}). ` +
        `Pull it where a registry is reachable (docker pull ${base}), or pass --base-image with a local image that has node (20 or newer) on its PATH.`,
    );
  }
  const pulled = await inspectImage(docker, base);
  if (!pulled)
    throw new DockerGatewayError(
      'base-image-missing',
      `Pulling "${base}" reported success but the image is not there.`,
    );
  return pulled.Id;
}

export function gatewayDockerfile(base: string, contextHash: string): string {
  return [
    `FROM ${base}`,
    'COPY cli.js /app/cli.js',
    // The state directory comes with the image, owned by the gateway's user, so a new named volume
    // mounted there starts with that ownership.
    `COPY --chown=${GATEWAY_USER} state ${INNER_STATE_DIR}`,
    `LABEL ${LABELS.managed}="1" ${LABELS.contextHash}="${contextHash}"`,
    `USER ${GATEWAY_USER}`,
    `EXPOSE ${INNER_PORT}`,
    // `node` through the image's PATH: /usr/local/bin (official images), /usr/bin (distro and mirror images), /nodejs/bin (distroless).
    'ENTRYPOINT ["node", "/app/cli.js", "proxy"]',
    '',
  ].join('\n');
}

/** Builds the image unless one with the same content already carries the tag. */
export async function ensureGatewayImage(
  docker: Dockerode,
  opts: { baseImage: string; cliBundlePath: string; version: string; onProgress?: (m: string) => void },
): Promise<GatewayImage> {
  const progress = opts.onProgress ?? (() => undefined);
  if (!opts.cliBundlePath.endsWith('.js') || !existsSync(opts.cliBundlePath)) {
    throw new DockerGatewayError(
      'bundle-missing',
      `The bundled CLI ${opts.cliBundlePath} is missing: run \`npm run build\` (or use the installed archon-mcp-doctor).`,
    );
  }
  const tag = `${GATEWAY_IMAGE_REPO}:${opts.version}`;
  const baseId = await baseImageId(docker, opts.baseImage, progress);
  const bundle = readFileSync(opts.cliBundlePath);
  const contextHash = createHash('sha256')
    .update(baseId)
    .update('\0')
    .update(opts.baseImage)
    .update('\0')
    .update(bundle)
    .digest('hex')
    .slice(0, 16);
  const existing = await inspectImage(docker, tag);
  if (existing && existing.Config?.Labels?.[LABELS.contextHash] === contextHash)
    return { tag, id: existing.Id, built: false };

  await checkBaseImage(docker, opts.baseImage, progress);
  progress(`building image ${tag} from ${opts.baseImage}`);
  const context = tarStream([
    { name: 'Dockerfile', type: 'file', data: Buffer.from(gatewayDockerfile(opts.baseImage, contextHash)) },
    { name: 'cli.js', type: 'file', data: bundle },
    { name: 'state', type: 'dir', mode: 0o700 },
    { name: 'state/.keep', type: 'file', mode: 0o600, data: Buffer.alloc(0) },
  ]);
  try {
    const stream = await docker.buildImage(context, { t: tag, rm: true, forcerm: true });
    await followProgress(docker, stream);
  } catch (e) {
    throw new DockerGatewayError('build-failed', `Building ${tag} failed: ${firstLine(errorMessage(e))}`);
  }
  const built = await inspectImage(docker, tag);
  if (!built)
    throw new DockerGatewayError('build-failed', `Building ${tag} reported success but the image is not there.`);
  return { tag, id: built.Id, built: true };
}

/** The oldest Node the bundled CLI runs on (esbuild target node20). */
const MIN_NODE_MAJOR = 20;

/**
 * Runs `node` in the base image once (a throwaway container without network, removed at once), before
 * the gateway image or container is made: an image without node on its PATH, or with an old one, gets a
 * message that says so instead of Docker's "OCI runtime create failed: exec: … no such file or directory".
 */
export async function checkBaseImage(
  docker: Dockerode,
  base: string,
  progress: (m: string) => void = () => undefined,
): Promise<string> {
  const info = await inspectImage(docker, base);
  const pathEnv = info?.Config?.Env?.find((e) => e.startsWith('PATH='))?.slice(5);
  progress(`checking that ${base} has node on its PATH`);
  let container: Dockerode.Container | undefined;
  try {
    container = await docker.createContainer({
      Image: base,
      Entrypoint: ['node', '-e', 'process.stdout.write(process.versions.node)'],
      Cmd: [],
      Labels: { [LABELS.managed]: '1' },
      HostConfig: { NetworkMode: 'none' },
    });
    try {
      await container.start();
    } catch (e) {
      const why = firstLine(errorMessage(e));
      const notFound = /executable file not found|no such file or directory/i.test(why);
      throw new DockerGatewayError(
        'base-image-unusable',
        notFound
          ? `Base image "${base}" has no \`node\` on its PATH (${pathEnv ? `PATH=${pathEnv}` : 'the image sets no PATH'}). Use an image with Node.js ${MIN_NODE_MAJOR} or newer on its PATH (node:${MIN_NODE_MAJOR}-alpine, a distroless nodejs image, your registry's mirror of either) with --base-image.`
          : `Base image "${base}" cannot run node: ${why}`,
      );
    }
    // The engine's wait answer is typed `any` by dockerode: read the one field it has.
    const status: unknown = fieldOf(await container.wait(), 'StatusCode');
    const StatusCode = typeof status === 'number' ? status : undefined;
    const out: Buffer = await container.logs({ stdout: true, stderr: true, follow: false });
    // Docker's multiplexed log frames: an 8-byte header per frame; the version is plain digits and dots.
    const version = /\d+\.\d+\.\d+/.exec(out.toString('latin1'))?.[0];
    if (StatusCode !== 0 || !version)
      throw new DockerGatewayError(
        'base-image-unusable',
        `Base image "${base}": \`node\` exited with code ${StatusCode} and no version; it cannot run the gateway.`,
      );
    if (Number(version.split('.')[0]) < MIN_NODE_MAJOR) {
      throw new DockerGatewayError(
        'base-image-unusable',
        `Base image "${base}" has Node.js ${version}; the gateway needs ${MIN_NODE_MAJOR} or newer (--base-image node:${MIN_NODE_MAJOR}-alpine or newer).`,
      );
    }
    return version;
  } finally {
    await container?.remove({ force: true }).catch(() => undefined);
  }
}

function firstLine(s: string): string {
  const l = s.split('\n')[0] ?? '';
  return l.length > 300 ? `${l.slice(0, 300)}…` : l;
}
