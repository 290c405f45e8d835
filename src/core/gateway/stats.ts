// Counters and events of the gateway, with coalesced change notifications.
import type { ConnectedClient, GatewayEvent, HealCounts } from './gateway-api';
import type { IncidentRecord } from '../incidents';

function localDay(d = new Date()): string {
  return `${d.getFullYear()}-${d.getMonth() + 1}-${d.getDate()}`;
}

/** Histogram bucket bounds in seconds (Prometheus `le`), shared by both latency histograms. */
export const LATENCY_BUCKETS_S = [
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120,
] as const;

/** A latency histogram as plain counts (one increment per observation): turned into Prometheus text only when scraped. */
export class LatencyBuckets {
  /** Per bucket (not cumulative); the last slot is +Inf. */
  readonly counts = new Array<number>(LATENCY_BUCKETS_S.length + 1).fill(0);
  sumSeconds = 0;
  count = 0;

  observe(ms: number): void {
    const s = ms / 1000;
    let i = 0;
    while (i < LATENCY_BUCKETS_S.length && s > LATENCY_BUCKETS_S[i]) i++;
    this.counts[i]++;
    this.sumSeconds += s;
    this.count++;
  }
}

/** Methods counted under their own name; any other goes under `other` (a client may send anything). */
const COUNTED_METHODS = new Set([
  'initialize',
  'ping',
  'tools/list',
  'tools/call',
  'resources/list',
  'resources/read',
  'resources/templates/list',
  'resources/subscribe',
  'resources/unsubscribe',
  'prompts/list',
  'prompts/get',
  'completion/complete',
  'logging/setLevel',
  'server/discover',
  'subscriptions/listen',
  'tasks/get',
  'tasks/list',
  'tasks/result',
  'tasks/cancel',
]);

export function countedMethod(method: string): string {
  return COUNTED_METHODS.has(method) ? method : 'other';
}

export class ServerCounters {
  requestsForwarded = 0;
  /** Requests by method, then by outcome (`ok`, `healed`, or the error reason the client got). */
  readonly outcomes = new Map<string, Map<string, number>>();
  /** From sending upstream to the end of its answer, for requests answered without a heal. */
  readonly upstreamLatency = new LatencyBuckets();
  /** From a request's arrival to its sending upstream: what the gateway adds (requests answered without a heal). */
  readonly addedLatency = new LatencyBuckets();
  errorsReturned = 0;
  readonly healed: HealCounts = { reinitialized: 0, held: 0, resent: 0 };
  readonly clients = new Map<string, ConnectedClient>();
  /** 2026-07-28 clients (they have no session): by name and version, for the client list. */
  readonly modernClients = new RecentClients();
  lastEvent?: GatewayEvent;
  private today = localDay();
  private healedTodayCount = 0;

  heal(kind: keyof HealCounts): void {
    this.healed[kind]++;
    const day = localDay();
    if (day !== this.today) {
      this.today = day;
      this.healedTodayCount = 0;
    }
    this.healedTodayCount++;
  }

  /** A request answered by the upstream; its latencies count only when nothing was healed (a hold is no overhead). */
  answered(method: string, upstreamMs: number, addedMs: number, healed: boolean): void {
    this.outcome(method, healed ? 'healed' : 'ok');
    if (healed) return;
    this.upstreamLatency.observe(upstreamMs);
    this.addedLatency.observe(addedMs);
  }

  /** A request answered with the gateway's error, by its reason. */
  failed(method: string, reason: string): void {
    this.outcome(method, reason);
  }

  private outcome(method: string, outcome: string): void {
    const key = countedMethod(method);
    let byOutcome = this.outcomes.get(key);
    if (!byOutcome) this.outcomes.set(key, (byOutcome = new Map()));
    byOutcome.set(outcome, (byOutcome.get(outcome) ?? 0) + 1);
  }

  get healedToday(): number {
    return this.today === localDay() ? this.healedTodayCount : 0;
  }
}

/** How long a 2026-07-28 client stays in the client list after its last request. */
export const RECENT_CLIENT_WINDOW_MS = 5 * 60_000;
/** At most this many 2026-07-28 client identities are listed (the least recently seen go first). */
export const RECENT_CLIENT_CAP = 32;
/** Longer names or versions are cut (they come from the client, unchecked). */
const MAX_IDENTITY_CHARS = 100;

interface RecentClient {
  name?: string;
  version?: string;
  firstSeenAt: number;
  lastSeenAt: number;
}

function cut(value: string | undefined): string | undefined {
  return value === undefined || value.length <= MAX_IDENTITY_CHARS
    ? value
    : `${value.slice(0, MAX_IDENTITY_CHARS - 1)}…`;
}

/**
 * The 2026-07-28 clients seen lately. They have no session: each request names its client in `_meta`
 * (clientInfo), so a client is a name and version, listed while it sent something in the last
 * RECENT_CLIENT_WINDOW_MS. Bounded: at most RECENT_CLIENT_CAP identities are kept.
 */
export class RecentClients {
  /** In order of last request, oldest first. */
  private readonly byIdentity = new Map<string, RecentClient>();
  /** The last entry set (the map's last). */
  private newest: RecentClient | undefined;

  constructor(
    private readonly windowMs = RECENT_CLIENT_WINDOW_MS,
    private readonly cap = RECENT_CLIENT_CAP,
  ) {}

  /** A request from this client; true when the client was not listed before (the list changed). */
  seen(info: { name?: string; version?: string } | undefined, now = Date.now()): boolean {
    const name = cut(info?.name);
    const version = cut(info?.version);
    // The name's length marks where it ends: no two identities share a key.
    const key = `${name === undefined ? '' : `${name.length}:${name}`}${version === undefined ? '' : `v${version}`}`;
    const known = this.byIdentity.get(key);
    // The hot path (issue 21): the newest client again, still listed, is only touched.
    if (known !== undefined && known === this.newest && now - known.lastSeenAt <= this.windowMs) {
      known.lastSeenAt = now;
      return false;
    }
    this.prune(now);
    const listed = this.byIdentity.get(key);
    this.byIdentity.delete(key);
    const entry: RecentClient = { name, version, firstSeenAt: listed?.firstSeenAt ?? now, lastSeenAt: now };
    this.byIdentity.set(key, entry);
    this.newest = entry;
    for (const oldest of this.byIdentity.keys()) {
      if (this.byIdentity.size <= this.cap) break;
      this.byIdentity.delete(oldest);
    }
    return listed === undefined;
  }

  list(now = Date.now()): ConnectedClient[] {
    this.prune(now);
    return [...this.byIdentity.values()].reverse().map((c) => ({
      era: '2026-07-28',
      ...(c.name !== undefined ? { name: c.name } : {}),
      ...(c.version !== undefined ? { version: c.version } : {}),
      connectedAt: new Date(c.firstSeenAt).toISOString(),
      lastSeenAt: new Date(c.lastSeenAt).toISOString(),
    }));
  }

  private prune(now: number): void {
    for (const [key, c] of this.byIdentity) {
      if (now - c.lastSeenAt <= this.windowMs) break; // oldest first: the rest are newer
      this.byIdentity.delete(key);
    }
  }
}

/** Calls `fire` at most once per `delayMs` however often `poke` is called. */
export class Coalescer {
  private timer: NodeJS.Timeout | undefined;
  constructor(
    private readonly delayMs: number,
    private readonly fire: () => void,
  ) {}
  poke(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.fire();
    }, this.delayMs);
    this.timer.unref();
  }
  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}

/**
 * Server losses by cause for /metrics: an incident counts once, when the server first answers again
 * (its cause is settled by then), so the counters only ever grow.
 */
export class LossCounts {
  private readonly counted = new Set<string>();
  private readonly byServer = new Map<string, Map<string, number>>();

  note(r: IncidentRecord): void {
    if (!r.recoveredAt || this.counted.has(r.id)) return;
    this.counted.add(r.id);
    let m = this.byServer.get(r.server);
    if (!m) this.byServer.set(r.server, (m = new Map()));
    m.set(r.cause, (m.get(r.cause) ?? 0) + 1);
  }

  byCause(server: string): ReadonlyMap<string, number> {
    return this.byServer.get(server) ?? new Map();
  }
}
