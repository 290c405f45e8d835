// `up`, `down` and `status` of the gateway container: beside the upstream's container on its
// user-defined network, restart policy unless-stopped, published on 127.0.0.1 only, sessions in a
// named volume, the Docker socket only when asked for. Everything through dockerode.
import { createHash } from 'node:crypto';
import { statSync } from 'node:fs';
import type Dockerode from 'dockerode';
import { classifyDockerError, unlessNotFound, type DockerTarget } from '../docker';
import { probeHolder } from '../gateway';
import { defaultGatewayUrl } from '../clients';
import { slugify } from '../gateway';
import { ensureGatewayImage } from './image';
import { resolveAnyUpstream } from './upstream-address';
import { demuxLogBuffer } from '../docker';
import { errorMessage, fieldOf, isRecord } from '../narrow';
import {
  INNER_SERVERS_FILE,
  ensureConfigVolume,
  putServersFile,
  readServersFile,
  removeConfigVolume,
} from './config-file';
import {
  DEFAULT_BASE_IMAGE,
  DEFAULT_DOCKER_GATEWAY_PORT,
  DockerGatewayError,
  GATEWAY_CONFIG_VOLUME_NAME,
  GATEWAY_CONTAINER_NAME,
  GATEWAY_VOLUME_NAME,
  INNER_CONFIG_DIR,
  INNER_PORT,
  INNER_SOCKET,
  INNER_STATE_DIR,
  LABELS,
  SERVERS_FILE_ENV,
  type DockerGatewayChange,
  type DockerGatewayStatus,
  type DockerGatewayUpOptions,
  type DockerGatewayUpstreamStatus,
} from './sidecar-vocabulary';
import { setTimeout as sleep } from 'node:timers/promises';

export interface DockerConnection {
  docker: Dockerode;
  target: DockerTarget;
}

export type DockerGatewayUpResult = DockerGatewayStatus & { change: DockerGatewayChange };

/** Turns an engine failure into a DockerGatewayError with a clear message; ours pass through. */
export function asDockerGatewayError(err: unknown, target: DockerTarget): DockerGatewayError {
  if (err instanceof DockerGatewayError) return err;
  const p = classifyDockerError(err, target);
  if (p.code === 'permission-denied') return new DockerGatewayError('permission-denied', p.message);
  if (p.code === 'socket-missing' || p.code === 'not-installed' || p.code === 'not-answering')
    return new DockerGatewayError('no-docker', p.message);
  return new DockerGatewayError('docker-error', p.message);
}

function inspectContainer(docker: Dockerode, name: string): Promise<Dockerode.ContainerInspectInfo | undefined> {
  return unlessNotFound(docker.getContainer(name).inspect());
}

async function removeContainer(docker: Dockerode, name: string): Promise<boolean> {
  const removed = await unlessNotFound(
    docker
      .getContainer(name)
      .remove({ force: true })
      .then(() => true),
  );
  if (!removed) return false;
  // Removal finishes asynchronously on some storage drivers: wait until the name is free.
  for (let i = 0; i < 100 && (await inspectContainer(docker, name)); i++) await sleep(100);
  return true;
}

async function logsTail(docker: Dockerode, name: string): Promise<string> {
  try {
    const buf: Buffer = await docker.getContainer(name).logs({ stdout: true, stderr: true, tail: 20, follow: false });
    // A non-TTY log stream is framed (8-byte headers): demultiplex it, as Show Container Logs does.
    return Buffer.concat(demuxLogBuffer(buf).map((f) => f.data))
      .toString('utf8')
      .trim();
  } catch {
    return '';
  }
}

function isPortTaken(err: unknown): boolean {
  return /port is already allocated|address already in use/i.test(errorMessage(err));
}

async function portTakenError(port: number): Promise<DockerGatewayError> {
  const holder = await probeHolder(port);
  const by = holder
    ? `another Archon MCP Doctor gateway (${holder.runsIn ?? 'process'}, pid ${holder.pid}) serves ${holder.baseUrl} — stop it (or let clients use it)`
    : 'another program listens there';
  return new DockerGatewayError('port-taken', `Port ${port} on 127.0.0.1 is taken: ${by}. Choose another with --port.`);
}

/** Builds (if needed) and runs the gateway container; the same settings twice change nothing. */
export async function dockerGatewayUp(
  conn: DockerConnection,
  opts: DockerGatewayUpOptions,
): Promise<DockerGatewayUpResult> {
  const { docker, target } = conn;
  const progress = opts.onProgress ?? (() => undefined);
  const port = opts.port ?? DEFAULT_DOCKER_GATEWAY_PORT;
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    throw new DockerGatewayError('port-taken', `--port must be 1..65535, not ${opts.port}`);
  const slug = slugify(opts.name ?? 'archon');
  const hold = opts.holdTimeoutSeconds ?? 30;
  try {
    const first = await resolveAnyUpstream(docker, opts.upstream, opts.upstreamContainer);
    if (!first.network)
      throw new DockerGatewayError(
        'bad-upstream',
        `The first upstream (${opts.upstream}) must be served by a container on this machine: the gateway joins its network. Put a container-served one first.`,
      );
    const up = first;
    let socketPath: string | undefined;
    let socketGroups: string[] = [];
    if (opts.withDockerSocket) {
      if (target.kind !== 'socket')
        throw new DockerGatewayError(
          'no-docker',
          `--with-docker-socket needs a local Docker socket; ${target.description} is not one.`,
        );
      socketPath = target.socketPath;
      socketGroups = socketGroupIds(socketPath);
    }
    // More upstreams: each on its container's network (or remote, as it is), each at its own slug.
    const extra: {
      slug: string;
      name: string;
      upstream: string;
      container?: string;
      network?: string;
      innerUrl: string;
      headers?: Record<string, string>;
    }[] = [];
    for (const m of opts.more ?? []) {
      const r = await resolveAnyUpstream(docker, m.upstream, m.upstreamContainer);
      const name = m.name ?? r.container ?? new URL(m.upstream).hostname;
      let s2 = m.slug ?? slugify(name);
      for (let i = 2; s2 === slug || extra.some((e) => e.slug === s2); i++) s2 = `${m.slug ?? slugify(name)}-${i}`;
      extra.push({
        slug: s2,
        name,
        upstream: m.upstream,
        container: r.container,
        network: r.network,
        innerUrl: r.innerUrl,
        ...(m.headers ? { headers: m.headers } : {}),
      });
    }
    const image = await ensureGatewayImage(docker, {
      baseImage: opts.baseImage ?? DEFAULT_BASE_IMAGE,
      cliBundlePath: opts.cliBundlePath,
      version: opts.version,
      onProgress: progress,
    });
    const networks = [...new Set([up.network, ...extra.map((e) => e.network).filter((n): n is string => Boolean(n))])];
    // Several upstreams: the inner `proxy` serves this list, read from a 0600 file (config-file.ts).
    // Headers too (only a file carries them unseen): also a single upstream that has some.
    const list =
      extra.length || opts.headers
        ? [
            { name: opts.name ?? 'archon', slug, url: up.innerUrl, ...(opts.headers ? { headers: opts.headers } : {}) },
            ...extra.map((e) => ({
              name: e.name,
              slug: e.slug,
              url: e.innerUrl,
              ...(e.headers ? { headers: e.headers } : {}),
            })),
          ]
        : undefined;
    // In the shared list's own format, so the inner `proxy` reads it as it reads the user's.
    const listFile = list ? `${JSON.stringify({ version: 1, servers: list }, null, 2)}\n` : undefined;
    // What the inner `proxy` serves with either way; the single upstream's own flags come before it.
    const serving = [
      '--host',
      '0.0.0.0',
      '--port',
      String(INNER_PORT),
      '--public-url',
      `http://127.0.0.1:${port}`,
      '--state-dir',
      INNER_STATE_DIR,
      '--hold-timeout',
      String(hold),
      '--runs-in',
      'docker',
      '--json',
    ];
    const repeatFlags = [
      ...(opts.repeat?.repeatSafe.length ? ['--repeat-safe', opts.repeat.repeatSafe.join(',')] : []),
      ...(opts.repeat?.neverRepeat.length ? ['--never-repeat', opts.repeat.neverRepeat.join(',')] : []),
    ];
    const cmd = list
      ? [...serving, ...repeatFlags]
      : [
          ...['--upstream', up.innerUrl, '--public-upstream', opts.upstream, '--name', slug],
          ...serving,
          ...(socketPath ? ['--container', up.container, '--docker-socket', INNER_SOCKET] : []),
          ...repeatFlags,
        ];
    // The label hashes the list with header names only: a value (a token) is compared with the file itself.
    const listShape = list?.map((u) => ({ ...u, headers: Object.keys(u.headers ?? {}) }));
    const settings = {
      image: image.id,
      cmd,
      port,
      network: up.network,
      socket: socketPath ?? null,
      socketGroups,
      ...(listShape ? { listShape, networks } : {}),
    };
    const settingsHash = createHash('sha256').update(JSON.stringify(settings)).digest('hex').slice(0, 16);

    const existing = await inspectContainer(docker, GATEWAY_CONTAINER_NAME);
    const sameList =
      !listFile ||
      (existing !== undefined && (await readServersFile(docker.getContainer(GATEWAY_CONTAINER_NAME))) === listFile);
    let change: DockerGatewayChange;
    if (existing && existing.Config.Labels?.[LABELS.settingsHash] === settingsHash && sameList) {
      if (existing.State.Running) change = 'unchanged';
      else {
        progress(`starting ${GATEWAY_CONTAINER_NAME}`);
        await startOrExplain(docker, port);
        change = 'started';
      }
    } else {
      if (existing) {
        progress(
          `settings changed: recreating ${GATEWAY_CONTAINER_NAME} (client sessions stay in volume ${GATEWAY_VOLUME_NAME})`,
        );
        await removeContainer(docker, GATEWAY_CONTAINER_NAME);
      }
      // A list written for an earlier container goes with it; a new one is written below.
      await removeConfigVolume(docker);
      if (listFile) await ensureConfigVolume(docker);
      const created = await docker.createContainer({
        name: GATEWAY_CONTAINER_NAME,
        Image: image.tag,
        Cmd: cmd,
        // Only the file's path: the list itself (with its headers) never enters the container's config.
        ...(listFile ? { Env: [`${SERVERS_FILE_ENV}=${INNER_SERVERS_FILE}`] } : {}),
        Labels: {
          [LABELS.managed]: '1',
          [LABELS.settingsHash]: settingsHash,
          [LABELS.upstream]: opts.upstream,
          [LABELS.upstreamContainer]: up.container,
          [LABELS.innerUpstream]: up.innerUrl,
          [LABELS.port]: String(port),
          [LABELS.slug]: slug,
          [LABELS.dockerSocket]: socketPath ? 'true' : 'false',
          ...(extra.length
            ? {
                [LABELS.upstreams]: JSON.stringify([
                  { slug, upstream: opts.upstream, upstreamContainer: up.container, innerUpstream: up.innerUrl },
                  ...extra.map((e) => ({
                    slug: e.slug,
                    upstream: e.upstream,
                    ...(e.container ? { upstreamContainer: e.container } : {}),
                    innerUpstream: e.innerUrl,
                  })),
                ]),
              }
            : {}),
        },
        ExposedPorts: { [`${INNER_PORT}/tcp`]: {} },
        StopTimeout: 10,
        HostConfig: {
          // 127.0.0.1 only: the gateway is for this machine's clients.
          PortBindings: { [`${INNER_PORT}/tcp`]: [{ HostIp: '127.0.0.1', HostPort: String(port) }] },
          RestartPolicy: { Name: 'unless-stopped' },
          // The image's unprivileged user, in the socket's group: root in the container would have no
          // capabilities (CapDrop ALL) to use the state volume, which that user owns.
          ...(socketGroups.length ? { GroupAdd: socketGroups } : {}),
          NetworkMode: up.network,
          Mounts: [
            { Type: 'volume', Source: GATEWAY_VOLUME_NAME, Target: INNER_STATE_DIR },
            ...(socketPath ? [{ Type: 'bind' as const, Source: socketPath, Target: INNER_SOCKET }] : []),
            ...(listFile
              ? [{ Type: 'volume' as const, Source: GATEWAY_CONFIG_VOLUME_NAME, Target: INNER_CONFIG_DIR }]
              : []),
          ],
          ReadonlyRootfs: true,
          CapDrop: ['ALL'],
          SecurityOpt: ['no-new-privileges'],
        },
      });
      if (listFile) await putServersFile(created, listFile);
      for (const n of networks.slice(1)) await docker.getNetwork(n).connect({ Container: GATEWAY_CONTAINER_NAME });
      progress(
        `starting ${GATEWAY_CONTAINER_NAME} on ${networks.join(', ')}, forwarding to ${[up.innerUrl, ...extra.map((e) => e.innerUrl)].join(', ')}`,
      );
      await startOrExplain(docker, port);
      change = existing ? 'recreated' : 'created';
    }
    await waitReady(docker, port, opts.readyTimeoutMs ?? 30_000);
    return { ...(await dockerGatewayStatus(conn)), change };
  } catch (err) {
    throw asDockerGatewayError(err, target);
  }
}

/**
 * The groups that open the socket from inside: its group on this machine, and root's group, which owns
 * the socket inside Docker Desktop's VM (the path bind-mounted there is the VM's, not the host's file).
 */
function socketGroupIds(socketPath: string): string[] {
  let gid: number;
  try {
    gid = statSync(socketPath).gid;
  } catch (err) {
    throw new DockerGatewayError('no-docker', `--with-docker-socket: cannot read ${socketPath}: ${errorMessage(err)}`);
  }
  return [...new Set([String(gid), '0'])];
}

async function startOrExplain(docker: Dockerode, port: number): Promise<void> {
  try {
    await docker.getContainer(GATEWAY_CONTAINER_NAME).start();
  } catch (err) {
    if (!isPortTaken(err)) throw err;
    // Leave nothing half-made behind: a created container that cannot start would retry forever.
    await removeContainer(docker, GATEWAY_CONTAINER_NAME).catch(() => undefined);
    throw await portTakenError(port);
  }
}

/** Until the gateway's status endpoint answers on the published port; a container that stops says why. */
async function waitReady(docker: Dockerode, port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const restartsBefore = (await inspectContainer(docker, GATEWAY_CONTAINER_NAME))?.RestartCount ?? 0;
  while (Date.now() < deadline) {
    const holder = await probeHolder(port, 1000);
    if (holder && holder.runsIn === 'docker') return;
    const info = await inspectContainer(docker, GATEWAY_CONTAINER_NAME);
    const crashLooping = (info?.RestartCount ?? 0) - restartsBefore > 2;
    if (!info || (!info.State.Running && !info.State.Restarting && info.State.ExitCode !== 0) || crashLooping) {
      const logs = await logsTail(docker, GATEWAY_CONTAINER_NAME);
      throw new DockerGatewayError(
        'not-ready',
        `${GATEWAY_CONTAINER_NAME} does not start (exit code ${info?.State.ExitCode ?? '?'}).${logs ? `\nIts last log lines:\n${logs}` : ''}`,
      );
    }
    await sleep(200);
  }
  const logs = await logsTail(docker, GATEWAY_CONTAINER_NAME);
  throw new DockerGatewayError(
    'not-ready',
    `${GATEWAY_CONTAINER_NAME} did not answer on 127.0.0.1:${port} within ${Math.round(timeoutMs / 1000)} s.${logs ? `\nIts last log lines:\n${logs}` : ''}`,
  );
}

/** Removes the container (the sessions volume stays, so a later `up` keeps clients' sessions). */
export async function dockerGatewayDown(
  conn: DockerConnection,
): Promise<{ removed: boolean; container: string; volume: string }> {
  try {
    const removed = await removeContainer(conn.docker, GATEWAY_CONTAINER_NAME);
    // The upstream list (headers, tokens) is the container's alone: it goes too. The sessions stay.
    await removeConfigVolume(conn.docker);
    return { removed, container: GATEWAY_CONTAINER_NAME, volume: GATEWAY_VOLUME_NAME };
  } catch (err) {
    throw asDockerGatewayError(err, conn.target);
  }
}

/** What runs, from the container's state and labels, plus the gateway's own status endpoint when it answers. */
export async function dockerGatewayStatus(conn: DockerConnection): Promise<DockerGatewayStatus> {
  try {
    const info = await inspectContainer(conn.docker, GATEWAY_CONTAINER_NAME);
    if (!info) return { state: 'absent', container: GATEWAY_CONTAINER_NAME };
    const l = info.Config.Labels ?? {};
    const port = Number(l[LABELS.port]) || undefined;
    const slug = l[LABELS.slug] || 'archon';
    const status: DockerGatewayStatus = {
      state: info.State.Restarting ? 'restarting' : info.State.Running ? 'starting' : 'stopped',
      container: GATEWAY_CONTAINER_NAME,
      ...(port ? { url: defaultGatewayUrl(slug, port), port } : {}),
      image: info.Config.Image,
      upstream: l[LABELS.upstream],
      upstreamContainer: l[LABELS.upstreamContainer],
      innerUpstream: l[LABELS.innerUpstream],
      network: info.HostConfig.NetworkMode,
      dockerSocket: l[LABELS.dockerSocket] === 'true',
      restartCount: info.RestartCount,
      startedAt: info.State.StartedAt,
    };
    if (l[LABELS.upstreams] && port) {
      // A label we did not write (not JSON, not such a list): left out.
      const list = upstreamsLabel(l[LABELS.upstreams]);
      if (list) status.upstreams = list.map((u) => ({ ...u, url: defaultGatewayUrl(u.slug, port) }));
    }
    if (status.state === 'starting' && port) {
      const holder = await probeHolder(port, 1500);
      const s = holder?.runsIn === 'docker' ? holder.servers.find((x) => x.slug === slug) : undefined;
      if (holder && s) {
        status.state = 'running';
        if (holder.uptimeSeconds !== undefined) status.uptimeSeconds = holder.uptimeSeconds;
        if (s.clients !== undefined) status.clients = s.clients;
        if (s.requestsForwarded !== undefined) status.requestsForwarded = s.requestsForwarded;
        if (s.healed) status.requestsHealed = s.healed.reinitialized + s.healed.held + s.healed.resent;
      }
    }
    return status;
  } catch (err) {
    throw asDockerGatewayError(err, conn.target);
  }
}

type LabelledUpstream = Omit<DockerGatewayUpstreamStatus, 'url'>;

function isLabelledUpstream(v: unknown): v is LabelledUpstream {
  const container = fieldOf(v, 'upstreamContainer');
  return (
    isRecord(v) &&
    typeof v.slug === 'string' &&
    typeof v.upstream === 'string' &&
    typeof v.innerUpstream === 'string' &&
    (container === undefined || typeof container === 'string')
  );
}

/** The upstreams label as `up` writes it; undefined for anything else. */
function upstreamsLabel(text: string): LabelledUpstream[] | undefined {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return undefined;
  }
  return Array.isArray(v) && v.every(isLabelledUpstream) ? v : undefined;
}
