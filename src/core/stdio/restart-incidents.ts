// A supervised server's restarts as incidents in the journal (seen by `stdio`), like the gateway's losses:
// each restart opens one (its cause, with the supervisor's evidence), the calls in flight are counted, and
// the run that has its session back closes it.
import type { IncidentSink } from '../incidents';
import type { LossCause } from '../server-state';
import type { StdioSupervisor } from './stdio-supervisor';
import type { RestartCause } from './run-outcome';

/** A restart's cause in the journal's words. A SIGKILL may be the OOM killer, but nothing here proves it. */
export function lossCauseOf(cause: RestartCause): LossCause {
  switch (cause) {
    case 'exit':
    case 'signal':
    case 'oom-like':
    case 'stdout-closed':
    case 'write-failed':
      return 'crash';
    case 'wedge':
    case 'spawn-error':
      return 'unknown';
  }
}

/** The name a supervised server goes by in the journal: the npm package or script it runs, else the command. */
export function serverLabelOf(command: readonly string[]): string {
  for (const part of command.slice(1)) {
    if (part.startsWith('-')) continue;
    const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(part)?.[1];
    if (pkg) return pkg.replace(/^@[^/]+\//, '');
    // An npm package spec (npx -y @playwright/mcp@latest): the package, scope kept, version dropped.
    if (/^@[^/]+\/[^/]+$/.test(part)) return part.slice(1).replace(/@[^@]*$/, '');
    const base = part.split(/[\\/]/).pop() ?? part;
    return base.replace(/@[^@]*$/, '').replace(/\.(m?js|cjs|ts|py)$/, '') || base;
  }
  return (command[0] ?? 'stdio').split(/[\\/]/).pop() ?? 'stdio';
}

/** Writes the supervisor's restarts to `sink` as incidents of `server`; returns the unsubscribe. */
export function journalRestarts(
  supervisor: Pick<StdioSupervisor, 'onRestart' | 'onRecovered'>,
  sink: IncidentSink,
  server: string,
): () => void {
  const offRestart = supervisor.onRestart((e) => {
    const at = new Date().toISOString();
    const detail = `${e.label} after ${(e.uptimeMs / 1000).toFixed(1)} s${e.stderrTail.length ? `; stderr: ${e.stderrTail.slice(-2).join(' | ')}` : ''}`;
    sink.failed(server, {
      at,
      cause: lossCauseOf(e.cause),
      label: e.label,
      evidence: [{ at, source: 'supervisor', detail }],
    });
    for (let i = 0; i < e.inFlight.resent; i++) sink.call(server, 'resent', 'resent');
    for (let i = 0; i < e.inFlight.ambiguous; i++) sink.call(server, 'ambiguous');
    for (let i = 0; i < e.inFlight.held; i++) sink.call(server, 'held', 'held');
  });
  const offRecovered = supervisor.onRecovered(() => {
    sink.call(server, 'answered', 'respawned');
    sink.recovered(server);
  });
  return () => {
    offRestart();
    offRecovered();
  };
}
