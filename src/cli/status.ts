// `archon-mcp-doctor status`: what the healing gateway on a port (a `proxy`, the Docker sidecar, a VS Code
// window's) is doing: per server its clients, heals, errors, and which tools it sends again after a crash.
import { badArguments, parseCommandArgs } from './registry';
import { GATEWAY_DEFAULTS, probeHolder } from '../core/gateway';
import { jsonLine } from '../core/json-lines';

export const STATUS_USAGE = `usage: archon-mcp-doctor status [--port P] [--json]
  Asks the healing gateway on 127.0.0.1:P (default ${GATEWAY_DEFAULTS.port}) for its status: each server it serves, its
  clients, requests healed and errors returned, and which tools it sends again when the server dies mid-call,
  with the reason (your setting, annotation, known server, unknown: never).
  With --json: one {"type":"gateway-server",…} line per server (docs/cli-json.md).
  Exit codes: 0 a gateway answered, 1 no gateway of ours on that port, 2 bad arguments.`;

export async function statusCommand(argv: string[]): Promise<number> {
  const parsed = parseCommandArgs(argv, { port: { type: 'string' }, json: { type: 'boolean' } });
  if (typeof parsed === 'string') return badArguments('status', parsed, STATUS_USAGE);
  const { values } = parsed;
  const port = Number(values.port ?? GATEWAY_DEFAULTS.port);
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    return badArguments('status', '--port must be 1..65535', STATUS_USAGE);
  const status = await probeHolder(port, 2000);
  if (!status) {
    process.stderr.write(`status: no Archon MCP Doctor gateway answers on 127.0.0.1:${port}\n`);
    return 1;
  }
  for (const s of status.servers) {
    const repeat = s.repeat ?? { tools: [] };
    if (values.json) {
      const line = jsonLine('gateway-server', {
        slug: s.slug,
        name: s.name ?? s.slug,
        url: s.url,
        upstream: s.upstream,
        runsIn: status.runsIn,
        clients: s.clients,
        requestsForwarded: s.requestsForwarded,
        healed: s.healed,
        errorsReturned: s.errorsReturned,
        repeat,
      });
      process.stdout.write(`${JSON.stringify(line)}\n`);
      continue;
    }
    const heals = s.healed ? Object.values(s.healed).reduce((a, b) => a + b, 0) : 0;
    const lines = [
      `${s.name ?? s.slug}: ${s.url} → ${s.upstream ?? '?'} (${status.runsIn ?? 'process'})`,
      `  clients ${s.clients ?? 0}, requests ${s.requestsForwarded ?? 0}, healed ${heals}, errors ${s.errorsReturned ?? 0}`,
    ];
    if (repeat.tools.length === 0) lines.push('  tools: none seen yet (a client has not listed them)');
    else {
      lines.push(`  sent again after a crash${repeat.knownServer ? ` (known server: ${repeat.knownServer})` : ''}:`);
      for (const t of repeat.tools)
        lines.push(`    ${t.repeat ? 'yes' : 'no '}  ${t.tool}  (${t.reason}: ${t.detail})`);
      for (const t of repeat.tools.filter((x) => x.suggestion)) lines.push(`  hint: ${t.suggestion}`);
    }
    process.stdout.write(`${lines.join('\n')}\n`);
  }
  return 0;
}
