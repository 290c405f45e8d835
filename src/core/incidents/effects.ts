// What one gateway event or monitor transition means for the incident journal. Pure and table-tested:
// the recorder only applies these effects.
import type { Evidence, LossCause, Transition } from '../server-state';
import type { IncidentCalls, IncidentHealKind } from './incident';

export interface IncidentEffect {
  /** An incident starts here (or, when one is open, its cause becomes clearer). */
  begin?: { cause: LossCause; label?: string; evidence: Evidence[]; refined?: boolean };
  /** The incident started this long before the event (a held call waited that long). */
  startedBeforeMs?: number;
  calls?: (keyof IncidentCalls)[];
  heal?: IncidentHealKind;
  /** The server answers again. */
  recovered?: boolean;
  /** Counts only when an incident is open (a call failing for its own reasons is no incident). */
  onlyIfOpen?: boolean;
  /** A break seen as such (the server stopped answering, Docker said it restarts): after a recovery, a new incident. */
  newOutage?: boolean;
}

/**
 * The fields of a gateway event (GatewayEvent in gateway/gateway-api.ts) an incident needs. Declared here,
 * not imported: the gateway depends on this folder, not the other way round.
 */
export interface GatewayEventInput {
  at: string;
  event: string;
  message: string;
  /** `error-returned`: its GatewayErrorReason. */
  reason?: string;
  /** Heals and errors: how long the call took (it waited out the loss). */
  durationMs?: number;
  /** `upstream-restarting`: the cause Docker gave. */
  cause?: LossCause;
  /** Heals: the server had lost the session on the way (it was restarted). */
  sessionLost?: boolean;
}

/** Failures that say the server went away (the others, e.g. a timeout of one slow call, are no loss). */
const LOSS_REASONS: Readonly<Record<string, keyof IncidentCalls>> = {
  unreachable: 'failed',
  refused: 'failed',
  interrupted: 'ambiguous',
};

/** The incident effect of one gateway event, or undefined when it has none. */
export function gatewayEventEffect(e: GatewayEventInput): IncidentEffect | undefined {
  const ev = (detail: string): Evidence[] => [{ at: e.at, source: 'gateway', detail }];
  const restarted = {
    cause: 'process-restart' as const,
    evidence: ev('the server no longer knew its session: it was restarted'),
  };
  switch (e.event) {
    case 'upstream-restarting':
      return {
        begin: {
          cause: e.cause ?? 'unknown',
          evidence: [{ at: e.at, source: e.cause ? 'docker' : 'gateway', detail: e.message }],
        },
        newOutage: true,
      };
    case 'upstream-session-lost':
      // Whichever request (or the GET stream) re-made the session, the server was restarted.
      return { begin: restarted };
    case 'upstream-down':
      return { begin: { cause: 'unknown', evidence: ev(e.message) }, newOutage: true };
    case 'reinitialized':
      return {
        begin: restarted,
        startedBeforeMs: e.durationMs,
        calls: ['answered'],
        heal: 'reinitialized',
        recovered: true,
      };
    case 'held':
      return {
        begin: e.sessionLost
          ? restarted
          : { cause: 'unknown', evidence: ev('the server did not answer; calls were held until it came back') },
        startedBeforeMs: e.durationMs,
        calls: ['held', 'answered'],
        heal: 'held',
        recovered: true,
      };
    case 'resent':
      return {
        begin: e.sessionLost ? restarted : { cause: 'unknown', evidence: ev('the connection broke mid-call') },
        startedBeforeMs: e.durationMs,
        calls: ['resent', 'answered'],
        heal: 'resent',
        recovered: true,
      };
    case 'error-returned': {
      const kind = e.reason ? LOSS_REASONS[e.reason] : undefined;
      if (!kind) return { calls: ['failed'], onlyIfOpen: true };
      const calls: (keyof IncidentCalls)[] = e.reason === 'unreachable' ? ['held', kind] : [kind];
      return { begin: { cause: 'unknown', evidence: ev(e.message) }, startedBeforeMs: e.durationMs, calls };
    }
    default:
      return undefined;
  }
}

const MONITOR_HEALS: Partial<Record<Transition['reason'], IncidentHealKind>> = {
  resumed: 'resumed',
  reinitialized: 'reinitialized',
  reconnected: 'reconnected',
};

/** The incident effect of one monitor transition (the window's view of a server), or undefined. */
export function transitionEffect(t: Transition): IncidentEffect | undefined {
  if (t.loss) {
    return {
      begin: {
        cause: t.loss.cause,
        label: t.loss.label,
        evidence: t.loss.evidence.length ? t.loss.evidence : t.evidence,
        refined: t.refined === true,
      },
      newOutage: t.refined !== true,
    };
  }
  if (t.reason === 'server-restarted') {
    return { begin: { cause: 'process-restart', evidence: t.evidence }, recovered: true };
  }
  const heal = MONITOR_HEALS[t.reason];
  if (heal && (t.to === 'healthy' || t.to === 'degraded'))
    return { heal, recovered: true, onlyIfOpen: heal === 'reconnected' && t.from === 'connecting' };
  const wasUp = t.from === 'healthy' || t.from === 'degraded';
  if (wasUp && (t.to === 'unreachable' || t.to === 'session-lost')) {
    const detail = t.failure?.message ?? `the server became ${t.to} (${t.reason})`;
    return {
      begin: { cause: 'unknown', evidence: t.evidence.length ? t.evidence : [{ at: t.at, source: 'mcp', detail }] },
      newOutage: true,
    };
  }
  return undefined;
}
