// Starts REAL servers as child processes on 127.0.0.1 for integration tests and benchmarks:
// the Archon-like fixture, two third-party MCP servers from npm, and two non-MCP servers.
// Each can be killed and restarted on the same port, which is how tests simulate Archon's
// container restarts. No child outlives the process that started it (see "Cleanup" below).
import { freePort, sleep } from './wait';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { dirname, join, resolve } from 'node:path';

export type ServerKind =
  | 'fixture' // test/fixtures/dist/archon-like-server.js (run `npm run build` first)
  | 'modern' // test/fixtures/dist/modern-server.js: 2026-07-28 only, v2 server package (run `npm run build` first)
  | 'everything-streamable' // @modelcontextprotocol/server-everything streamableHttp (400 JSON for unknown sessions)
  | 'everything-sse' // @modelcontextprotocol/server-everything sse (legacy HTTP+SSE)
  | 'sdk-example' // the SDK's simpleStreamableHttp example (404 JSON for unknown sessions)
  | 'html' // not MCP: 200 text/html for everything
  | 'garbage'; // not MCP: 200 with a broken body, see GarbageMode

/** invalid-json: 200 application/json with a truncated body; random-bytes: 200 application/octet-stream noise;
 *  bad-sse: 200 text/event-stream whose events are not JSON-RPC. */
export type GarbageMode = 'invalid-json' | 'random-bytes' | 'bad-sse';

export interface StartOptions {
  /** Port to listen on; a free one when omitted. */
  port?: number;
  /** Extra environment for the child (e.g. any fixture variable). */
  env?: Record<string, string>;
  // Fixture shortcuts (they set the env variables the fixture reads):
  testTools?: boolean; // FIXTURE_TEST_TOOLS=1
  stateFile?: string; // FIXTURE_STATE_FILE
  sessionless?: boolean; // SESSIONLESS=1
  unknownSessionStatus?: 400 | 404; // UNKNOWN_SESSION_STATUS
  garbageMode?: GarbageMode; // for kind 'garbage' (default invalid-json)
  /** How long start() and restart() wait for the port to accept connections (default 15 s). */
  startTimeoutMs?: number;
  /** Echo the child's output to our stderr (also on when env DEBUG_SERVERS=1). */
  echo?: boolean;
}

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface RunningServer {
  kind: ServerKind;
  /** MCP endpoint (for everything-sse the GET /sse endpoint). */
  url: string;
  /** A URL that answers without a session (fixture only). */
  healthUrl?: string;
  port: number;
  /** Pid of the current child (changes on restart). */
  readonly pid: number;
  /** Signals the child (default SIGKILL) and resolves once it has exited and the port is free. */
  kill(signal?: NodeJS.Signals): Promise<ExitInfo>;
  /**
   * Kills (default SIGKILL) if running, waits delayMs, starts again on the same port, waits until
   * listening. `env` is added to the environment from then on (e.g. a new SERVER_VERSION).
   */
  restart(opts?: { delayMs?: number; signal?: NodeJS.Signals; env?: Record<string, string> }): Promise<void>;
  /** SIGTERM, then SIGKILL after 2 s; resolves when gone. Safe to call twice. */
  stop(): Promise<void>;
  waitUntilListening(timeoutMs?: number): Promise<void>;
  /** Resolves when the current child exits on its own or is killed. */
  readonly exited: Promise<ExitInfo>;
  /** The child's last output lines (stdout and stderr interleaved), for failure messages. */
  output(): string;
}

const HOST = '127.0.0.1';

export { freePort };

/** True when something accepts TCP connections on 127.0.0.1:port. */
export function isListening(port: number): Promise<boolean> {
  return new Promise((res) => {
    const s = connect({ host: HOST, port });
    s.once('connect', () => {
      s.destroy();
      res(true);
    });
    s.once('error', () => res(false));
  });
}

/** Polls until 127.0.0.1:port accepts connections; rejects after timeoutMs. */
export async function waitForPort(
  port: number,
  timeoutMs = 15_000,
  stopEarly?: () => string | undefined,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await isListening(port)) return;
    const why = stopEarly?.();
    if (why) throw new Error(why);
    if (Date.now() > deadline) throw new Error(`nothing listening on ${HOST}:${port} after ${timeoutMs} ms`);
    await sleep(20);
  }
}

// ---------------------------------------------------------------------------------------------
// Where the servers live

const here = typeof __dirname === 'string' ? __dirname : join(process.cwd(), 'test', 'helpers');
export const FIXTURE_BUNDLE = resolve(here, '../fixtures/dist/archon-like-server.js');
export const MODERN_FIXTURE_BUNDLE = resolve(here, '../fixtures/dist/modern-server.js');

function packageDir(name: string): string {
  for (let dir = here; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    if (dirname(dir) === dir) throw new Error(`package ${name} not found in any node_modules above ${here}`);
  }
}

// The non-MCP servers are so small they run from `node -e`, which keeps kill/restart uniform.
const HTML_SERVER = `require('http').createServer((q,r)=>{r.writeHead(200,{'Content-Type':'text/html'});
r.end('<!doctype html><html><body><h1>Not an MCP server</h1></body></html>')}).listen(+process.env.PORT,'${HOST}')`;
const GARBAGE_SERVER = `const mode=process.env.GARBAGE_MODE;require('http').createServer((q,r)=>{q.resume();
if(mode==='random-bytes'){r.writeHead(200,{'Content-Type':'application/octet-stream'});return r.end(require('crypto').randomBytes(512))}
if(mode==='bad-sse'){r.writeHead(200,{'Content-Type':'text/event-stream'});r.write('event: message\\ndata: this is not json\\n\\n');return setTimeout(()=>r.end(),200)}
r.writeHead(200,{'Content-Type':'application/json'});r.end('{"jsonrpc":"2.0","result":{"oops"')}).listen(+process.env.PORT,'${HOST}')`;

// If we are killed without running exit handlers (SIGKILL), children poll for their parent and leave.
// process.ppid is a value captured at startup, so liveness is checked with signal 0.
const WATCHDOG =
  'data:text/javascript,' +
  encodeURIComponent(
    'const p=process.ppid;setInterval(()=>{try{process.kill(p,0)}catch{process.exit(1)}},1000).unref();',
  );

interface Launch {
  args: string[];
  env: Record<string, string>;
  url: string;
  healthUrl?: string;
}

function launchFor(kind: ServerKind, port: number, o: StartOptions): Launch {
  const base = `http://${HOST}:${port}`;
  switch (kind) {
    case 'fixture': {
      if (!existsSync(FIXTURE_BUNDLE)) throw new Error(`${FIXTURE_BUNDLE} is missing: run \`npm run build\` first`);
      const env: Record<string, string> = { PORT: String(port), HOST };
      if (o.testTools) env.FIXTURE_TEST_TOOLS = '1';
      if (o.stateFile) env.FIXTURE_STATE_FILE = o.stateFile;
      if (o.sessionless) env.SESSIONLESS = '1';
      if (o.unknownSessionStatus) env.UNKNOWN_SESSION_STATUS = String(o.unknownSessionStatus);
      return { args: [FIXTURE_BUNDLE], env, url: `${base}/mcp`, healthUrl: `${base}/health` };
    }
    case 'modern': {
      if (!existsSync(MODERN_FIXTURE_BUNDLE))
        throw new Error(`${MODERN_FIXTURE_BUNDLE} is missing: run \`npm run build\` first`);
      const env: Record<string, string> = { PORT: String(port), HOST };
      if (o.stateFile) env.FIXTURE_STATE_FILE = o.stateFile;
      return { args: [MODERN_FIXTURE_BUNDLE], env, url: `${base}/mcp`, healthUrl: `${base}/health` };
    }
    case 'everything-streamable':
    case 'everything-sse': {
      // Listens on env PORT on all interfaces (it takes no host setting); we connect via 127.0.0.1.
      const entry = join(packageDir('@modelcontextprotocol/server-everything'), 'dist', 'index.js');
      const sse = kind === 'everything-sse';
      return {
        args: [entry, sse ? 'sse' : 'streamableHttp'],
        env: { PORT: String(port) },
        url: `${base}/${sse ? 'sse' : 'mcp'}`,
      };
    }
    case 'sdk-example': {
      // Reads MCP_PORT (not PORT); also on all interfaces, with localhost Host-header validation.
      const entry = join(
        packageDir('@modelcontextprotocol/sdk'),
        'dist',
        'esm',
        'examples',
        'server',
        'simpleStreamableHttp.js',
      );
      return { args: [entry], env: { MCP_PORT: String(port) }, url: `${base}/mcp` };
    }
    case 'html':
      return { args: ['-e', HTML_SERVER], env: { PORT: String(port) }, url: `${base}/mcp` };
    case 'garbage':
      return {
        args: ['-e', GARBAGE_SERVER],
        env: { PORT: String(port), GARBAGE_MODE: o.garbageMode ?? 'invalid-json' },
        url: `${base}/mcp`,
      };
  }
}

// ---------------------------------------------------------------------------------------------
// Cleanup: every live child is killed when this process exits or is told to stop.

const live = new Set<ChildProcess>();
let cleanupInstalled = false;

function installCleanup(): void {
  if (cleanupInstalled) return;
  cleanupInstalled = true;
  const killAll = () => {
    for (const c of live) {
      try {
        c.kill('SIGKILL');
      } catch {
        /* already gone */
      }
    }
  };
  process.on('exit', killAll);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const onSignal = () => {
      killAll();
      process.off(sig, onSignal);
      // Re-raise: default behaviour (exit) unless someone else handles the signal.
      if (process.listenerCount(sig) === 0) process.kill(process.pid, sig);
    };
    process.on(sig, onSignal);
  }
}

// ---------------------------------------------------------------------------------------------

/** Starts a server of `kind` and resolves once its port accepts connections. */
export async function startServer(kind: ServerKind, opts: StartOptions = {}): Promise<RunningServer> {
  installCleanup();
  // A free port can be taken by a parallel test between freePort() and the child's bind: retry.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(kind, opts.port ?? (await freePort()), opts);
    } catch (err) {
      if (opts.port !== undefined || attempt >= 3 || !/EADDRINUSE/.test(String(err))) throw err;
    }
  }
}

async function startOnce(kind: ServerKind, port: number, opts: StartOptions): Promise<RunningServer> {
  const launch = launchFor(kind, port, opts);
  const echo = opts.echo ?? process.env.DEBUG_SERVERS === '1';
  const lines: string[] = [];
  let child!: ChildProcess;
  let exited!: Promise<ExitInfo>;
  let exitInfo: ExitInfo | undefined;
  let restartEnv: Record<string, string> = {};

  const spawnChild = async () => {
    // Otherwise waitUntilListening would take someone else's socket for ours.
    if (await isListening(port)) throw new Error(`EADDRINUSE: ${HOST}:${port} is already taken by another process`);
    exitInfo = undefined;
    child = spawn(process.execPath, ['--import', WATCHDOG, ...launch.args], {
      env: { ...process.env, ...launch.env, ...opts.env, ...restartEnv },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    live.add(child);
    const c = child;
    const onData = (buf: Buffer) => {
      const text = buf.toString('utf8');
      if (echo) process.stderr.write(`[${kind}:${port}] ${text}`);
      lines.push(...text.split('\n').filter(Boolean));
      if (lines.length > 200) lines.splice(0, lines.length - 200);
    };
    c.stdout!.on('data', onData);
    c.stderr!.on('data', onData);
    exited = new Promise<ExitInfo>((res) =>
      c.once('exit', (code, signal) => {
        live.delete(c);
        exitInfo = { code, signal };
        res(exitInfo);
      }),
    );
  };

  const waitUntilListening = (timeoutMs = opts.startTimeoutMs ?? 15_000) =>
    waitForPort(port, timeoutMs, () =>
      exitInfo
        ? `${kind} exited (code ${exitInfo.code}, signal ${exitInfo.signal}) before listening on ${port}:\n${lines.slice(-20).join('\n')}`
        : undefined,
    );

  const kill = async (signal: NodeJS.Signals = 'SIGKILL'): Promise<ExitInfo> => {
    if (!exitInfo) child.kill(signal);
    const info = await exited;
    // The listening socket closes with the process; make sure before a restart binds again.
    for (let i = 0; i < 100 && (await isListening(port)); i++) await sleep(10);
    return info;
  };

  const stop = async () => {
    if (exitInfo) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 2000);
    await exited;
    clearTimeout(timer);
  };

  await spawnChild();
  try {
    await waitUntilListening();
  } catch (err) {
    await kill();
    throw err;
  }

  return {
    kind,
    url: launch.url,
    healthUrl: launch.healthUrl,
    port,
    get pid() {
      return child.pid ?? -1;
    },
    get exited() {
      return exited;
    },
    kill,
    stop,
    waitUntilListening,
    async restart({ delayMs = 0, signal = 'SIGKILL', env } = {}) {
      await kill(signal);
      if (env) restartEnv = { ...restartEnv, ...env };
      if (delayMs > 0) await sleep(delayMs);
      await spawnChild();
      await waitUntilListening();
    },
    output: () => lines.join('\n'),
  };
}
