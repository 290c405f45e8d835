// `archon-mcp-doctor proxy`: runs the healing gateway without VS Code.
import { homedir } from 'node:os';
import { join } from 'node:path';
import { GATEWAY_DEFAULTS, startGateway } from '../core/gateway';
import type { Gateway, GatewayEvent, GatewayLogger } from '../core/gateway';
import { isGatewayStartKind, jsonLine } from '../core/json-lines';

export const PROXY_USAGE = `usage: archon-mcp-doctor proxy --upstream <url> [--port P] [--name N] [--state-dir D] [--hold-timeout S] [--json]
  Serves http://127.0.0.1:P/<name>/mcp (default port ${GATEWAY_DEFAULTS.port}, name "archon") and keeps clients' sessions
  alive across restarts of the upstream MCP server. Sessions are saved in the state dir
  (default ~/.archon-mcp-doctor). With --json: one JSON object per line (docs/cli-json.md), first {"type":"listening","url":…}.`;

interface ProxyArgs {
  upstream: string;
  port: number;
  name: string;
  stateDir: string;
  holdTimeoutMs: number;
  json: boolean;
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
      case '--json': args.json = true; break;
      case '-h': case '--help': return 'help';
      default: return `unknown argument "${a}"`;
    }
  }
  if (!args.upstream) return 'missing --upstream <url>';
  try {
    const u = new URL(args.upstream);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return `--upstream must be an http(s) URL`;
  } catch {
    return `--upstream is not a URL: ${args.upstream}`;
  }
  const port = args.port ?? GATEWAY_DEFAULTS.port;
  if (!Number.isInteger(port) || port < 0 || port > 65535) return '--port must be 0..65535';
  const hold = args.holdTimeoutMs ?? GATEWAY_DEFAULTS.holdTimeoutMs;
  if (!(hold > 0)) return '--hold-timeout must be a positive number of seconds';
  return {
    upstream: args.upstream, port, name: args.name ?? 'archon', json: args.json ?? false, holdTimeoutMs: hold,
    stateDir: args.stateDir ?? join(homedir(), '.archon-mcp-doctor'),
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
  // Filled in once the gateway runs: every listening/deferred line says where clients connect.
  let startFields = (): { url: string; mode: Gateway['mode']; upstream: string; movedFromPort: number | null } => ({ url: '', mode: 'stopped', upstream: parsed.upstream, movedFromPort: null });
  const printEvent = (e: GatewayEvent): void => {
    const { at, event, ...fields } = e;
    if (!parsed.json) out(`${at} ${event}${e.session ? ` [${e.session}]` : ''}: ${e.message}`);
    else if (isGatewayStartKind(event)) out(JSON.stringify(jsonLine(event, { t: at, ...startFields(), message: e.message })));
    else out(JSON.stringify(jsonLine(event, { t: at, ...fields })));
  };

  let gw: Gateway;
  try {
    gw = await startGateway({
      upstreams: [{ name: parsed.name, url: parsed.upstream }],
      port: parsed.port,
      stateDir: parsed.stateDir,
      holdTimeoutMs: parsed.holdTimeoutMs,
      logger,
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
  startFields = () => ({ url: gateway.url(), mode: gateway.mode, upstream: parsed.upstream, movedFromPort: gateway.stats().movedFromPort ?? null });
  const first = jsonLine(gateway.mode === 'deferred' ? 'deferred' : 'listening', startFields());
  if (parsed.json) out(JSON.stringify(first));
  else out(gateway.url());
  if (!parsed.json) out(gateway.mode === 'deferred' ? `deferring to the gateway already serving ${gateway.baseUrl}` : `forwarding to ${parsed.upstream}`);
  const moved = gateway.stats().movedFromPort;
  if (moved !== undefined) {
    printEvent({ at: new Date().toISOString(), event: 'port-moved', url: gateway.url(), message: `port ${moved} is used by another program; listening on ${gateway.stats().port} instead` });
  }
  gateway.onEvent(printEvent);

  return exitCode;
}
