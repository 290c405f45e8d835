// Starts the Archon-like fixture server (test/fixtures/dist/archon-like-server.js, built by
// `npm run build`) as a child process on 127.0.0.1, from inside the extension host.
// test/helpers/servers.ts does the same for Node test runners, but it finds the fixture relative to
// its own source file, which moves when this suite is bundled; and in desktop VS Code the
// extension host's process.execPath is Electron, which needs ELECTRON_RUN_AS_NODE=1.
import { freePort, sleep } from '../../helpers/wait';
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';

export interface Fixture {
  url: string;
  healthUrl: string;
  port: number;
  /** SIGKILL, like a container that dies; resolves when the port is free. */
  kill(): Promise<void>;
  /** Starts it again on the same port (after kill) and waits until it listens. */
  start(): Promise<void>;
  restart(delayMs?: number): Promise<void>;
  stop(): Promise<void>;
  output(): string;
}

const HOST = '127.0.0.1';

export function repoRoot(): string {
  if (process.env.ARCHON_REPO_ROOT) return process.env.ARCHON_REPO_ROOT;
  for (let dir = __dirname; path.dirname(dir) !== dir; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'package.json')) && fs.existsSync(path.join(dir, 'test', 'fixtures'))) return dir;
  }
  throw new Error(`cannot find the repository root above ${__dirname}; set ARCHON_REPO_ROOT`);
}

export function fixtureBundle(): string {
  const file = path.join(repoRoot(), 'test/fixtures/dist/archon-like-server.js');
  if (!fs.existsSync(file)) throw new Error(`${file} is missing: run \`npm run build\` first`);
  return file;
}

export { freePort };

function isListening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host: HOST, port });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const c of live) c.kill('SIGKILL');
});

export async function startFixture(opts: { port?: number; env?: Record<string, string> } = {}): Promise<Fixture> {
  const port = opts.port ?? (await freePort());
  const bundle = fixtureBundle();
  const lines: string[] = [];
  let child: ChildProcess | undefined;

  const start = async () => {
    const c = spawn(process.execPath, [bundle], {
      env: { ...process.env, ELECTRON_RUN_AS_NODE: '1', PORT: String(port), HOST, ...opts.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child = c;
    live.add(c);
    const onData = (b: Buffer) => {
      lines.push(...b.toString('utf8').split('\n').filter(Boolean));
      if (lines.length > 200) lines.splice(0, lines.length - 200);
    };
    c.stdout?.on('data', onData);
    c.stderr?.on('data', onData);
    c.once('exit', () => live.delete(c));
    const deadline = Date.now() + 15_000;
    while (!(await isListening(port))) {
      if (c.exitCode !== null || c.signalCode !== null)
        throw new Error(`fixture exited before listening:\n${lines.slice(-20).join('\n')}`);
      if (Date.now() > deadline) throw new Error(`fixture not listening on ${port} after 15 s`);
      await sleep(25);
    }
  };
  const waitExit = async (c: ChildProcess) => {
    if (c.exitCode !== null || c.signalCode !== null) return;
    await new Promise<void>((r) => c.once('exit', () => r()));
  };
  const kill = async () => {
    const c = child;
    if (!c) return;
    c.kill('SIGKILL');
    await waitExit(c);
    for (let i = 0; i < 100 && (await isListening(port)); i++) await sleep(10);
  };
  const stop = async () => {
    const c = child;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    c.kill('SIGTERM');
    const t = setTimeout(() => c.kill('SIGKILL'), 2000);
    await waitExit(c);
    clearTimeout(t);
  };

  await start();
  return {
    url: `http://${HOST}:${port}/mcp`,
    healthUrl: `http://${HOST}:${port}/health`,
    port,
    kill,
    start,
    async restart(delayMs = 0) {
      await kill();
      if (delayMs) await sleep(delayMs);
      await start();
    },
    stop,
    output: () => lines.join('\n'),
  };
}
