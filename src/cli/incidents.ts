// `archon-mcp-doctor incidents`: what happened to the servers while nobody watched, from the local
// journal (the state dir `proxy` writes) and from a running gateway's or sidecar's status endpoint.
import { parseArgs } from 'node:util';
import { GATEWAY_DEFAULTS, fetchGatewayIncidents } from '../core/gateway';
import { incidentLine, mergeIncidents, parseDuration, readJournal, type IncidentRecord } from '../core/incidents';
import { jsonLine } from '../core/json-lines';
import { errorMessage, isOneOf } from '../core/narrow';
import { DEFAULT_STATE_DIR } from './gateway-args';

export const INCIDENTS_USAGE = `usage: archon-mcp-doctor incidents [--json] [--since DURATION] [--server NAME] [--state-dir D]
         [--gateway URL|none] [--from journal|gateway|both]
  Lists incidents (a server's loss, from its first failure to its recovery): when, who saw it (window, proxy,
  sidecar, stdio), the cause with its evidence, how long the server was down, what became of the calls.
  Read from the journal in the state dir (default ~/.archon-mcp-doctor, as \`proxy\` takes it) and from the
  gateway that serves http://127.0.0.1:${GATEWAY_DEFAULTS.port} (the sidecar, or a \`proxy\`); --gateway names another
  one's base URL, or none. The same incident read from both is printed once.
  --since 12h / 7d / 90m: only incidents that went on within that time. --server: only that server.
  With --json: one {"type":"incident",…} line each (docs/cli-json.md), oldest first.
  Exit codes: 0 listed (maybe none), 1 a source named by --from could not be read, 2 bad arguments.`;

const OPTIONS = {
  json: { type: 'boolean' },
  since: { type: 'string' },
  server: { type: 'string' },
  'state-dir': { type: 'string' },
  gateway: { type: 'string' },
  from: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

const FROM = ['journal', 'gateway', 'both'] as const;

const parse = (argv: string[]) =>
  parseArgs({ args: argv, options: OPTIONS, strict: true, allowPositionals: false }).values;

export async function incidentsCommand(argv: string[]): Promise<number> {
  let values: ReturnType<typeof parse>;
  try {
    values = parse(argv);
  } catch (err) {
    process.stderr.write(`incidents: ${errorMessage(err)}\n${INCIDENTS_USAGE}\n`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(`${INCIDENTS_USAGE}\n`);
    return 0;
  }
  const bad = (m: string): number => {
    process.stderr.write(`incidents: ${m}\n${INCIDENTS_USAGE}\n`);
    return 2;
  };
  const sinceText = values.since;
  const sinceMs = sinceText === undefined ? undefined : parseDuration(sinceText);
  if (sinceText !== undefined && sinceMs === undefined)
    return bad(`--since takes a duration such as 90m, 12h or 7d (got ${JSON.stringify(sinceText)})`);
  const from = values.from ?? 'both';
  if (!isOneOf(FROM, from)) return bad(`--from must be one of ${FROM.join(', ')}`);
  const gatewayUrl = values.gateway ?? `http://127.0.0.1:${GATEWAY_DEFAULTS.port}`;
  const stateDir = values['state-dir'] ?? DEFAULT_STATE_DIR;
  const json = values.json === true;

  let failed = false;
  const journal: IncidentRecord[] = [];
  if (from !== 'gateway') {
    const read = await readJournal(stateDir);
    for (const p of read.problems) process.stderr.write(`incidents: ${p}\n`);
    if (read.problems.length && from === 'journal') failed = true;
    journal.push(...read.incidents);
  }
  const live: IncidentRecord[] = [];
  if (from !== 'journal' && gatewayUrl !== 'none') {
    const got = await fetchGatewayIncidents(gatewayUrl);
    if (typeof got === 'string') {
      // Without a running gateway the journal is the whole story: say so only when asked for the gateway.
      if (from === 'gateway') {
        process.stderr.write(`incidents: ${got}\n`);
        failed = true;
      } else if (!json) process.stderr.write(`(${got}; showing the journal in ${stateDir})\n`);
    } else live.push(...got);
  }
  const inJournal = new Set(journal.map((r) => r.id));
  const inLive = new Set(live.map((r) => r.id));
  const list = mergeIncidents([journal, live], {
    sinceMs: sinceMs === undefined ? undefined : Date.now() - sinceMs,
    server: values.server,
  });
  for (const r of list) {
    const source = inJournal.has(r.id) && inLive.has(r.id) ? 'both' : inLive.has(r.id) ? 'gateway' : 'journal';
    process.stdout.write(
      `${json ? JSON.stringify(jsonLine('incident', { t: r.startedAt, ...r, source })) : incidentLine(r)}\n`,
    );
  }
  if (!json && !list.length) process.stdout.write('no incidents\n');
  return failed ? 1 : 0;
}
