// What a monitor knows about why a session may have been lost: timestamped facts from the MCP
// connection, the health endpoint and other watchers, and the diagnosis drawn from them.
import { uptimeDropped } from './health';
import type { Evidence, HealthInfo, LossCause } from './server-state';

const MAX_EVIDENCE = 50;
/** Evidence older than this says nothing about a loss happening now. */
const EVIDENCE_RELEVANCE_MS = 5 * 60_000;
const RESTART_WORDS = /process restarted/;

/** Evidence wording for a changed `server/discover` answer: a different build answers, so the process restarted. */
export function discoverChangeEvidence(change: string): string {
  return `${change}: the server process restarted`;
}

export interface LossDiagnosis {
  cause: LossCause;
  label?: string;
  evidence: Evidence[];
}

export class EvidenceLog {
  /** Made at the first entry: a server with nothing to tell keeps no array (issue 21). */
  private items: Evidence[] | undefined;
  /** The last health answer that carried an uptime: failed probes in between must not hide a later drop. */
  private lastUptime?: HealthInfo;

  add(source: Evidence['source'], detail: string, at = new Date().toISOString()): Evidence {
    const item = { at, source, detail };
    const items = (this.items ??= []);
    items.push(item);
    if (items.length > MAX_EVIDENCE) items.splice(0, items.length - MAX_EVIDENCE);
    return item;
  }

  /** Notes a health reading; a drop in uptime becomes evidence of a process restart (and is returned). */
  recordHealth(health: HealthInfo): Evidence | undefined {
    const previous = this.lastUptime;
    let drop: Evidence | undefined;
    if (previous && uptimeDropped(previous, health)) {
      drop = this.add(
        'health',
        `server uptime is ${Math.round(health.uptimeSeconds!)} s, it was ${Math.round(previous.uptimeSeconds!)} s at ${previous.at.slice(11, 19)}: the server process restarted`,
        health.at,
      );
    }
    if (health.uptimeSeconds !== undefined) this.lastUptime = health;
    return drop;
  }

  /** The server's uptime now, extrapolated from the last reading. */
  estimatedUptimeSeconds(now: number): number | undefined {
    const h = this.lastUptime;
    if (!h || h.uptimeSeconds === undefined) return undefined;
    return h.uptimeSeconds + (now - Date.parse(h.at)) / 1000;
  }

  /** A watcher's explanation (Docker) wins when it has one; else an uptime drop means a process restart. */
  diagnose(now: number, external?: LossDiagnosis): LossDiagnosis {
    if (external && external.cause !== 'unknown') return external;
    const recent = (this.items ?? []).filter(
      (e) => now - Date.parse(e.at) < EVIDENCE_RELEVANCE_MS && e.source !== 'user',
    );
    const drop = recent.filter((e) => (e.source === 'health' || e.source === 'mcp') && RESTART_WORDS.test(e.detail));
    if (drop.length > 0) return { cause: 'process-restart', evidence: drop };
    return { cause: 'unknown', evidence: [...(external?.evidence ?? []), ...recent.slice(-5)] };
  }
}
