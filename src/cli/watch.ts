// `archon-mcp-doctor watch <url>`: the monitor outside VS Code, one line per state transition.
import { badArguments, parseCommandArgs } from './registry';
import { DEFAULT_DOCKER_LINK_OPTIONS, DockerLink, type ContainerSnapshot } from '../core/docker';
import type { Logger } from '../core/logger';
import { ServerMonitor } from '../core/monitor';
import { shortenSessionId } from '../core/redact';
import { MemorySessionStore } from '../core/session-store';
import { validateSettings } from '../core/settings';
import type { LossDiagnosis } from '../core/evidence';
import {
  jsonLine,
  type ContainerLine,
  type ContainerLineEvent,
  type LossLine,
  type TransitionLine,
} from '../core/json-lines';
import { transitionWhy } from '../core/report';
import type { ServerSnapshot, Transition } from '../core/server-state';

export const WATCH_USAGE = `usage: archon-mcp-doctor watch <url> [--name N] [--interval S] [--timeout S]
         [--health-url URL] [--transport auto|streamable-http|sse] [--no-auto-heal]
         [--container NAME] [--docker-socket PATH] [--json] [--verbose]`;

/** A loss as a line carries it: a label always, `refined` when it replaces an earlier diagnosis. */
export function lossLine(loss: LossDiagnosis, refined = false): LossLine {
  return {
    cause: loss.cause,
    label: loss.label ?? loss.cause,
    evidence: loss.evidence,
    ...(refined ? { refined: true as const } : {}),
  };
}

/** One `container` line per notable container event. */
export function containerLine(
  server: string,
  event: ContainerLineEvent,
  c: ContainerSnapshot,
  extra: Partial<ContainerLine> = {},
): ContainerLine {
  return jsonLine('container', {
    server,
    container: c.matchedName ?? c.configuredName,
    event,
    state: c.state,
    restarts: c.restarts,
    oomKills: c.oomKills,
    health: c.health,
    memoryPct: c.memory ? Math.round(c.memory.pct * 10) / 10 : null,
    ...extra,
  });
}

/** One `transition` line per transition. */
export function transitionLine(snapshot: ServerSnapshot, t: Transition): TransitionLine {
  return jsonLine('transition', {
    t: t.at,
    server: snapshot.name,
    state: t.to,
    from: t.from,
    reason: t.reason,
    sessionId: snapshot.sessionId ? shortenSessionId(snapshot.sessionId) : null,
    era: snapshot.era ?? null,
    latencyMs: snapshot.lastPing?.latencyMs ?? null,
    ...(t.failure
      ? { failure: t.failure.kind, message: t.failure.message, httpStatus: t.failure.httpStatus ?? null }
      : {}),
    ...(t.loss ? { loss: lossLine(t.loss, t.refined) } : {}),
  });
}

function humanLine(snapshot: ServerSnapshot, t: Transition): string {
  const time = t.at.slice(11, 23);
  const session = snapshot.sessionId ? ` session ${shortenSessionId(snapshot.sessionId)}` : '';
  const era = t.to === 'healthy' && snapshot.era ? ` MCP ${snapshot.era}` : '';
  const latency = t.to === 'healthy' && snapshot.lastPing ? ` ${snapshot.lastPing.latencyMs} ms` : '';
  const why = t.failure ? ` — ${t.failure.message}` : '';
  return `${time} ${snapshot.name}: ${t.to}${t.refined ? ' (refined)' : ''} (${transitionWhy(t)})${era}${session}${latency}${why}`;
}

function stderrLogger(verbose: boolean): Logger {
  const write = (level: string) => (message: string) => process.stderr.write(`[${level}] ${message}\n`);
  return {
    debug: verbose ? write('debug') : () => {},
    info: verbose ? write('info') : () => {},
    warn: write('warn'),
    error: write('error'),
  };
}

export async function watchCommand(argv: string[]): Promise<number> {
  const parsed = parseCommandArgs(
    argv,
    {
      name: { type: 'string' },
      interval: { type: 'string' },
      timeout: { type: 'string' },
      'health-url': { type: 'string' },
      transport: { type: 'string' },
      'no-auto-heal': { type: 'boolean' },
      container: { type: 'string' },
      'docker-socket': { type: 'string' },
      json: { type: 'boolean' },
      verbose: { type: 'boolean' },
    },
    true,
  );
  if (typeof parsed === 'string') return badArguments('watch', parsed, WATCH_USAGE);
  const { values, positionals } = parsed;
  if (positionals.length !== 1)
    return badArguments(
      'watch',
      positionals.length === 0 ? 'missing the server URL' : `one URL only, not ${positionals.length}`,
      WATCH_USAGE,
    );
  const num = (v: string | undefined) => (v === undefined ? undefined : Number(v));
  const { settings, problems } = validateSettings({
    servers: [
      {
        name: values.name ?? 'server',
        url: positionals[0],
        transport: values.transport,
        healthUrl: values['health-url'],
      },
    ],
    pingIntervalSeconds: num(values.interval),
    pingTimeoutSeconds: num(values.timeout),
    autoHeal: values['no-auto-heal'] ? false : undefined,
  });
  for (const p of problems)
    process.stderr.write(`${p.replace(/archonMcp\.servers\[0\]/, 'url').replace(/archonMcp\./, '--')}\n`);
  if (settings.servers.length === 0) return 2;

  const logger = stderrLogger(Boolean(values.verbose));
  let link: DockerLink | undefined;
  const monitor = new ServerMonitor(settings.servers[0], settings.monitor, {
    store: new MemorySessionStore(),
    logger,
    diagnoseLoss: (at) => link?.diagnose(at),
  });
  if (values.container) {
    link = new DockerLink(
      monitor,
      values.container,
      { ...DEFAULT_DOCKER_LINK_OPTIONS, socketPath: values['docker-socket'] },
      logger,
    );
    const w = link.watcher;
    // The loss last announced on a container line: a later, different diagnosis is marked refined.
    let announced: LossLine | undefined;
    const say = (event: ContainerLineEvent, extra?: Partial<ContainerLine>) => {
      const line = containerLine(monitor.config.name, event, w.snapshot(), extra);
      if (line.loss) announced = line.loss;
      process.stdout.write(
        values.json
          ? `${JSON.stringify(line)}\n`
          : `${line.t.slice(11, 23)} ${line.server}: container ${line.container} ${event}${line.loss ? ` (${line.loss.label})` : ''}${line.message ? ` — ${line.message}` : ''} (restarts ${line.restarts}, OOM kills ${line.oomKills}, health ${line.health}${line.memoryPct !== null ? `, memory ${line.memoryPct} %` : ''})\n`,
      );
    };
    w.on('connected', () => say('watching'));
    w.on('down', (d) => {
      // A crash or an OOM kill is known the moment the container dies.
      const diagnosis = w.diagnose({ lossAt: d.at, failureKind: 'unknown-session' });
      say('down', {
        exitCode: d.exitCode ?? null,
        oom: d.oom,
        ...(diagnosis.cause !== 'unknown' ? { loss: lossLine(diagnosis) } : {}),
      });
    });
    w.on('restart', (r) => {
      const changed =
        announced !== undefined &&
        (announced.cause !== r.diagnosis.cause || announced.label !== (r.diagnosis.label ?? r.diagnosis.cause));
      say('restart', { count: r.count, loss: lossLine(r.diagnosis, changed) });
    });
    w.on('health', (h) => say('health', { previous: h.previous }));
    w.on('pressure', (p) => say(p.active ? 'memory-pressure' : 'memory-pressure-cleared'));
    w.on('problem', (p) => say('problem', { problem: p.code, message: p.message }));
    link.start();
  }
  monitor.onDidChange((snapshot, t) => {
    if (!t) return;
    process.stdout.write(
      values.json ? `${JSON.stringify(transitionLine(snapshot, t))}\n` : `${humanLine(snapshot, t)}\n`,
    );
  });
  monitor.start();
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  link?.stop();
  await monitor.stop();
  return 0;
}
