// Incidents for people: filtering, merging copies from several places, one line each, and the
// "while you were away" summary. Pure.
import { boundIncidents } from './journal';
import { INCIDENT_CALL_KINDS, INCIDENT_HEAL_KINDS, allHealed, type IncidentRecord } from './incident';

/** Parses `90s`, `15m`, `12h`, `7d`, `2w` (or a bare number of seconds); undefined when it is none of these. */
export function parseDuration(text: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)?\s*$/i.exec(text);
  if (!m) return undefined;
  const unit = (m[2] ?? 's').toLowerCase();
  const factor: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3600_000, d: 86_400_000, w: 7 * 86_400_000 };
  return Number(m[1]) * factor[unit];
}

export interface IncidentFilter {
  /** Only incidents that were still going on, or started, after this time (ms). */
  sinceMs?: number;
  /** Only this server (name, case-insensitive). */
  server?: string;
}

/** Copies of one record from several places become one (the newest); then filtered, oldest first. */
export function mergeIncidents(
  lists: readonly (readonly IncidentRecord[])[],
  filter: IncidentFilter = {},
  now = Date.now(),
): IncidentRecord[] {
  const merged = boundIncidents(lists.flat(), now, Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
  const server = filter.server?.toLowerCase();
  return merged.filter((r) => {
    if (server !== undefined && r.server.toLowerCase() !== server) return false;
    if (filter.sinceMs !== undefined && Date.parse(r.recoveredAt ?? r.updatedAt) < filter.sinceMs) return false;
    return true;
  });
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = Math.round(ms / 1000);
  if (s < 120) return `${s} s`;
  const m = Math.round(s / 60);
  if (m < 120) return `${m} min`;
  return `${(m / 60).toFixed(1)} h`;
}

/** What became of the calls, in words ("41 held and answered, 1 failed"). */
export function callsSummary(r: IncidentRecord): string {
  const c = r.calls;
  const parts: string[] = [];
  if (c.held) parts.push(`${c.held} held`);
  if (c.resent) parts.push(`${c.resent} resent`);
  if (c.answered) parts.push(`${c.answered} answered`);
  if (c.failed) parts.push(`${c.failed} failed`);
  if (c.ambiguous) parts.push(`${c.ambiguous} may have run twice or not at all`);
  return parts.length ? parts.join(', ') : 'no calls met it';
}

/** One line per incident for the CLI and the output channel. */
export function incidentLine(r: IncidentRecord): string {
  const cause = r.label ?? r.cause;
  const down = r.recoveredAt
    ? `down ${formatDuration(r.downtimeMs ?? 0)}`
    : r.unfinished
      ? 'recovery not seen (the recorder stopped)'
      : 'still going on';
  const heals = Object.entries(r.heals)
    .filter(([, n]) => n)
    .map(([k, n]) => `${k} ${n}`)
    .join(', ');
  return `${r.startedAt} ${r.server} [${r.seenBy}] ${cause}, ${down}; calls: ${callsSummary(r)}${heals ? `; heals: ${heals}` : ''}`;
}

export interface AwaySummary {
  /** Records not shown before, outages seen from two places combined (combineOverlapping), oldest first. */
  incidents: IncidentRecord[];
  /** The ids of every record summarised (to remember as shown). */
  ids: string[];
  /** Something failed or may have run twice: worth a notification. */
  needsAttention: boolean;
  /** One sentence for the output channel or a notification. */
  message: string;
}

/**
 * The "while you were away" summary of the closed incidents whose ids are not in `shown`; undefined
 * when there is none. Open incidents are left for later (the window sees them live).
 */
export function awaySummary(records: readonly IncidentRecord[], shown: ReadonlySet<string>): AwaySummary | undefined {
  const raw = records.filter((r) => !shown.has(r.id) && (r.recoveredAt !== undefined || r.unfinished));
  if (!raw.length) return undefined;
  const fresh = combineOverlapping(raw);
  const servers = [...new Set(fresh.map((r) => r.server))];
  const total = (k: keyof IncidentRecord['calls']): number => fresh.reduce((n, r) => n + r.calls[k], 0);
  const down = fresh.reduce((n, r) => n + (r.downtimeMs ?? 0), 0);
  const causes = [...new Set(fresh.map((r) => r.label ?? r.cause))].join(', ');
  const needsAttention = fresh.some((r) => !allHealed(r));
  const held = total('held');
  const answered = total('answered');
  const failed = total('failed');
  const ambiguous = total('ambiguous');
  const what = `${fresh.length} incident(s) on ${servers.join(', ')} (${causes}; down ${formatDuration(down)} in all)`;
  const message = needsAttention
    ? `While you were away: ${what}. ${failed ? `${failed} call(s) failed. ` : ''}${ambiguous ? `${ambiguous} call(s) broke mid-call and may or may not have run. ` : ''}${fresh.some((r) => r.unfinished) ? 'Some recoveries were not seen. ' : ''}`.trim()
    : `While you were away: ${what}; all healed${held || answered ? ` — ${held} call(s) held, ${answered} answered` : ''}.`;
  return { incidents: fresh, ids: raw.map((r) => r.id), needsAttention, message };
}

/**
 * One outage seen from two places in one window (the monitor's pings and the in-window gateway's calls)
 * is two records; for people it is one. Records of one server whose times overlap become one: the
 * earliest start, the latest recovery, the first specific cause, calls and heals added (a monitor
 * counts no calls, so nothing is counted twice). Oldest first.
 */
export function combineOverlapping(records: readonly IncidentRecord[]): IncidentRecord[] {
  const out: IncidentRecord[] = [];
  const sorted = [...records].sort((a, b) => Date.parse(a.startedAt) - Date.parse(b.startedAt));
  const endOf = (r: IncidentRecord): number => Date.parse(r.recoveredAt ?? r.updatedAt);
  for (const r of sorted) {
    const into = out.find(
      (o) => o.server === r.server && Date.parse(r.startedAt) <= endOf(o) && Date.parse(o.startedAt) <= endOf(r),
    );
    if (!into) {
      out.push({ ...r, calls: { ...r.calls }, heals: { ...r.heals }, evidence: [...r.evidence] });
      continue;
    }
    if (into.cause === 'unknown' && r.cause !== 'unknown') {
      into.cause = r.cause;
      into.label = r.label;
    }
    if (endOf(r) > endOf(into)) {
      into.recoveredAt = r.recoveredAt;
      into.updatedAt = r.updatedAt;
    }
    if (into.recoveredAt) into.downtimeMs = Date.parse(into.recoveredAt) - Date.parse(into.startedAt);
    for (const k of INCIDENT_CALL_KINDS) into.calls[k] += r.calls[k];
    for (const k of INCIDENT_HEAL_KINDS) {
      const n = r.heals[k];
      if (n !== undefined) into.heals[k] = (into.heals[k] ?? 0) + n;
    }
    into.evidence = [...into.evidence, ...r.evidence].slice(-8);
    into.unfinished = into.unfinished && r.unfinished ? true : undefined;
    if (!into.unfinished) delete into.unfinished;
  }
  return out;
}
