// Command-line entry: the same core as the extension, for tests, benchmarks and users without VS Code.
import { watchCommand, WATCH_USAGE } from './cli/watch';
import { proxyCommand, PROXY_USAGE } from './cli/proxy';
import { clientsCommand, CLIENTS_USAGE } from './cli/clients';
import { dockerGatewayCommand, DOCKER_GATEWAY_USAGE } from './cli/docker-gateway';

const USAGE = `archon-mcp-doctor <command>
  ${WATCH_USAGE.replace(/^usage: archon-mcp-doctor /, '')}
  ${PROXY_USAGE.replace(/^usage: archon-mcp-doctor /, '')}
  ${CLIENTS_USAGE.replace(/^usage: archon-mcp-doctor /, '')}
  ${DOCKER_GATEWAY_USAGE.replace(/^usage: archon-mcp-doctor /, '')}`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'watch':
      return watchCommand(rest);
    case 'proxy':
      return proxyCommand(rest);
    case 'clients':
      return clientsCommand(rest);
    case 'docker-gateway':
      // The image gets this very bundle (dist/cli.js): what runs in Docker is what the user installed.
      return dockerGatewayCommand(rest, __filename);
    case undefined:
    case '-h':
    case '--help':
      process.stdout.write(`${USAGE}\n`);
      return command ? 0 : 2;
    default:
      process.stderr.write(`unknown command "${command}"\n${USAGE}\n`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`archon-mcp-doctor: ${(err as Error).stack ?? err}\n`);
    process.exit(1);
  },
);
