// `archon-mcp-doctor stdio`: MCP over stdin/stdout for one client (Claude Desktop, any stdio-only client),
// healed against a Streamable HTTP upstream. stdout carries protocol messages only; everything else is stderr.
import { startStdioBridge, watchUpstreamContainer, type GatewayLogger } from '../core/gateway';
import { badArguments } from './registry';
import { REPEAT_USAGE, parseGatewayArgs } from './gateway-args';
import { SUPERVISE_USAGE, superviseCommand } from './stdio-supervise';

export const STDIO_EXIT = {
  /** stdin closed (the client is done) or SIGINT/SIGTERM. */
  ok: 0,
  /** Something unexpected inside the bridge. */
  internal: 1,
  badArguments: 2,
  /** The upstream answered the client's initialize with something no MCP server sends. */
  upstreamNotMcp: 3,
} as const;

export const STDIO_USAGE = `usage: archon-mcp-doctor stdio --upstream <url> [--name N] [--container NAME] [--docker-socket PATH]
         [--state-dir D] [--hold-timeout S] [--quiet] [--repeat-safe GLOBS] [--never-repeat GLOBS]
  Speaks MCP over stdin/stdout to one client and forwards to the Streamable HTTP upstream through the
  healing gateway core: a lost upstream session (HTTP 400/404) is re-initialized, requests are held while
  the server is down or restarting (--hold-timeout, default 30 s), and a call that may have run is never
  repeated. stdout carries nothing but MCP messages; logs go to stderr (--quiet: warnings and errors only).
  --container NAME: watch the upstream's Docker container; a container death holds requests at once.
  --state-dir D: accepted like proxy's; the bridge keeps its one session in memory (it lives as long as
  the client's process) and writes nothing there.
${REPEAT_USAGE}
  A line on stdin that is not JSON gets a JSON-RPC parse error (-32700, id null) and a message on stderr.
  Client config: {"command": "archon-mcp-doctor", "args": ["stdio", "--upstream", "http://localhost:8051/mcp"]}
  Exit codes: 0 stdin closed or SIGINT/SIGTERM, 1 internal error, 2 bad arguments,
              3 the upstream is not an MCP server (its answer to initialize is not MCP).

${SUPERVISE_USAGE}`;

export async function stdioCommand(argv: string[]): Promise<number> {
  // `stdio [options] -- <command> [args…]`: a local server under the supervisor, not an HTTP upstream.
  const separator = argv.indexOf('--');
  if (separator !== -1) {
    if (argv.slice(0, separator).some((a) => a === '--upstream' || a.startsWith('--upstream='))) {
      return badArguments('stdio', '--upstream and a command after -- cannot be used together', STDIO_USAGE);
    }
    return superviseCommand(argv.slice(0, separator), argv.slice(separator + 1));
  }
  const parsed = parseGatewayArgs(argv, { name: { type: 'string' }, quiet: { type: 'boolean' } } as const);
  if (parsed === 'help') {
    // Help goes to stderr too: stdout is reserved for protocol messages.
    process.stderr.write(`${STDIO_USAGE}\n`);
    return STDIO_EXIT.ok;
  }
  if (typeof parsed === 'string') {
    process.stderr.write(`stdio: ${parsed}\n${STDIO_USAGE}\n`);
    return STDIO_EXIT.badArguments;
  }
  const { args } = parsed;
  const quiet = parsed.values.quiet === true;
  const write = (level: string, m: string): void =>
    void process.stderr.write(`archon-mcp-doctor stdio: ${level}${m}\n`);
  const logger: GatewayLogger = {
    info: (m) => !quiet && write('', m),
    warn: (m) => write('warn: ', m),
    error: (m) => write('error: ', m),
  };
  const name = (parsed.values.name as string | undefined) ?? 'archon';
  const bridge = await startStdioBridge({
    upstream: { name, url: args.upstream, repeat: args.repeat },
    input: process.stdin,
    output: process.stdout,
    holdTimeoutMs: args.holdTimeoutMs,
    logger,
  });
  bridge.onEvent((e) => {
    if (e.event === 'error-returned') logger.warn(e.message);
    else logger.info(`${e.event}: ${e.message}`);
  });
  const docker = args.container
    ? watchUpstreamContainer(bridge, bridge.slug, { container: args.container, socketPath: args.dockerSocket, logger })
    : undefined;
  const stop = (): void => void bridge.stop();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  logger.info(`forwarding stdio to ${args.upstream}`);
  const end = await bridge.ended;
  docker?.stop();
  await bridge.stop();
  if (end.kind === 'upstream-not-mcp') {
    logger.error(`${args.upstream} is not an MCP server: ${end.message.replace(/^Archon MCP Doctor gateway: /, '')}`);
    return STDIO_EXIT.upstreamNotMcp;
  }
  return STDIO_EXIT.ok;
}
