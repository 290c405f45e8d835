// `archon-mcp-doctor stdio [options] -- <command> [args…]`: runs a stdio MCP server under the supervisor.
// stdout carries protocol messages only; the server's stderr and our lines go to stderr.
import { currentLocationEnv, stateDir } from '../core/clients';
import { jsonLine } from '../core/json-lines';
import { StdioSupervisor, SUPERVISOR_DEFAULTS, journalRestarts, serverLabelOf, type RestartEvent } from '../core/stdio';
import { IncidentRecorder } from '../core/incidents';
import { GATEWAY_DEFAULTS } from '../core/gateway';
import { REPEAT_USAGE, repeatRulesOf } from './gateway-args';
import { badArguments, parseCommandArgs } from './registry';

export const SUPERVISE_USAGE = `usage: archon-mcp-doctor stdio [options] -- <command> [args…]
  Runs a stdio MCP server (any command: node, npx, uvx, docker run -i …) and relays MCP between it and the
  client over stdin/stdout. When the server exits, closes stdout, stops reading or goes silent while a
  request waits (a wedge), its process group is killed and the command started again; the client's own
  initialize is replayed, its logging level and subscriptions restored, and requests held meanwhile are
  sent. A request that may have run (a tools/call not known to be safe to repeat) is never repeated: it
  gets an error that says so. A command that keeps failing at start is given up on, with its exit status
  and stderr in the error, and tried again on the next request.
  --wedge-timeout S   no output at all for S seconds while a request or our ping waits = wedged (default ${SUPERVISOR_DEFAULTS.wedgeTimeoutMs / 1000})
  --hold-timeout S    how long a request waits for the server to come back (default ${GATEWAY_DEFAULTS.holdTimeoutMs / 1000})
  --response-timeout S  how long an answer may take once sent (default ${GATEWAY_DEFAULTS.responseTimeoutMs / 1000})
${REPEAT_USAGE}
  --state-dir D       the user's state folder (default: the one client routing uses); the supervisor keeps
                      <D>/stdio/<pid>.json while it runs
  --name N            the server's name in the incident journal (default: the package or script it runs)
  --json              one JSON line per restart on stderr (docs/cli-json.md: stdio-restart)
  --quiet             warnings and errors only
  Client config: {"command": "archon-mcp-doctor", "args": ["stdio", "--", "npx", "-y", "@modelcontextprotocol/server-memory"]}`;

function positiveSeconds(value: string | undefined, flag: string, fallbackMs: number): number | string {
  if (value === undefined) return fallbackMs;
  const ms = Number(value) * 1000;
  return ms > 0 && Number.isFinite(ms) ? ms : `${flag} must be a positive number of seconds`;
}

function restartLine(e: RestartEvent, command: string[]): string {
  const inFlight = `${e.inFlight.resent} resent, ${e.inFlight.ambiguous} answered "may or may not have run", ${e.inFlight.held} held`;
  const next =
    e.action === 'give-up'
      ? 'gave up (tries again on the next request)'
      : e.delayMs > 0
        ? `starting it again in ${e.delayMs} ms`
        : 'started it again';
  const tail = e.stderrTail.length > 0 && e.cause !== 'wedge' ? `; stderr: ${e.stderrTail.slice(-3).join(' | ')}` : '';
  return `restart ${e.restarts}: "${command.join(' ')}" ended (${e.label}) after ${(e.uptimeMs / 1000).toFixed(1)} s; ${next}; in flight: ${inFlight}${tail}`;
}

export async function superviseCommand(options: string[], command: string[]): Promise<number> {
  const parsed = parseCommandArgs(options, {
    'wedge-timeout': { type: 'string' },
    'hold-timeout': { type: 'string' },
    'response-timeout': { type: 'string' },
    'repeat-safe': { type: 'string', multiple: true },
    'never-repeat': { type: 'string', multiple: true },
    'state-dir': { type: 'string' },
    json: { type: 'boolean' },
    quiet: { type: 'boolean' },
    name: { type: 'string' },
  });
  if (typeof parsed === 'string') return badArguments('stdio', parsed, SUPERVISE_USAGE);
  const { values } = parsed;
  if (command.length === 0 || command[0] === '') return badArguments('stdio', 'no command after --', SUPERVISE_USAGE);
  const wedge = positiveSeconds(values['wedge-timeout'], '--wedge-timeout', SUPERVISOR_DEFAULTS.wedgeTimeoutMs);
  const hold = positiveSeconds(values['hold-timeout'], '--hold-timeout', GATEWAY_DEFAULTS.holdTimeoutMs);
  const response = positiveSeconds(
    values['response-timeout'],
    '--response-timeout',
    GATEWAY_DEFAULTS.responseTimeoutMs,
  );
  if (typeof wedge === 'string') return badArguments('stdio', wedge, SUPERVISE_USAGE);
  if (typeof hold === 'string') return badArguments('stdio', hold, SUPERVISE_USAGE);
  if (typeof response === 'string') return badArguments('stdio', response, SUPERVISE_USAGE);
  const quiet = values.quiet === true;
  const json = values.json === true;
  const write = (level: string, m: string): void =>
    void process.stderr.write(`archon-mcp-doctor stdio: ${level}${m}\n`);
  const logger = {
    info: (m: string) => !quiet && write('', m),
    warn: (m: string) => write('warn: ', m),
    error: (m: string) => write('error: ', m),
  };
  const [cmd, ...args] = command;
  const folder = values['state-dir'] ?? stateDir(currentLocationEnv());
  const supervisor = new StdioSupervisor({
    server: { command: cmd, args, env: process.env, cwd: process.cwd() },
    input: process.stdin,
    output: process.stdout,
    serverStderr: process.stderr,
    logger,
    wedgeTimeoutMs: wedge,
    holdTimeoutMs: hold,
    responseTimeoutMs: response,
    rules: repeatRulesOf(values, 'the stdio supervisor'),
    stateDir: folder,
  });
  // Each restart is an incident in the journal of the state folder (`archon-mcp-doctor incidents`, the extension).
  const incidents = new IncidentRecorder({
    seenBy: 'stdio',
    stateDir: folder,
    onProblem: (m) => logger.warn(`incidents: ${m}`),
  });
  incidents.load();
  journalRestarts(supervisor, incidents, values.name ?? serverLabelOf(command));
  supervisor.onRestart((e) => {
    const shown = supervisor.command;
    if (json) process.stderr.write(`${JSON.stringify(jsonLine('stdio-restart', { command: shown, ...e }))}\n`);
    else if (e.action === 'give-up') logger.error(restartLine(e, shown));
    else logger.warn(restartLine(e, shown));
  });
  const stop = (): void => void supervisor.stop();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  process.once('SIGHUP', stop);
  supervisor.start();
  await supervisor.ended;
  await incidents.stop();
  return 0;
}
