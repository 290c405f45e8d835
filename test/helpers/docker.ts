// Test helpers for the REAL Docker engine: gate tests on an engine, build the test images locally
// (no registry), run the Archon-like fixture in a container, call its test tools, restart the engine.
// Everything Docker goes through dockerode (no `docker` CLI). Only the engine script is a shell command.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { get as httpGet } from 'node:http';
import { freePort } from './servers';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import type { TestContext } from 'node:test';
import type Dockerode from 'dockerode';
import { createDockerClient, withTimeout } from '../../src/core/docker/engine-address';
import { tarStream, type TarEntry } from '../../src/core/docker/tar';

export { withTimeout, tarStream };

const run = promisify(execFile);
import { sleep } from './wait';

export const ROOT = resolve(__dirname, '../..');
export const FIXTURE_BUNDLE = resolve(ROOT, 'test/fixtures/dist/archon-like-server.js');
export const ENGINE_SCRIPT = resolve(ROOT, 'scripts/docker-engine.sh');
export const ENGINE_STATE_DIR = process.env.DOCKER_ENGINE_STATE_DIR ?? '/tmp/archon-docker-engine';
export const TEST_LABEL = 'archon-mcp-doctor.test';
export const CONTAINER_PORT = 8051;

let client: Dockerode | undefined;
/** The dockerode client the tests use (DOCKER_HOST or the default socket, like the product). */
export function docker(): Dockerode {
  client ??= createDockerClient().docker;
  return client;
}

// ------------------------------------------------------------------ gating

let availability: Promise<string | undefined> | undefined;

/** Resolves `undefined` when an engine answers, else a reason. */
export function engineProblem(): Promise<string | undefined> {
  availability ??= (async () => {
    try {
      await withTimeout(docker().ping(), 3000);
      return undefined;
    } catch (e) {
      return `no Docker engine answers (${(e as { code?: string }).code ?? (e as Error).message}); start one with scripts/docker-engine.sh start`;
    }
  })();
  return availability;
}

export async function engineAvailable(): Promise<boolean> {
  return (await engineProblem()) === undefined;
}

/**
 * Call first in every test that needs Docker: returns true when the test must return (skipped).
 * With CI=true a missing engine fails the test instead.
 */
export async function skipWithoutDocker(t: TestContext): Promise<boolean> {
  const why = await engineProblem();
  if (!why) return false;
  if (process.env.CI === 'true') throw new Error(`CI=true and ${why}`);
  t.skip(why);
  return true;
}

// ------------------------------------------------------------------ images

export interface TestImages {
  base: string;
  fixture: string;
}

async function imageExists(tag: string): Promise<boolean> {
  try {
    await docker().getImage(tag).inspect();
    return true;
  } catch {
    return false;
  }
}

/** Waits for a progress stream (import, build) to end; rejects on an error message in it. */
function followProgress(stream: NodeJS.ReadableStream): Promise<unknown[]> {
  return new Promise((res, rej) => {
    docker().modem.followProgress(stream, (err: Error | null, out: unknown[]) => {
      if (err) return rej(err);
      const bad = (out ?? []).find((o) => (o as { error?: string }).error);
      if (bad) return rej(new Error(String((bad as { error: string }).error)));
      res(out ?? []);
    });
  });
}

/** The host's node and the libraries it needs, as tar entries; node at `nodeAt` in the image. */
export async function nodeFiles(nodeAt = '/usr/local/bin/node'): Promise<TarEntry[]> {
  const nodeBin = realpathSync(process.execPath);
  const { stdout } = await run('ldd', [nodeBin]);
  const libs = new Set<string>();
  for (const line of stdout.split('\n')) {
    const m = /=>\s*(\/\S+)/.exec(line) ?? /^\s*(\/\S+)\s+\(/.exec(line);
    if (m?.[1]) libs.add(m[1]);
  }
  const entries: TarEntry[] = [];
  const dirs = new Set<string>();
  const addDirs = (p: string) => {
    const parts = p.split('/').filter(Boolean);
    for (let i = 1; i < parts.length; i++) dirs.add(parts.slice(0, i).join('/'));
  };
  const files: TarEntry[] = [];
  const addFile = (inImage: string, real: string, mode: number) => {
    addDirs(inImage);
    files.push({ name: inImage.replace(/^\//, ''), type: 'file', mode, path: real, size: statSync(real).size });
  };
  addFile(nodeAt, nodeBin, 0o755);
  for (const lib of libs) addFile(lib, realpathSync(lib), 0o755);
  dirs.add('tmp');
  dirs.add('app');
  dirs.add('etc');
  for (const d of [...dirs].sort()) entries.push({ name: d, type: 'dir', mode: d === 'tmp' ? 0o1777 : 0o755 });
  entries.push({
    name: 'etc/passwd',
    type: 'file',
    mode: 0o644,
    data: Buffer.from('root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n'),
  });
  entries.push({ name: 'etc/group', type: 'file', mode: 0o644, data: Buffer.from('root:x:0:\nnogroup:x:65534:\n') });
  return [...entries, ...files];
}

/** The healthcheck command: a node one-liner hitting GET /health. */
export const HEALTHCHECK_TEST = [
  'CMD',
  '/usr/local/bin/node',
  '-e',
  "require('http').get('http://127.0.0.1:'+(process.env.PORT||8051)+'/health',{timeout:1500},r=>{console.log('GET /health: HTTP '+r.statusCode);process.exit(r.statusCode===200?0:1)}).on('error',e=>{console.log('GET /health: '+e.code);process.exit(1)}).on('timeout',()=>{console.log('GET /health: timeout');process.exit(1)})",
];

/** Bundles the fixture the way esbuild.mjs does, when `npm run build` has not run yet. */
async function bundleFixture(): Promise<void> {
  const entry = resolve(ROOT, 'test/fixtures/archon-like-server.ts');
  if (!existsSync(entry)) throw new Error(`${FIXTURE_BUNDLE} is missing and so is ${entry}`);
  const esbuild = await import('esbuild');
  await esbuild.build({
    entryPoints: [entry],
    outfile: FIXTURE_BUNDLE,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    logLevel: 'warning',
  });
}

let imagesPromise: Promise<TestImages> | undefined;

/**
 * Builds (once, then cached by content tag) the base image (the host's node + its libraries,
 * `docker import`) and the fixture image FROM it. Needs `npm run build` to have bundled the fixture.
 */
export function ensureImages(): Promise<TestImages> {
  imagesPromise ??= buildImages().catch((e: unknown) => {
    imagesPromise = undefined;
    throw e;
  });
  return imagesPromise;
}

async function buildImages(): Promise<TestImages> {
  const nodeBin = realpathSync(process.execPath);
  const st = statSync(nodeBin);
  const baseHash = createHash('sha256')
    .update(`${process.version}|${nodeBin}|${st.size}|${st.mtimeMs}`)
    .digest('hex')
    .slice(0, 12);
  const base = `archon-mcp-doctor-test/node-base:${baseHash}`;
  if (!(await imageExists(base))) {
    const tar = tarStream(await nodeFiles());
    tar.on('error', () => undefined);
    const progress = await docker().importImage(
      tar as never,
      { repo: 'archon-mcp-doctor-test/node-base', tag: baseHash } as never,
    );
    await followProgress(progress as unknown as NodeJS.ReadableStream);
    if (!(await imageExists(base))) throw new Error(`docker import did not produce ${base}`);
  }

  if (!existsSync(FIXTURE_BUNDLE)) await bundleFixture();
  const bundle = readFileSync(FIXTURE_BUNDLE);
  const dockerfile = [
    `FROM ${base}`,
    'COPY archon-like-server.js /app/server.js',
    `ENV PORT=${CONTAINER_PORT} HOST=0.0.0.0 FIXTURE_TEST_TOOLS=1`,
    `EXPOSE ${CONTAINER_PORT}`,
    `HEALTHCHECK --interval=5s --timeout=2s --start-period=2s --retries=2 CMD ${JSON.stringify(HEALTHCHECK_TEST.slice(1))}`,
    'WORKDIR /app',
    'CMD ["/usr/local/bin/node", "/app/server.js"]',
    '',
  ].join('\n');
  const fixHash = createHash('sha256').update(base).update(dockerfile).update(bundle).digest('hex').slice(0, 12);
  const fixture = `archon-mcp-doctor-test/archon-like:${fixHash}`;
  if (!(await imageExists(fixture))) {
    const ctx = tarStream([
      { name: 'Dockerfile', type: 'file', data: Buffer.from(dockerfile) },
      { name: 'archon-like-server.js', type: 'file', data: bundle },
    ]);
    const progress = await docker().buildImage(ctx as never, { t: fixture, rm: true, forcerm: true });
    await followProgress(progress);
    if (!(await imageExists(fixture))) throw new Error(`docker build did not produce ${fixture}`);
  }
  await pruneOldImages([base, fixture]);
  return { base, fixture };
}

/** Removes older tags of the test images (a new fixture bundle makes a new tag); ignores images in use. */
async function pruneOldImages(keep: string[]): Promise<void> {
  try {
    const imgs = await docker().listImages({ filters: { reference: ['archon-mcp-doctor-test/*'] } });
    for (const img of imgs) {
      const tags = img.RepoTags ?? [];
      if (tags.some((t) => keep.includes(t))) continue;
      await docker()
        .getImage(img.Id)
        .remove({ force: false })
        .catch(() => undefined);
    }
  } catch {
    /* pruning is best effort */
  }
}

// ------------------------------------------------------------------ containers

export interface FixtureContainerOptions {
  name: string;
  /** Memory limit in MB (swap limited to the same, so no swap). */
  memoryMb?: number;
  /** `no`, `always`, `unless-stopped`, `on-failure` (with `maxRetries`). */
  restartPolicy?: 'no' | 'always' | 'unless-stopped' | 'on-failure';
  maxRetries?: number;
  healthIntervalMs?: number;
  healthRetries?: number;
  healthTimeoutMs?: number;
  env?: Record<string, string>;
  /** Seconds `docker stop` waits before SIGKILL. Default 2. */
  stopTimeoutSeconds?: number;
  /** Wait until GET /health answers 200 from the host. Default true. */
  waitReady?: boolean;
  /** A user-defined network to run on (instead of the default bridge). */
  network?: string;
}

export interface FixtureContainer {
  id: string;
  name: string;
  hostPort: number;
  url: string;
  healthUrl: string;
  container: Dockerode.Container;
}

/** Creates and starts the fixture container (published on 127.0.0.1:<free port>), removing an old one of that name. */
export async function runFixtureContainer(o: FixtureContainerOptions): Promise<FixtureContainer> {
  const images = await ensureImages();
  await removeContainer(o.name);
  const hostPort = await freePort();
  const memory = o.memoryMb ? o.memoryMb * 1024 * 1024 : 0;
  const ms2ns = (ms: number) => ms * 1_000_000;
  const restart = o.restartPolicy ?? 'no';
  const c = await docker().createContainer({
    name: o.name,
    Image: images.fixture,
    Env: Object.entries(o.env ?? {}).map(([k, v]) => `${k}=${v}`),
    Labels: { [TEST_LABEL]: '1' },
    ExposedPorts: { [`${CONTAINER_PORT}/tcp`]: {} },
    StopTimeout: o.stopTimeoutSeconds ?? 2,
    Healthcheck: {
      Test: HEALTHCHECK_TEST,
      Interval: ms2ns(o.healthIntervalMs ?? 1000),
      Timeout: ms2ns(o.healthTimeoutMs ?? 2000),
      Retries: o.healthRetries ?? 2,
      StartPeriod: ms2ns(1000),
    },
    HostConfig: {
      PortBindings: { [`${CONTAINER_PORT}/tcp`]: [{ HostIp: '127.0.0.1', HostPort: String(hostPort) }] },
      ...(memory ? { Memory: memory, MemorySwap: memory } : {}),
      RestartPolicy:
        restart === 'on-failure' ? { Name: restart, MaximumRetryCount: o.maxRetries ?? 3 } : { Name: restart },
      ...(o.network ? { NetworkMode: o.network } : {}),
    },
  });
  await c.start();
  const fc: FixtureContainer = {
    id: c.id,
    name: o.name,
    hostPort,
    url: `http://127.0.0.1:${hostPort}/mcp`,
    healthUrl: `http://127.0.0.1:${hostPort}/health`,
    container: c,
  };
  if (o.waitReady !== false) await waitHealthy200(fc.healthUrl, 20_000, () => containerLogsText(o.name));
  return fc;
}

/** GET url with node:http (a fresh connection, a ref'd timeout): the status, or throws. */
export function httpStatus(url: string, timeoutMs = 1000): Promise<number> {
  return new Promise((res, rej) => {
    const req = httpGet(url, { agent: false }, (r) => {
      r.resume();
      r.on('error', () => undefined);
      clearTimeout(timer);
      res(r.statusCode ?? 0);
    });
    const timer = setTimeout(() => req.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' })), timeoutMs);
    req.on('error', (e) => {
      clearTimeout(timer);
      rej(e);
    });
  });
}

/** Polls GET url until it answers 200. */
export async function waitHealthy200(url: string, timeoutMs = 20_000, why?: () => Promise<string>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    try {
      const status = await httpStatus(url, 1000);
      if (status === 200) return;
      last = `HTTP ${status}`;
    } catch (e) {
      last = String((e as { code?: string }).code ?? (e as Error).message);
    }
    await sleep(100);
  }
  throw new Error(
    `${url} did not answer 200 within ${timeoutMs} ms (last: ${last})${why ? `\n${await why().catch(() => '')}` : ''}`,
  );
}

async function containerLogsText(name: string): Promise<string> {
  const buf = (await docker()
    .getContainer(name)
    .logs({ stdout: true, stderr: true, tail: 30, follow: false })) as unknown as Buffer;
  return buf.toString('utf8');
}

/** Force-removes a container; a missing one is fine. */
export async function removeContainer(nameOrId: string): Promise<void> {
  try {
    await docker().getContainer(nameOrId).remove({ force: true, v: true });
  } catch (e) {
    if ((e as { statusCode?: number }).statusCode !== 404) throw e;
  }
  // Removal is asynchronous on some storage drivers: wait until the name is free.
  for (let i = 0; i < 50; i++) {
    try {
      await docker().getContainer(nameOrId).inspect();
    } catch {
      return;
    }
    await sleep(100);
  }
}

/** Creates a user-defined bridge network (labelled as a test network), or reuses one of that name. */
export async function ensureNetwork(name: string): Promise<void> {
  try {
    await docker().getNetwork(name).inspect();
  } catch (e) {
    if ((e as { statusCode?: number }).statusCode !== 404) throw e;
    await docker().createNetwork({ Name: name, Driver: 'bridge', Labels: { [TEST_LABEL]: '1' } });
  }
}

/** Removes a network; a missing one is fine. */
export async function removeNetwork(name: string): Promise<void> {
  try {
    await docker().getNetwork(name).remove();
  } catch (e) {
    if ((e as { statusCode?: number }).statusCode !== 404) throw e;
  }
}

/** Removes every container these tests created (by label). */
export async function removeTestContainers(): Promise<void> {
  if (!(await engineAvailable())) return;
  const list = await docker().listContainers({ all: true, filters: { label: [TEST_LABEL] } });
  await Promise.all(list.map((c) => removeContainer(c.Id).catch(() => undefined)));
}

// ------------------------------------------------------------------ the fixture's test tools (MCP)

const pendingCalls = new Set<AbortController>();

/** Calls one tool of the fixture with a fresh MCP session. */
export async function callFixtureTool(
  url: string,
  name: string,
  args: Record<string, unknown> = {},
  timeoutMs = 15_000,
  signal?: AbortSignal,
): Promise<unknown> {
  const { Client } = await import('@modelcontextprotocol/sdk/client/index.js');
  const { StreamableHTTPClientTransport } = await import('@modelcontextprotocol/sdk/client/streamableHttp.js');
  const client = new Client({ name: 'docker-tests', version: '0.0.0' });
  const transport = new StreamableHTTPClientTransport(new URL(url));
  const onAbort = () => void client.close().catch(() => undefined);
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    await client.connect(transport, signal ? { signal } : undefined);
    return await client.callTool({ name, arguments: args }, undefined, {
      timeout: timeoutMs,
      ...(signal ? { signal } : {}),
    });
  } finally {
    signal?.removeEventListener('abort', onAbort);
    await client.close().catch(() => undefined);
  }
}

/**
 * Calls a tool that will not answer (crash, OOM): returns at once, ignores the failure. The call is
 * aborted by the returned function or by `abortPendingToolCalls()` (a dead container's published
 * port may keep the connection open, which would keep the test process alive).
 */
export function fireFixtureTool(url: string, name: string, args: Record<string, unknown> = {}): () => void {
  const ac = new AbortController();
  pendingCalls.add(ac);
  callFixtureTool(url, name, args, 60_000, ac.signal)
    .catch(() => undefined)
    .finally(() => pendingCalls.delete(ac));
  return () => ac.abort();
}

export function abortPendingToolCalls(): void {
  for (const ac of pendingCalls) ac.abort();
  pendingCalls.clear();
}

// ------------------------------------------------------------------ the engine itself

/** True when scripts/docker-engine.sh started the running engine (so tests may stop and start it). */
export function engineStartedByScript(): boolean {
  return existsSync(resolve(ENGINE_STATE_DIR, 'started-by-us')) && existsSync(resolve(ENGINE_STATE_DIR, 'dockerd.pid'));
}

export async function engineScript(cmd: 'start' | 'stop' | 'status'): Promise<string> {
  const { stdout, stderr } = await run(ENGINE_SCRIPT, [cmd], { timeout: 120_000 });
  return `${stdout}${stderr}`;
}

/** Resolves with the first event (of an EventEmitter-like) that satisfies pred, or rejects after timeoutMs. */
export function waitForEvent<T>(
  emitter: { on(e: string, l: (v: T) => void): unknown; off(e: string, l: (v: T) => void): unknown },
  event: string,
  pred: (v: T) => boolean = () => true,
  timeoutMs = 30_000,
): Promise<T> {
  return new Promise<T>((res, rej) => {
    const l = (v: T) => {
      if (!pred(v)) return;
      clearTimeout(t);
      emitter.off(event, l);
      res(v);
    };
    const t = setTimeout(() => {
      emitter.off(event, l);
      rej(new Error(`no matching "${event}" within ${timeoutMs} ms`));
    }, timeoutMs);
    emitter.on(event, l);
  });
}
