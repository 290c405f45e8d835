// `archon-mcp-doctor proxy`: runs the healing gateway without VS Code.
import {
  GATEWAY_DEFAULTS,
  GATEWAY_RUNTIMES,
  GatewayPortTaken,
  startGateway,
  watchUpstreamContainer,
} from '../core/gateway';
import type { Gateway, GatewayEvent, GatewayLogger, GatewayRuntime } from '../core/gateway';
import { isGatewayStartKind, jsonLine } from '../core/json-lines';
import { errorMessage, isOneOf } from '../core/narrow';
import { REPEAT_USAGE, httpUrlProblem, parseGatewayArgs, stringFlag } from './gateway-args';
import { proxyFromList } from './proxy-list';

export const PROXY_USAGE = `usage: archon-mcp-doctor proxy [--upstream <url>] [--port P] [--name N] [--state-dir D] [--hold-timeout S]
         [--response-timeout S] [--container NAME] [--docker-socket PATH] [--json]
         [--host ADDR] [--public-url URL] [--public-upstream URL] [--runs-in docker|process]
         [--repeat-safe GLOBS] [--never-repeat GLOBS]
  Serves http://127.0.0.1:P/<name>/mcp (also on [::1]; default port ${GATEWAY_DEFAULTS.port}, name "archon") and keeps
  clients' sessions alive across restarts of the upstream MCP server. Sessions are saved in the state dir
  (default ~/.archon-mcp-doctor). When another of our gateways holds the port, this one defers to it and
  takes over when it goes away; a port held by any other program is an error (exit 1): choose another with --port.
  --hold-timeout: how long a request is held while the server is down (default ${GATEWAY_DEFAULTS.holdTimeoutMs / 1000} s);
  --response-timeout: how long an answer may take once sent (default ${GATEWAY_DEFAULTS.responseTimeoutMs / 1000} s).
  --container NAME: watch the upstream's Docker container (socket: --docker-socket, else DOCKER_HOST, else the
  default); a container death holds requests at once instead of sending them into the dying container.
  --host listens on ADDR only (in a container: 0.0.0.0, so Docker can publish the port); requests must
  still name a local host. --public-url is the base URL clients use (e.g. Docker's published
  http://127.0.0.1:18051), --public-upstream the upstream as users know it; both go to the status endpoint.
${REPEAT_USAGE}
  With --json: one JSON object per line (docs/cli-json.md), first {"type":"listening","url":…}.
  Without --upstream: serves every server of the shared list (\`archon-mcp-doctor servers\`) at /<slug>/mcp,
  and follows the list's edits without a restart.
  Exit codes: 0 stopped by SIGINT/SIGTERM, 1 the gateway could not start, 2 bad arguments.`;

const PROXY_OPTIONS = {
  port: { type: 'string' },
  name: { type: 'string' },
  json: { type: 'boolean' },
  'response-timeout': { type: 'string' },
  host: { type: 'string' },
  'public-url': { type: 'string' },
  'public-upstream': { type: 'string' },
  'runs-in': { type: 'string' },
} as const;

interface ProxyOnlyArgs {
  port: number;
  responseTimeoutMs: number;
  host?: string;
  publicUrl?: string;
  publicUpstream?: string;
  runsIn: GatewayRuntime;
}

/** The flags only `proxy` has, checked; a string is the message for a bad one. */
function proxyOnlyArgs(values: Record<string, unknown>): ProxyOnlyArgs | string {
  const str = (k: string) => stringFlag(values, k);
  const port = Number(str('port') ?? GATEWAY_DEFAULTS.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) return '--port must be 0..65535';
  const responseText = str('response-timeout');
  const responseTimeoutMs =
    responseText === undefined ? GATEWAY_DEFAULTS.responseTimeoutMs : Number(responseText) * 1000;
  if (!(responseTimeoutMs > 0) || !Number.isFinite(responseTimeoutMs))
    return '--response-timeout must be a positive number of seconds';
  const bad =
    httpUrlProblem('--public-url', str('public-url')) ?? httpUrlProblem('--public-upstream', str('public-upstream'));
  if (bad) return bad;
  const host = str('host');
  if (host !== undefined && !host.trim()) return '--host needs an address, e.g. 0.0.0.0';
  const runsIn = str('runs-in') ?? 'process';
  if (!isOneOf(GATEWAY_RUNTIMES, runsIn)) return `--runs-in must be one of ${GATEWAY_RUNTIMES.join(', ')}`;
  return {
    port,
    responseTimeoutMs,
    host,
    publicUrl: str('public-url'),
    publicUpstream: str('public-upstream'),
    runsIn,
  };
}

export async function proxyCommand(argv: string[]): Promise<number> {
  const parsed = parseGatewayArgs(argv, PROXY_OPTIONS, { upstreamOptional: true });
  if (parsed === 'help') {
    process.stdout.write(`${PROXY_USAGE}\n`);
    return 0;
  }
  const own = typeof parsed === 'string' ? parsed : proxyOnlyArgs(parsed.values);
  if (typeof parsed === 'string' || typeof own === 'string') {
    process.stderr.write(`proxy: ${typeof parsed === 'string' ? parsed : own}\n${PROXY_USAGE}\n`);
    return 2;
  }
  const { args } = parsed;
  const json = parsed.values.json === true;
  if (!args.upstream) {
    if (args.container || parsed.values.name !== undefined || own.publicUpstream) {
      process.stderr.write(`proxy: --container, --name and --public-upstream need --upstream\n${PROXY_USAGE}\n`);
      return 2;
    }
    return proxyFromList({
      json,
      port: own.port,
      host: own.host,
      publicUrl: own.publicUrl,
      runsIn: own.runsIn,
      stateDir: args.stateDir,
      holdTimeoutMs: args.holdTimeoutMs,
      responseTimeoutMs: own.responseTimeoutMs,
    });
  }
  const name = stringFlag(parsed.values, 'name') ?? 'archon';
  const out = (line: string): void => {
    process.stdout.write(`${line}\n`);
  };
  const logger: GatewayLogger = json
    ? { info: () => undefined, warn: () => undefined, error: (m) => process.stderr.write(`${m}\n`) }
    : {
        info: () => undefined,
        warn: (m) => process.stderr.write(`warn: ${m}\n`),
        error: (m) => process.stderr.write(`error: ${m}\n`),
      };
  // Filled in once the gateway runs: every listening/deferred line says where clients connect.
  let startFields = (): { url: string; mode: Gateway['mode']; upstream: string } => ({
    url: '',
    mode: 'stopped',
    upstream: args.upstream,
  });
  const printEvent = (e: GatewayEvent): void => {
    const { at, event, ...fields } = e;
    if (!json) out(`${at} ${event}${e.session ? ` [${e.session}]` : ''}: ${e.message}`);
    else if (isGatewayStartKind(event))
      out(JSON.stringify(jsonLine(event, { t: at, ...startFields(), message: e.message })));
    else out(JSON.stringify(jsonLine(event, { t: at, ...fields })));
  };

  // What the start itself found (a damaged session store) is printed after the first line.
  const early: GatewayEvent[] = [];
  let live = false;
  const onEvent = (e: GatewayEvent): void => {
    if (live) printEvent(e);
    else if (e.event === 'session-store' || e.event === 'incident-journal') early.push(e);
  };

  let gw: Gateway;
  try {
    gw = await startGateway({
      upstreams: [
        {
          name,
          url: args.upstream,
          repeat: args.repeat,
          ...(own.publicUpstream ? { publicUrl: own.publicUpstream } : {}),
        },
      ],
      port: own.port,
      host: own.host,
      publicUrl: own.publicUrl,
      runsIn: own.runsIn,
      stateDir: args.stateDir,
      holdTimeoutMs: args.holdTimeoutMs,
      responseTimeoutMs: own.responseTimeoutMs,
      logger,
      onEvent,
    });
  } catch (err) {
    const hint =
      err instanceof GatewayPortTaken ? `; choose another port with --port P (clients must then use that port)` : '';
    process.stderr.write(`proxy: cannot start the gateway: ${errorMessage(err)}${hint}\n`);
    return 1;
  }
  const gateway = gw;
  const slug = Object.keys(gateway.urls())[0];
  // Docker messages go to stderr (also with --json): stdout keeps the event lines.
  const docker = args.container
    ? watchUpstreamContainer(gateway, slug, {
        container: args.container,
        socketPath: args.dockerSocket,
        logger: {
          info: (m) => process.stderr.write(`${m}\n`),
          warn: (m) => process.stderr.write(`warn: ${m}\n`),
          error: (m) => process.stderr.write(`error: ${m}\n`),
        },
      })
    : undefined;
  // Signal handlers before the first line: whoever reads the URL may signal us at once.
  let stopping = false;
  const exitCode = new Promise<number>((resolve) => {
    const stop = (): void => {
      if (stopping) return;
      stopping = true;
      docker?.stop();
      gateway.stop().then(
        () => resolve(0),
        () => resolve(0),
      );
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  // The URL first, then events as they happen.
  startFields = () => ({ url: gateway.url(), mode: gateway.mode, upstream: args.upstream });
  const first = jsonLine(gateway.mode === 'deferred' ? 'deferred' : 'listening', startFields());
  if (json) out(JSON.stringify(first));
  else out(gateway.url());
  if (!json)
    out(
      gateway.mode === 'deferred'
        ? `deferring to the gateway already serving ${gateway.baseUrl}`
        : `forwarding to ${args.upstream}`,
    );
  early.splice(0).forEach(printEvent);
  live = true;

  return exitCode;
}
