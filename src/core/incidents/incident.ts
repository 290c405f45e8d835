// The incident vocabulary: one record per loss of a server, from its first failure to its recovery.
import type { Evidence, LossCause } from '../server-state';

/** Who saw and healed the incident. */
export const INCIDENT_OBSERVERS = ['window', 'proxy', 'sidecar', 'stdio'] as const;
export type IncidentObserver = (typeof INCIDENT_OBSERVERS)[number];

/**
 * How calls and sessions were healed: the gateway's kinds (`reinitialized`, `held`, `resent`) and the
 * monitor's (`resumed`, `reconnected`; its `reinitialized` is the same heal). A stdio supervisor
 * counts a respawned server as `respawned`.
 */
export const INCIDENT_HEAL_KINDS = ['reinitialized', 'held', 'resent', 'resumed', 'reconnected', 'respawned'] as const;
export type IncidentHealKind = (typeof INCIDENT_HEAL_KINDS)[number];

/** What happened to the calls that met the incident. */
export interface IncidentCalls {
  /** Waited while the server was down or restarting (answered later, or failed at the hold timeout). */
  held: number;
  /** Broken mid-call and sent again because they were safe to repeat. */
  resent: number;
  /** Answered after all (healed). */
  answered: number;
  /** Answered with an error. */
  failed: number;
  /** Broken mid-call and not repeated: they may or may not have run. */
  ambiguous: number;
}

export interface IncidentRecord {
  /** Stable id: the same incident read from two places (a journal, a status endpoint) is one. */
  id: string;
  server: string;
  /** The upstream as users know it (credentials removed), when known: tells two servers of one name apart. */
  upstream?: string;
  seenBy: IncidentObserver;
  /** First failure seen. */
  startedAt: string;
  /** The server answered again; absent while the incident is open. */
  recoveredAt?: string;
  /** recoveredAt − startedAt, or absent while open. */
  downtimeMs?: number;
  cause: LossCause;
  /** Words for people, e.g. `crash (exit 3)`. */
  label?: string;
  evidence: Evidence[];
  calls: IncidentCalls;
  heals: Partial<Record<IncidentHealKind, number>>;
  /** The recorder stopped (killed, window closed) before the server recovered: recoveredAt is unknown. */
  unfinished?: boolean;
  /** Last change, for merging copies of one record. */
  updatedAt: string;
}

/** Every count an incident keeps of its calls. */
export const INCIDENT_CALL_KINDS = [
  'held',
  'resent',
  'answered',
  'failed',
  'ambiguous',
] as const satisfies readonly (keyof IncidentCalls)[];

export function noCalls(): IncidentCalls {
  return { held: 0, resent: 0, answered: 0, failed: 0, ambiguous: 0 };
}

/** True when every call that met the incident was answered (nothing failed, nothing may have run twice). */
export function allHealed(r: IncidentRecord): boolean {
  return r.calls.failed === 0 && r.calls.ambiguous === 0 && !r.unfinished && r.recoveredAt !== undefined;
}
