// `archon-mcp-doctor docker-gateway up|down|status`: the always-on healing gateway as a container.
import { createDockerClient } from '../core/docker';
import {
  DEFAULT_BASE_IMAGE,
  DEFAULT_DOCKER_GATEWAY_PORT,
  DockerGatewayError,
  GATEWAY_VOLUME_NAME,
  dockerGatewayDown,
  dockerGatewayStatus,
  dockerGatewayUp,
  type DockerGatewayStatus,
  type DockerUpstream,
} from '../core/always-on';
import { errorMessage } from '../core/narrow';
import { PRODUCT_VERSION as version } from '../core/version';
import { jsonLine, type JsonLine } from '../core/json-lines';
import { parseGlobList } from '../core/healing';
import { REPEAT_USAGE } from './gateway-args';
import { ServerListStore, configDir, currentLocationEnv } from '../core/clients';

export const DOCKER_GATEWAY_USAGE = `usage: archon-mcp-doctor docker-gateway up [--upstream <url> [--upstream-container <name>]]… [--port P] [--base-image IMG]
      [--docker-socket PATH] [--with-docker-socket] [--repeat-safe GLOBS] [--never-repeat GLOBS] [--json]
    archon-mcp-doctor docker-gateway down [--docker-socket PATH] [--json]
    archon-mcp-doctor docker-gateway status [--docker-socket PATH] [--json]
  Runs the healing gateway as container archon-mcp-doctor-gateway next to the upstream's container, on its
  Docker network (restart policy unless-stopped, published on 127.0.0.1:P only, default ${DEFAULT_DOCKER_GATEWAY_PORT};
  client sessions in volume ${GATEWAY_VOLUME_NAME}). --upstream is the URL you use today from this machine,
  e.g. http://localhost:8051/mcp; --upstream-container the container serving it, e.g. archon-mcp. The image is
  built locally from --base-image (default ${DEFAULT_BASE_IMAGE}; any image with node 20+ on its PATH, checked first).
  Several upstreams: repeat --upstream (each --upstream-container pairs with the --upstream before it; without
  one, the running container that publishes the URL's port); each is served at /<slug>/mcp, the first as
  /archon/mcp. With no --upstream: the shared server list's servers (\`archon-mcp-doctor servers\`).
  --with-docker-socket mounts the Docker socket for Docker awareness inside: that is root on this machine. --docker-socket PATH: the engine to use.
${REPEAT_USAGE}`;

interface Args {
  action: 'up' | 'down' | 'status';
  upstream?: string;
  upstreamContainer?: string;
  /** Every --upstream with the --upstream-container that followed it. */
  pairs: { upstream: string; upstreamContainer?: string }[];
  port?: number;
  baseImage?: string;
  socketPath?: string;
  withDockerSocket: boolean;
  json: boolean;
  repeatSafe: string[];
  neverRepeat: string[];
}

function parseArgs(argv: string[]): Args | string {
  const [action, ...rest] = argv;
  if (action === '-h' || action === '--help') return 'help';
  if (action !== 'up' && action !== 'down' && action !== 'status')
    return action ? `unknown action "${action}" (up, down or status)` : 'missing action: up, down or status';
  const a: Args = { action, withDockerSocket: false, json: false, repeatSafe: [], neverRepeat: [], pairs: [] };
  for (let i = 0; i < rest.length; i++) {
    const flag = rest[i];
    // A flag's value; a following flag is not one (`--upstream --json` → missing value).
    const value = (): string | undefined => {
      const v = rest[i + 1];
      if (v === undefined || v.startsWith('--')) return undefined;
      i++;
      return v;
    };
    switch (flag) {
      case '--upstream':
        a.upstream = value() ?? '';
        a.pairs.push({ upstream: a.upstream });
        break;
      case '--upstream-container': {
        a.upstreamContainer = value() ?? '';
        const last = a.pairs.at(-1);
        if (!last || last.upstreamContainer !== undefined)
          return 'missing --upstream <url> before --upstream-container (each --upstream-container follows the --upstream it serves)';
        last.upstreamContainer = a.upstreamContainer;
        break;
      }
      case '--port':
        a.port = Number(value());
        break;
      case '--base-image':
        a.baseImage = value() ?? '';
        break;
      case '--docker-socket':
        a.socketPath = value() ?? '';
        break;
      case '--with-docker-socket':
        a.withDockerSocket = true;
        break;
      case '--repeat-safe':
        a.repeatSafe.push(...parseGlobList(value() ?? ''));
        break;
      case '--never-repeat':
        a.neverRepeat.push(...parseGlobList(value() ?? ''));
        break;
      case '--json':
        a.json = true;
        break;
      case '-h':
      case '--help':
        return 'help';
      default:
        return `unknown argument "${flag}"`;
    }
  }
  if (a.action !== 'up') {
    if (
      a.upstream !== undefined ||
      a.upstreamContainer !== undefined ||
      a.port !== undefined ||
      a.baseImage !== undefined ||
      a.withDockerSocket
    ) {
      return `${a.action} takes only --docker-socket and --json`;
    }
    return a;
  }
  if (a.pairs.some((p) => !p.upstream))
    return 'missing --upstream <url> (the URL you use from this machine, e.g. http://localhost:8051/mcp)';
  if (a.pairs.some((p) => p.upstreamContainer === ''))
    return 'missing --upstream-container <name> (the container serving it, e.g. archon-mcp)';
  // One upstream as before: its container is named (the usual Archon setup).
  if (a.pairs.length === 1 && !a.upstreamContainer)
    return 'missing --upstream-container <name> (the container serving it, e.g. archon-mcp)';
  if (a.port !== undefined && (!Number.isInteger(a.port) || a.port < 1 || a.port > 65535))
    return '--port must be 1..65535';
  if (a.baseImage === '') return '--base-image needs an image name';
  if (a.socketPath === '') return '--docker-socket needs a path';
  return a;
}

/** The shared list's servers, for `up` with no --upstream. */
async function fromSharedList(): Promise<DockerUpstream[]> {
  const read = await new ServerListStore(configDir(currentLocationEnv())).load();
  for (const p of read.problems) process.stderr.write(`docker-gateway: ${p}\n`);
  return read.servers.map((s) => ({
    upstream: s.url,
    name: s.name,
    slug: s.slug,
    ...(s.headers ? { headers: s.headers } : {}),
  }));
}

function statusLines(s: DockerGatewayStatus): string {
  if (s.state === 'absent') return `${s.container}: not created (run \`archon-mcp-doctor docker-gateway up\`)`;
  const lines = [`${s.container}: ${s.state}${s.url ? ` at ${s.url}` : ''}`];
  if (s.upstreams)
    for (const u of s.upstreams) lines.push(`  ${u.url}  →  ${u.upstream} (reached as ${u.innerUpstream})`);
  else if (s.upstream) lines.push(`  upstream  ${s.upstream} (reached as ${s.innerUpstream} on network ${s.network})`);
  if (s.image) lines.push(`  image     ${s.image}`);
  if (s.uptimeSeconds !== undefined)
    lines.push(
      `  uptime    ${s.uptimeSeconds} s, ${s.clients ?? 0} client(s), ${s.requestsForwarded ?? 0} request(s) forwarded, ${s.requestsHealed ?? 0} healed`,
    );
  lines.push(`  restarts  ${s.restartCount ?? 0}; Docker socket ${s.dockerSocket ? 'mounted' : 'not mounted'}`);
  return lines.join('\n');
}

export async function dockerGatewayCommand(argv: string[], cliBundlePath: string): Promise<number> {
  const a = parseArgs(argv);
  if (a === 'help') {
    process.stdout.write(`${DOCKER_GATEWAY_USAGE}\n`);
    return 0;
  }
  if (typeof a === 'string') {
    process.stderr.write(`docker-gateway: ${a}\n${DOCKER_GATEWAY_USAGE}\n`);
    return 2;
  }
  const conn = createDockerClient({ socketPath: a.socketPath });
  const print = (line: JsonLine, text: string): void => {
    process.stdout.write(a.json ? `${JSON.stringify(line)}\n` : `${text}\n`);
  };
  try {
    if (a.action === 'up') {
      const ups: DockerUpstream[] = a.pairs.length ? a.pairs : await fromSharedList();
      if (ups.length === 0) {
        process.stderr.write(
          `docker-gateway: missing --upstream <url> (or servers in the shared list: archon-mcp-doctor servers add <name> <url>)\n${DOCKER_GATEWAY_USAGE}\n`,
        );
        return 2;
      }
      const [first, ...more] = ups;
      const r = await dockerGatewayUp(conn, {
        upstream: first.upstream,
        upstreamContainer: first.upstreamContainer,
        ...(first.name ? { name: first.name } : {}),
        ...(first.headers ? { headers: first.headers } : {}),
        more,
        port: a.port,
        baseImage: a.baseImage,
        withDockerSocket: a.withDockerSocket,
        cliBundlePath,
        version,
        repeat: { repeatSafe: a.repeatSafe, neverRepeat: a.neverRepeat },
        onProgress: (m) => process.stderr.write(`docker-gateway: ${m}\n`),
      });
      print(
        jsonLine('docker-gateway-up', r),
        `${r.change === 'unchanged' ? 'already running, unchanged' : r.change}: ${statusLines(r)}\nPoint your MCP clients at ${r.url}`,
      );
    } else if (a.action === 'down') {
      const r = await dockerGatewayDown(conn);
      print(
        jsonLine('docker-gateway-down', { state: 'absent', ...r }),
        r.removed
          ? `removed ${r.container} (client sessions stay in volume ${r.volume})`
          : `${r.container} was not there`,
      );
    } else {
      const s = await dockerGatewayStatus(conn);
      print(jsonLine('docker-gateway-status', s), statusLines(s));
    }
    return 0;
  } catch (err) {
    const e = err instanceof DockerGatewayError ? err : new DockerGatewayError('docker-error', errorMessage(err));
    if (a.json)
      process.stdout.write(
        `${JSON.stringify(jsonLine('docker-gateway-error', { code: e.code, message: e.message }))}\n`,
      );
    process.stderr.write(`docker-gateway ${a.action}: ${e.message}\n`);
    return 1;
  }
}
