#!/usr/bin/env node
// Command-line entry: the same core as the extension, for users without VS Code, tests and benchmarks.
import { dispatch, type CliCommand } from './cli/registry';
import { watchCommand, WATCH_USAGE } from './cli/watch';
import { proxyCommand, PROXY_USAGE } from './cli/proxy';
import { clientsCommand, CLIENTS_USAGE } from './cli/clients';
import { dockerGatewayCommand, DOCKER_GATEWAY_USAGE } from './cli/docker-gateway';
import { stdioCommand, STDIO_USAGE } from './cli/stdio';
import { serversCommand, SERVERS_USAGE } from './cli/servers';
import { statusCommand, STATUS_USAGE } from './cli/status';
import { incidentsCommand, INCIDENTS_USAGE } from './cli/incidents';

const COMMANDS: CliCommand[] = [
  {
    name: 'watch',
    summary: 'watch an MCP server: one line per state change, healing lost sessions',
    usage: WATCH_USAGE,
    run: watchCommand,
  },
  {
    name: 'proxy',
    summary: 'run the healing gateway on 127.0.0.1 / ::1 (HTTP clients keep their sessions)',
    usage: PROXY_USAGE,
    run: proxyCommand,
  },
  {
    name: 'stdio',
    summary:
      'MCP over stdin/stdout for one client: healed against an HTTP upstream, or a local server supervised (stdio -- <command>)',
    usage: STDIO_USAGE,
    run: stdioCommand,
  },
  {
    name: 'status',
    summary: 'what the healing gateway on a port is doing: servers, clients, heals, which tools it repeats',
    usage: STATUS_USAGE,
    run: statusCommand,
  },
  {
    name: 'incidents',
    summary: 'what happened to the servers while nobody watched: one line per incident, healed or not',
    usage: INCIDENTS_USAGE,
    run: incidentsCommand,
  },
  {
    name: 'clients',
    summary: "list the AI clients' MCP configurations and route them through the gateway",
    usage: CLIENTS_USAGE,
    run: (args) => clientsCommand(args, __filename),
  },
  {
    name: 'servers',
    summary: 'the shared list of MCP servers the gateway serves (list, add, remove)',
    usage: SERVERS_USAGE,
    run: serversCommand,
  },
  // The image gets this very bundle (dist/cli.js): what runs in Docker is what the user installed.
  {
    name: 'docker-gateway',
    summary: 'run the healing gateway always-on in Docker, beside the server container',
    usage: DOCKER_GATEWAY_USAGE,
    run: (args) => dockerGatewayCommand(args, __filename),
  },
];

// A command that awaits only unref'd handles would let Node exit mid-await with code 0 and no output:
// never report success for a command that did not finish.
let finished = false;
process.once('beforeExit', () => {
  if (finished) return;
  process.stderr.write(
    'archon-mcp-doctor: internal error: the command stopped before it finished (nothing left to wait for)\n',
  );
  process.exit(70);
});

dispatch(COMMANDS, process.argv.slice(2)).then(
  (code) => {
    finished = true;
    process.exitCode = code;
    // Let stdout drain (a pipe may still hold protocol messages), then leave even if handles linger.
    process.stdout.write('', () => process.exit(code));
  },
  (err) => {
    finished = true;
    process.stderr.write(`archon-mcp-doctor: ${(err as Error).stack ?? err}\n`);
    process.exit(1);
  },
);
