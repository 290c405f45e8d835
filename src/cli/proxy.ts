// `archon-mcp-doctor proxy`: runs the healing gateway without VS Code.
import { homedir } from 'node:os';
import { join } from 'node:path';
import { GATEWAY_DEFAULTS, GATEWAY_RUNTIMES, startGateway } from '../core/gateway';
import type { Gateway, GatewayEvent, GatewayLogger, GatewayRuntime } from '../core/gateway';

export const PROXY_USAGE = `usage: archon-mcp-doctor proxy --upstream <url> [--port P] [--name N] [--state-dir D] [--hold-timeout S] [--response-timeout S] [--json]
       [--host ADDR] [--public-url URL] [--public-upstream URL] [--runs-in docker|process]
  Serves http://127.0.0.1:P/<name>/mcp (default port 8052, name "archon") and keeps clients' sessions
  alive across restarts of the upstream MCP server. --hold-timeout: how long a request is held while
  the server is down (default 30 s); --response-timeout: how long an answer may take once sent (default 120 s).
  Sessions are saved in the state dir (default ~/.archon-mcp-doctor). With --json: one JSON object per line,
  first {"event":"listening","url":…}.
  --host listens on ADDR only (in a container: 0.0.0.0, so Docker can publish the port); requests must
  still name a local host. --public-url is the base URL clients use (e.g. Docker's published
  http://127.0.0.1:18051), --public-upstream the upstream as users know it; both go to the status endpoint.`;

interface ProxyArgs {
  upstream: string;
  port: number;
  name: string;
  stateDir: string;
  holdTimeoutMs: number;
  responseTimeoutMs: number;
  json: boolean;
  host?: string;
  publicUrl?: string;
  publicUpstream?: string;
  runsIn: GatewayRuntime;
}

function httpUrlProblem(flag: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  try {
    const u = new URL(value);
    return u.protocol === 'http:' || u.protocol === 'https:' ? undefined : `${flag} must be an http(s) URL`;
  } catch {
    return `${flag} is not a URL: ${value}`;
  }
}

function parseArgs(argv: string[]): ProxyArgs | string {
  const args: Partial<ProxyArgs> = { json: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = (): string | undefined => argv[++i];
    switch (a) {
      case '--upstream': args.upstream = value(); break;
      case '--port': args.port = Number(value()); break;
      case '--name': args.name = value(); break;
      case '--state-dir': args.stateDir = value(); break;
      case '--hold-timeout': args.holdTimeoutMs = Number(value()) * 1000; break;
      case '--response-timeout': args.responseTimeoutMs = Number(value()) * 1000; break;
      case '--json': args.json = true; break;
      case '--host': args.host = value(); break;
      case '--public-url': args.publicUrl = value(); break;
      case '--public-upstream': args.publicUpstream = value(); break;
      case '--runs-in': args.runsIn = value() as GatewayRuntime; break;
      case '-h': case '--help': return 'help';
      default: return `unknown argument "${a}"`;
    }
  }
  if (!args.upstream) return 'missing --upstream <url>';
  const bad = httpUrlProblem('--upstream', args.upstream) ?? httpUrlProblem('--public-url', args.publicUrl) ?? httpUrlProblem('--public-upstream', args.publicUpstream);
  if (bad) return bad;
  if (args.host !== undefined && !args.host.trim()) return '--host needs an address, e.g. 0.0.0.0';
  if (args.runsIn !== undefined && !(GATEWAY_RUNTIMES as readonly string[]).includes(args.runsIn)) return `--runs-in must be one of ${GATEWAY_RUNTIMES.join(', ')}`;
  const port = args.port ?? 8052;
  if (!Number.isInteger(port) || port < 0 || port > 65535) return '--port must be 0..65535';
  const hold = args.holdTimeoutMs ?? 30_000;
  if (!(hold > 0)) return '--hold-timeout must be a positive number of seconds';
  const response = args.responseTimeoutMs ?? GATEWAY_DEFAULTS.responseTimeoutMs;
  if (!(response > 0)) return '--response-timeout must be a positive number of seconds';
  return {
    upstream: args.upstream, port, name: args.name ?? 'archon', json: args.json ?? false, holdTimeoutMs: hold, responseTimeoutMs: response,
    stateDir: args.stateDir ?? join(homedir(), '.archon-mcp-doctor'),
    host: args.host, publicUrl: args.publicUrl, publicUpstream: args.publicUpstream, runsIn: args.runsIn ?? 'process',
  };
}

export async function proxyCommand(argv: string[]): Promise<number> {
  const parsed = parseArgs(argv);
  if (parsed === 'help') {
    process.stdout.write(`${PROXY_USAGE}\n`);
    return 0;
  }
  if (typeof parsed === 'string') {
    process.stderr.write(`proxy: ${parsed}\n${PROXY_USAGE}\n`);
    return 2;
  }
  const out = (line: string): void => {
    process.stdout.write(`${line}\n`);
  };
  const logger: GatewayLogger = parsed.json
    ? { info: () => undefined, warn: () => undefined, error: (m) => process.stderr.write(`${m}\n`) }
    : { info: () => undefined, warn: (m) => process.stderr.write(`warn: ${m}\n`), error: (m) => process.stderr.write(`error: ${m}\n`) };
  const printEvent = (e: GatewayEvent): void => {
    if (parsed.json) out(JSON.stringify(e));
    else out(`${e.at} ${e.event}${e.session ? ` [${e.session}]` : ''}: ${e.message}`);
  };

  // What the start itself found (a damaged session store) is printed after the first line.
  const early: GatewayEvent[] = [];
  let live = false;
  const onEvent = (e: GatewayEvent): void => {
    if (live) printEvent(e);
    else if (e.event === 'session-store') early.push(e);
  };

  let gw: Gateway;
  try {
    gw = await startGateway({
      upstreams: [{ name: parsed.name, url: parsed.upstream, ...(parsed.publicUpstream ? { publicUrl: parsed.publicUpstream } : {}) }],
      port: parsed.port,
      host: parsed.host,
      publicUrl: parsed.publicUrl,
      runsIn: parsed.runsIn,
      stateDir: parsed.stateDir,
      holdTimeoutMs: parsed.holdTimeoutMs,
      responseTimeoutMs: parsed.responseTimeoutMs,
      logger,
      onEvent,
    });
  } catch (err) {
    process.stderr.write(`proxy: cannot start the gateway: ${(err as Error).message}\n`);
    return 1;
  }
  const gateway = gw;
  // Signal handlers before the first line: whoever reads the URL may signal us at once.
  let stopping = false;
  const exitCode = new Promise<number>((resolve) => {
    const stop = (): void => {
      if (stopping) return;
      stopping = true;
      gateway.stop().then(() => resolve(0), () => resolve(0));
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  // The URL first, then events as they happen.
  const first = { event: gateway.mode === 'deferred' ? 'deferred' : 'listening', url: gateway.url(), mode: gateway.mode, upstream: parsed.upstream, movedFromPort: gateway.stats().movedFromPort };
  if (parsed.json) out(JSON.stringify(first));
  else out(gateway.url());
  if (!parsed.json) out(gateway.mode === 'deferred' ? `deferring to the gateway already serving ${gateway.baseUrl}` : `forwarding to ${parsed.upstream}`);
  const moved = gateway.stats().movedFromPort;
  if (moved !== undefined) {
    printEvent({ at: new Date().toISOString(), event: 'port-moved', url: gateway.url(), message: `port ${moved} is used by another program; listening on ${gateway.stats().port} instead` });
  }
  early.splice(0).forEach(printEvent);
  live = true;

  return exitCode;
}
