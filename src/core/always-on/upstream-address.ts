// From the URL the user knows (http://localhost:8051/mcp) and the container that serves it to the
// address the gateway uses on that container's Docker network (http://archon-mcp:8051/mcp).
import type Dockerode from 'dockerode';
import { unlessNotFound } from '../docker';
import { isRecord } from '../narrow';
import { DockerGatewayError } from './sidecar-vocabulary';

/** Docker's own networks, on which containers cannot reach each other by name. */
const NOT_USER_NETWORKS = new Set(['bridge', 'host', 'none']);
const LOCAL_NAMES = new Set(['localhost', '127.0.0.1', '0.0.0.0', '[::1]', '::1', 'host.docker.internal']);

export interface ResolvedUpstream {
  /** As the user gave it. */
  upstream: string;
  container: string;
  network: string;
  containerPort: number;
  /** What the gateway in the container calls. */
  innerUrl: string;
}

type Inspect = Dockerode.ContainerInspectInfo;

/** Parses an http(s) URL or throws a `bad-upstream` error. */
export function parseUpstream(upstream: string): URL {
  let u: URL;
  try {
    u = new URL(upstream);
  } catch {
    throw new DockerGatewayError('bad-upstream', `--upstream is not a URL: ${upstream}`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:')
    throw new DockerGatewayError('bad-upstream', `--upstream must be an http(s) URL, not ${u.protocol}`);
  return u;
}

/** The user-defined networks of a container; the first sorted one is used (compose's own network when there is one). */
export function userNetworks(info: Inspect): string[] {
  return Object.keys(info.NetworkSettings?.Networks ?? {})
    .filter((n) => !NOT_USER_NETWORKS.has(n))
    .sort();
}

type Binding = { HostIp?: string; HostPort?: string };
type Bindings = Record<string, Binding[] | null>;

function isBinding(v: unknown): v is Binding {
  return isRecord(v) && ['HostIp', 'HostPort'].every((k) => v[k] === undefined || typeof v[k] === 'string');
}

/** Port bindings as the engine gives them (`PortBindings` is typed `any` by dockerode): what is not one is left out. */
function bindingsOf(v: unknown): Bindings {
  const out: Bindings = {};
  if (!isRecord(v)) return out;
  for (const [key, list] of Object.entries(v)) {
    if (list === null) out[key] = null;
    else if (Array.isArray(list)) out[key] = list.filter(isBinding);
  }
  return out;
}

/** The container's publishes: live ones while it runs, else the configured ones (a stopped container has none live). */
function publishes(info: Inspect): Bindings {
  const live = bindingsOf(info.NetworkSettings?.Ports);
  return Object.keys(live).length > 0 ? live : bindingsOf(info.HostConfig?.PortBindings);
}

/** The container port whose publish is the given host port, e.g. 8051 → 8051/tcp. */
export function containerPortFor(info: Inspect, hostPort: number): number | undefined {
  const ports = publishes(info);
  for (const [key, bindings] of Object.entries(ports)) {
    const [port, proto] = key.split('/');
    if (proto !== 'tcp' || !bindings) continue;
    if (bindings.some((b) => Number(b.HostPort) === hostPort)) return Number(port);
  }
  return undefined;
}

function publishedList(info: Inspect): string {
  const ports = publishes(info);
  const out: string[] = [];
  for (const [key, bindings] of Object.entries(ports)) for (const b of bindings ?? []) out.push(`${b.HostPort}→${key}`);
  return out.length ? out.join(', ') : 'no ports';
}

async function runningNames(docker: Dockerode): Promise<string[]> {
  try {
    const list = await docker.listContainers();
    return list.map((c) => (c.Names?.[0] ?? c.Id).replace(/^\//, '')).sort();
  } catch {
    return [];
  }
}

/** Inspects the upstream container and builds the in-network URL, or throws a clear DockerGatewayError. */
export async function resolveUpstream(
  docker: Dockerode,
  upstream: string,
  containerName: string,
): Promise<ResolvedUpstream> {
  const u = parseUpstream(upstream);
  const info: Inspect | undefined = await unlessNotFound(docker.getContainer(containerName).inspect());
  if (!info) {
    const names = await runningNames(docker);
    throw new DockerGatewayError(
      'upstream-container-not-found',
      `No container named "${containerName}". ${names.length ? `Running containers: ${names.join(', ')}.` : 'No containers are running.'} Pass the container that serves ${upstream} with --upstream-container (Archon's is archon-mcp).`,
    );
  }
  const name = info.Name.replace(/^\//, '');
  const networks = userNetworks(info);
  if (networks.length === 0) {
    const mode = info.HostConfig?.NetworkMode ?? 'default';
    throw new DockerGatewayError(
      'upstream-not-on-user-network',
      `Container "${name}" is only on Docker's ${mode === 'host' ? 'host network' : 'default bridge network'}, where other containers cannot reach it by name. ` +
        `Put it on a user-defined network, e.g. \`docker network create archon-net && docker network connect archon-net ${name}\` ` +
        `(Archon's docker compose creates one; start Archon with compose), then run this again.`,
    );
  }
  const defaultPort = u.protocol === 'https:' ? 443 : 80;
  const port = Number(u.port || defaultPort);
  let containerPort: number | undefined;
  if (LOCAL_NAMES.has(u.hostname.toLowerCase())) {
    containerPort = containerPortFor(info, port);
    if (containerPort === undefined) {
      throw new DockerGatewayError(
        'upstream-port-not-published',
        `Container "${name}" does not publish host port ${port} of ${upstream} (it publishes ${publishedList(info)}). Check --upstream and --upstream-container.`,
      );
    }
  } else {
    // Already an in-network address (http://archon-mcp:8051/mcp): the port is the container's own.
    containerPort = port;
  }
  const inner = new URL(u.toString());
  inner.hostname = name;
  inner.port = String(containerPort);
  return { upstream, container: name, network: networks[0], containerPort, innerUrl: inner.toString() };
}

/** The running container that publishes a host port (for an upstream given by URL only). */
export async function containerPublishing(docker: Dockerode, hostPort: number): Promise<string | undefined> {
  const list: Dockerode.ContainerInfo[] = await docker.listContainers().catch(() => []);
  const c = list.find((x) => (x.Ports ?? []).some((p) => p.PublicPort === hostPort && p.Type === 'tcp'));
  return c ? (c.Names?.[0] ?? c.Id).replace(/^\//, '') : undefined;
}

/**
 * Where the gateway in Docker reaches one upstream: on its container's network (named, or found by the
 * host port it publishes), or, for a URL on another machine, as it is.
 */
export async function resolveAnyUpstream(
  docker: Dockerode,
  upstream: string,
  containerName?: string,
): Promise<ResolvedUpstream | { upstream: string; innerUrl: string; network?: undefined; container?: undefined }> {
  const u = parseUpstream(upstream);
  if (containerName) return resolveUpstream(docker, upstream, containerName);
  if (!LOCAL_NAMES.has(u.hostname.toLowerCase())) return { upstream, innerUrl: upstream };
  const port = Number(u.port || (u.protocol === 'https:' ? 443 : 80));
  const found = await containerPublishing(docker, port);
  if (!found) {
    throw new DockerGatewayError(
      'upstream-container-not-found',
      `No running container publishes port ${port} of ${upstream}, and a gateway in Docker cannot reach this machine's 127.0.0.1. Run that server in a container (or name it with --upstream-container).`,
    );
  }
  return resolveUpstream(docker, upstream, found);
}
