// Counters and events of the gateway, with coalesced change notifications.
import type { ConnectedClient, GatewayEvent, HealCounts } from './types';

function localDay(d = new Date()): string {
  return `${d.getFullYear()}-${d.getMonth() + 1}-${d.getDate()}`;
}

export class ServerCounters {
  requestsForwarded = 0;
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
  return value === undefined || value.length <= MAX_IDENTITY_CHARS ? value : `${value.slice(0, MAX_IDENTITY_CHARS - 1)}…`;
}

/**
 * The 2026-07-28 clients seen lately. They have no session: each request names its client in `_meta`
 * (clientInfo), so a client is a name and version, listed while it sent something in the last
 * RECENT_CLIENT_WINDOW_MS. Bounded: at most RECENT_CLIENT_CAP identities are kept.
 */
export class RecentClients {
  /** In order of last request, oldest first. */
  private readonly byIdentity = new Map<string, RecentClient>();

  constructor(private readonly windowMs = RECENT_CLIENT_WINDOW_MS, private readonly cap = RECENT_CLIENT_CAP) {}

  /** A request from this client; true when the client was not listed before (the list changed). */
  seen(info: { name?: string; version?: string } | undefined, now = Date.now()): boolean {
    const name = cut(info?.name);
    const version = cut(info?.version);
    const key = JSON.stringify([name ?? null, version ?? null]);
    this.prune(now);
    const known = this.byIdentity.get(key);
    this.byIdentity.delete(key);
    this.byIdentity.set(key, { name, version, firstSeenAt: known?.firstSeenAt ?? now, lastSeenAt: now });
    for (const oldest of this.byIdentity.keys()) {
      if (this.byIdentity.size <= this.cap) break;
      this.byIdentity.delete(oldest);
    }
    return known === undefined;
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
  constructor(private readonly delayMs: number, private readonly fire: () => void) {}
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
