// The always-on gateway in Docker: names, settings, states and error codes, each defined here once.
// No VS Code imports.
import { SETTING_DEFAULTS } from '../defaults';

export const GATEWAY_CONTAINER_NAME = 'archon-mcp-doctor-gateway';
export const GATEWAY_IMAGE_REPO = 'archon-mcp-doctor-gateway';
/** Named volume with the gateway's client sessions: kept across recreate and `down`. */
export const GATEWAY_VOLUME_NAME = 'archon-mcp-doctor-gateway-state';
export const DEFAULT_BASE_IMAGE: string = SETTING_DEFAULTS['gateway.dockerBaseImage'];
/** The same default as the gateway everywhere else: client configurations point at one port. */
export const DEFAULT_DOCKER_GATEWAY_PORT: number = SETTING_DEFAULTS['gateway.port'];
/** Where the inner gateway listens and keeps its sessions inside the container. */
export const INNER_PORT = DEFAULT_DOCKER_GATEWAY_PORT;
export const INNER_STATE_DIR = '/state';
export const INNER_SOCKET = '/var/run/docker.sock';
/**
 * With several upstreams the list (headers included, which may hold tokens) reaches the container as a
 * 0600 file in this volume, put there through the Engine API before the start: never in its Env, Cmd or
 * Labels, where `docker inspect` shows them. `down` removes the volume with the container.
 */
export const GATEWAY_CONFIG_VOLUME_NAME = 'archon-mcp-doctor-gateway-config';
export const INNER_CONFIG_DIR = '/run/archon-mcp-doctor';
export const INNER_SERVERS_FILE_NAME = 'servers.json';
/** Names the list file for `proxy` with no --upstream (a path, never the list itself). */
export const SERVERS_FILE_ENV = 'ARCHON_MCP_DOCTOR_SERVERS_FILE';

/** Labels on our image and container: what they were made from, so `up` can tell whether anything changed. */
export const LABELS = {
  managed: 'archon-mcp-doctor.gateway',
  contextHash: 'archon-mcp-doctor.gateway.context',
  settingsHash: 'archon-mcp-doctor.gateway.settings',
  upstream: 'archon-mcp-doctor.gateway.upstream',
  upstreamContainer: 'archon-mcp-doctor.gateway.upstream-container',
  innerUpstream: 'archon-mcp-doctor.gateway.inner-upstream',
  port: 'archon-mcp-doctor.gateway.port',
  slug: 'archon-mcp-doctor.gateway.slug',
  /** With several upstreams: JSON of [{slug, upstream, upstreamContainer, innerUpstream}]. */
  upstreams: 'archon-mcp-doctor.gateway.upstreams',
  dockerSocket: 'archon-mcp-doctor.gateway.docker-socket',
} as const;

/** One upstream of a gateway in Docker: its URL as the user knows it, and the container serving it (if any). */
export interface DockerUpstream {
  /** Endpoint name (the gateway serves /<slug>/mcp); default "archon" for a single upstream. */
  name?: string;
  /** The slug as the shared list gave it (else from the name). */
  slug?: string;
  upstream: string;
  /** Default: the running container that publishes the URL's host port (a remote URL: none, reached as is). */
  upstreamContainer?: string;
  /** Sent upstream by the gateway (from the shared server list); never labels or logs. */
  headers?: Record<string, string>;
}

export interface DockerGatewayUpOptions {
  /** The upstream URL the user uses from the host, e.g. http://localhost:8051/mcp. */
  upstream: string;
  /** The container that serves it, e.g. archon-mcp (default: the running container publishing the URL's port). */
  upstreamContainer?: string;
  /** Sent to the first upstream (from the shared server list); never labels or logs. */
  headers?: Record<string, string>;
  /** More upstreams beside the first (each served at /<slug of its name>/mcp). */
  more?: DockerUpstream[];
  /** Host port, published on 127.0.0.1 only (default 18051). */
  port?: number;
  /** Image with node at /usr/local/bin/node (default node:24-slim). */
  baseImage?: string;
  /** Mount the Docker socket for Docker awareness inside (root on the host!). Default false. */
  withDockerSocket?: boolean;
  /** The user's word on which tools may run twice (passed to the gateway inside as --repeat-safe / --never-repeat). */
  repeat?: { repeatSafe: readonly string[]; neverRepeat: readonly string[] };
  /** The bundled CLI (dist/cli.js) that goes into the image. */
  cliBundlePath: string;
  /** Version for the image tag archon-mcp-doctor-gateway:<version>. */
  version: string;
  /** Endpoint name: the gateway serves /<slug>/mcp (default "archon"). */
  name?: string;
  /** How long long the inner gateway holds requests while the upstream is down (default 30). */
  holdTimeoutSeconds?: number;
  /** Progress lines for people ("building image …"). */
  onProgress?: (message: string) => void;
  /** How long to wait for the gateway to answer after starting it (default 30 000). */
  readyTimeoutMs?: number;
}

export const DOCKER_GATEWAY_STATES = ['running', 'starting', 'restarting', 'stopped', 'absent'] as const;
export type DockerGatewayState = (typeof DOCKER_GATEWAY_STATES)[number];

/** What `up` did. */
export const DOCKER_GATEWAY_CHANGES = ['created', 'recreated', 'started', 'unchanged'] as const;
export type DockerGatewayChange = (typeof DOCKER_GATEWAY_CHANGES)[number];

export interface DockerGatewayStatus {
  state: DockerGatewayState;
  container: string;
  /** The client URL on the host, e.g. http://127.0.0.1:18051/archon/mcp. */
  url?: string;
  image?: string;
  /** The upstream as the user gave it (host side). */
  upstream?: string;
  upstreamContainer?: string;
  /** How the gateway reaches the upstream on the Docker network, e.g. http://archon-mcp:8051/mcp. */
  innerUpstream?: string;
  network?: string;
  port?: number;
  dockerSocket?: boolean;
  restartCount?: number;
  startedAt?: string;
  /** From the gateway's own status endpoint, when it answers. */
  uptimeSeconds?: number;
  clients?: number;
  requestsForwarded?: number;
  requestsHealed?: number;
  /** With several upstreams: each one's client URL, upstream and how the gateway reaches it. */
  upstreams?: DockerGatewayUpstreamStatus[];
}

export interface DockerGatewayUpstreamStatus {
  slug: string;
  url: string;
  upstream: string;
  upstreamContainer?: string;
  innerUpstream: string;
}

export const DOCKER_GATEWAY_ERROR_CODES = [
  'no-docker',
  'permission-denied',
  'bad-upstream',
  'upstream-container-not-found',
  'upstream-not-on-user-network',
  'upstream-port-not-published',
  'base-image-missing',
  'base-image-unusable',
  'bundle-missing',
  'build-failed',
  'port-taken',
  'not-ready',
  'docker-error',
] as const;
export type DockerGatewayErrorCode = (typeof DOCKER_GATEWAY_ERROR_CODES)[number];

/** A failure with a message that says what to do. */
export class DockerGatewayError extends Error {
  constructor(
    readonly code: DockerGatewayErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'DockerGatewayError';
  }
}
