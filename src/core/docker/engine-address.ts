// How to reach the Docker Engine, and what to tell people when it cannot be reached. No VS Code imports.
import Dockerode from 'dockerode';
import * as os from 'node:os';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { causeOf, errnoCode, fieldOf } from '../narrow';

export interface DockerConnectionOptions {
  /** An explicit socket (or named pipe) path; overrides DOCKER_HOST. `unix://` prefix allowed. */
  socketPath?: string;
  /** The environment to read DOCKER_HOST from (default `process.env`). */
  env?: NodeJS.ProcessEnv;
  /** Platform to assume (default `process.platform`), for the default socket. */
  platform?: NodeJS.Platform;
}

export type DockerTarget =
  | { kind: 'socket'; socketPath: string; source: 'option' | 'DOCKER_HOST' | 'default'; description: string }
  | { kind: 'tcp' | 'ssh'; host: string; port?: string; source: 'DOCKER_HOST'; description: string };

/** Where the engine is: the explicit socket, else DOCKER_HOST, else the platform default. */
export function resolveDockerTarget(opts: DockerConnectionOptions = {}): DockerTarget {
  const env = opts.env ?? process.env;
  const platform = opts.platform ?? process.platform;
  const explicit = opts.socketPath?.trim();
  if (explicit) {
    const p = stripScheme(explicit);
    return { kind: 'socket', socketPath: p, source: 'option', description: socketDescription(p, platform) };
  }
  const host = env.DOCKER_HOST?.trim();
  if (host) {
    if (host.startsWith('unix://') || host.startsWith('npipe://')) {
      const p = stripScheme(host) || defaultSocket(platform);
      return {
        kind: 'socket',
        socketPath: p,
        source: 'DOCKER_HOST',
        description: `${socketDescription(p, platform)} (DOCKER_HOST)`,
      };
    }
    const withScheme = host.includes('//') ? host : `tcp://${host}`;
    try {
      const u = new URL(withScheme);
      const kind = u.protocol === 'ssh:' ? 'ssh' : 'tcp';
      const t: DockerTarget = {
        kind,
        host: u.hostname,
        source: 'DOCKER_HOST',
        description: `${withScheme} (DOCKER_HOST)`,
      };
      if (u.port) t.port = u.port;
      return t;
    } catch {
      // Fall through to the default socket; the description says why.
      const p = defaultSocket(platform);
      return {
        kind: 'socket',
        socketPath: p,
        source: 'default',
        description: `${socketDescription(p, platform)} (DOCKER_HOST "${host}" is not a valid address)`,
      };
    }
  }
  const p = defaultSocket(platform);
  return { kind: 'socket', socketPath: p, source: 'default', description: socketDescription(p, platform) };
}

function stripScheme(s: string): string {
  if (s.startsWith('unix://')) return s.slice('unix://'.length);
  if (s.startsWith('npipe://')) return s.slice('npipe://'.length);
  return s;
}

function socketDescription(p: string, platform: NodeJS.Platform): string {
  return platform === 'win32' && p.includes('pipe') ? `npipe://${p}` : `unix://${p}`;
}

/** The platform's default: the named pipe on Windows; Docker Desktop's per-user socket when it exists; else /var/run/docker.sock. */
export function defaultSocket(platform: NodeJS.Platform = process.platform): string {
  if (platform === 'win32') return '//./pipe/docker_engine';
  const user = path.join(os.homedir(), '.docker', 'run', 'docker.sock');
  try {
    if (fs.existsSync(user)) return user;
  } catch {
    /* ignore */
  }
  return '/var/run/docker.sock';
}

/** A dockerode client for the target. TCP/SSH targets take TLS and certificates from the environment, as the docker CLI does. */
export function createDockerClient(opts: DockerConnectionOptions = {}): { docker: Dockerode; target: DockerTarget } {
  const target = resolveDockerTarget(opts);
  if (target.kind === 'socket') return { docker: new Dockerode({ socketPath: target.socketPath }), target };
  // docker-modem reads DOCKER_HOST, DOCKER_TLS_VERIFY and DOCKER_CERT_PATH itself.
  return { docker: new Dockerode(), target };
}

export type DockerProblemCode =
  | 'not-installed'
  | 'socket-missing'
  | 'permission-denied'
  | 'not-answering'
  | 'container-not-found'
  | 'api-error';

export interface DockerProblem {
  code: DockerProblemCode;
  /** One line for people, with the usual fix where there is one. */
  message: string;
  at: string;
  /** The low-level error code (ENOENT, EACCES, ...) or HTTP status. */
  detail?: string;
}

/** The error's string code, else its cause's (a socket error wrapped by docker-modem). */
function errCode(err: unknown): string | undefined {
  return errnoCode(err) ?? errnoCode(causeOf(err));
}

/** The engine's HTTP status on a dockerode error, when there is one. */
function engineStatus(err: unknown): unknown {
  return fieldOf(err, 'statusCode');
}

/** True when the engine answered `status` (304: already started; 404: no such object). */
export function isEngineStatus(err: unknown, status: number): boolean {
  return engineStatus(err) === status;
}

/** Classifies an error from talking to the engine into one clear message. */
export function classifyDockerError(
  err: unknown,
  target: DockerTarget,
  opts: { dockerInstalled?: boolean } = {},
): DockerProblem {
  const at = new Date().toISOString();
  const code = errCode(err);
  const where = target.description;
  const status = engineStatus(err);
  if (code === 'ENOENT') {
    if (target.kind === 'socket' && target.source === 'default' && opts.dockerInstalled === false) {
      return {
        code: 'not-installed',
        message: `Docker is not installed (no engine at ${where}); container watching is off.`,
        at,
        detail: code,
      };
    }
    return {
      code: 'socket-missing',
      message: `No Docker engine at ${where}: the socket does not exist. Is Docker running? (or set archonMcp.docker.socketPath)`,
      at,
      detail: code,
    };
  }
  if (code === 'EACCES' || code === 'EPERM') {
    return {
      code: 'permission-denied',
      message: `Permission denied on ${where}. Add your user to the "docker" group (sudo usermod -aG docker $USER) and log in again.`,
      at,
      detail: code,
    };
  }
  if (
    code === 'ECONNREFUSED' ||
    code === 'ECONNRESET' ||
    code === 'EPIPE' ||
    code === 'ETIMEDOUT' ||
    code === 'EHOSTUNREACH' ||
    code === 'ENOTFOUND' ||
    code === 'ABORT_ERR' ||
    code === 'ESOCKETTIMEDOUT'
  ) {
    return {
      code: 'not-answering',
      message: `The Docker engine at ${where} is not answering (${code}). Is the daemon running?`,
      at,
      detail: code,
    };
  }
  const name = fieldOf(err, 'name');
  if (name === 'AbortError' || name === 'TimeoutError') {
    return {
      code: 'not-answering',
      message: `The Docker engine at ${where} did not answer in time.`,
      at,
      detail: 'timeout',
    };
  }
  const msg = err instanceof Error ? err.message : String(err);
  return {
    code: 'api-error',
    message: `Docker engine error at ${where}: ${firstLine(msg)}`,
    at,
    ...(code || typeof status === 'number' ? { detail: code ?? String(status) } : {}),
  };
}

export function containerNotFound(names: string[], running: string[]): DockerProblem {
  const wanted = names.map((n) => `"${n}"`).join(' or ');
  const list = running.length ? `Running containers: ${running.join(', ')}.` : 'No containers are running.';
  return {
    code: 'container-not-found',
    message: `No container named ${wanted}. ${list} Set "container" for this server to one of them.`,
    at: new Date().toISOString(),
  };
}

function firstLine(s: string): string {
  const l = s.split('\n')[0] ?? '';
  return l.length > 200 ? `${l.slice(0, 200)}…` : l;
}

/** Whether a Docker installation seems to exist on this machine (a `docker`/`dockerd` binary on PATH). Never throws. */
export function dockerBinaryOnPath(
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
): boolean {
  const dirs = (env.PATH ?? '').split(path.delimiter).filter(Boolean);
  const names = platform === 'win32' ? ['docker.exe', 'dockerd.exe'] : ['docker', 'dockerd'];
  for (const d of dirs)
    for (const n of names) {
      try {
        if (fs.existsSync(path.join(d, n))) return true;
      } catch {
        /* ignore */
      }
    }
  return false;
}

/** Resolves with the engine version (for the diagnostics report), or rejects; bounded by `timeoutMs`. */
export async function pingEngine(
  docker: Dockerode,
  timeoutMs = 3000,
): Promise<{ version: string; apiVersion: string }> {
  await withTimeout(docker.ping(), timeoutMs);
  // Typed as always present; an engine or proxy may leave either out.
  const v: Partial<Dockerode.DockerVersion> = await withTimeout(docker.version(), timeoutMs);
  return { version: String(v.Version ?? '?'), apiVersion: String(v.ApiVersion ?? '?') };
}

/** The default timeout of one Engine API call (ping, list, inspect, stats, opening the event stream). */
export const REQUEST_TIMEOUT_MS = 5000;

export function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => reject(Object.assign(new Error(`timed out after ${ms} ms`), { code: 'ETIMEDOUT' })), ms);
    p.then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(t);
        reject(e);
      },
    );
  });
}

/** True for the engine's "no such container/image/network" answer. */
export function isNotFound(err: unknown): boolean {
  return isEngineStatus(err, 404);
}

/** The value, or undefined when the engine says the object does not exist; other errors pass. */
export async function unlessNotFound<T>(p: Promise<T>): Promise<T | undefined> {
  try {
    return await p;
  } catch (e) {
    if (isNotFound(e)) return undefined;
    throw e;
  }
}
