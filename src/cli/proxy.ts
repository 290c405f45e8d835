// `archon-mcp-doctor proxy`: runs the healing gateway without VS Code.
import { GATEWAY_DEFAULTS, GatewayPortTaken, startGateway, watchUpstreamContainer } from '../core/gateway';
import type { Gateway, GatewayEvent, GatewayLogger } from '../core/gateway';
import { parseGatewayArgs } from './gateway-args';

export const PROXY_USAGE = `usage: archon-mcp-doctor proxy --upstream <url> [--port P] [--name N] [--state-dir D] [--hold-timeout S]
         [--container NAME] [--docker-socket PATH] [--json]
  Serves http://127.0.0.1:P/<name>/mcp (also on [::1]; default port ${GATEWAY_DEFAULTS.port}, name "archon") and keeps
  clients' sessions alive across restarts of the upstream MCP server. Sessions are saved in the state dir
  (default ~/.archon-mcp-doctor). When another of our gateways holds the port, this one defers to it and
  takes over when it goes away; a port held by any other program is an error (exit 1): choose another with --port.
  --container NAME: watch the upstream's Docker container (socket: --docker-socket, else DOCKER_HOST, else the
  default); a container death holds requests at once instead of sending them into the dying container.
  With --json: one JSON object per line, first {"event":"listening","url":…}.
  Exit codes: 0 stopped by SIGINT/SIGTERM, 1 the gateway could not start, 2 bad arguments.`;

const PROXY_OPTIONS = {
  port: { type: 'string' },
  name: { type: 'string' },
  json: { type: 'boolean' },
} as const;

export async function proxyCommand(argv: string[]): Promise<number> {
  const parsed = parseGatewayArgs(argv, PROXY_OPTIONS);
  if (parsed === 'help') {
    process.stdout.write(`${PROXY_USAGE}\n`);
    return 0;
  }
  const port = typeof parsed === 'string' ? 0 : Number(parsed.values.port ?? GATEWAY_DEFAULTS.port);
  const problem = typeof parsed === 'string' ? parsed : !Number.isInteger(port) || port < 0 || port > 65535 ? '--port must be 0..65535' : undefined;
  if (problem || typeof parsed === 'string') {
    process.stderr.write(`proxy: ${problem}\n${PROXY_USAGE}\n`);
    return 2;
  }
  const { args } = parsed;
  const json = parsed.values.json === true;
  const name = (parsed.values.name as string | undefined) ?? 'archon';
  const out = (line: string): void => {
    process.stdout.write(`${line}\n`);
  };
  const logger: GatewayLogger = json
    ? { info: () => undefined, warn: () => undefined, error: (m) => process.stderr.write(`${m}\n`) }
    : { info: () => undefined, warn: (m) => process.stderr.write(`warn: ${m}\n`), error: (m) => process.stderr.write(`error: ${m}\n`) };
  const printEvent = (e: GatewayEvent): void => {
    if (json) out(JSON.stringify(e));
    else out(`${e.at} ${e.event}${e.session ? ` [${e.session}]` : ''}: ${e.message}`);
  };

  let gw: Gateway;
  try {
    gw = await startGateway({
      upstreams: [{ name, url: args.upstream }],
      port,
      stateDir: args.stateDir,
      holdTimeoutMs: args.holdTimeoutMs,
      logger,
    });
  } catch (err) {
    const hint = err instanceof GatewayPortTaken ? `; choose another port with --port P (clients must then use that port)` : '';
    process.stderr.write(`proxy: cannot start the gateway: ${(err as Error).message}${hint}\n`);
    return 1;
  }
  const gateway = gw;
  const slug = Object.keys(gateway.urls())[0];
  // Docker messages go to stderr (also with --json): stdout keeps the event lines.
  const docker = args.container
    ? watchUpstreamContainer(gateway, slug, {
      container: args.container, socketPath: args.dockerSocket,
      logger: { info: (m) => process.stderr.write(`${m}\n`), warn: (m) => process.stderr.write(`warn: ${m}\n`), error: (m) => process.stderr.write(`error: ${m}\n`) },
    })
    : undefined;
  // Signal handlers before the first line: whoever reads the URL may signal us at once.
  let stopping = false;
  const exitCode = new Promise<number>((resolve) => {
    const stop = (): void => {
      if (stopping) return;
      stopping = true;
      docker?.stop();
      gateway.stop().then(() => resolve(0), () => resolve(0));
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  // The URL first, then events as they happen.
  const first = { event: gateway.mode === 'deferred' ? 'deferred' : 'listening', url: gateway.url(), mode: gateway.mode, upstream: args.upstream };
  if (json) out(JSON.stringify(first));
  else out(gateway.url());
  if (!json) out(gateway.mode === 'deferred' ? `deferring to the gateway already serving ${gateway.baseUrl}` : `forwarding to ${args.upstream}`);
  gateway.onEvent(printEvent);

  return exitCode;
}
