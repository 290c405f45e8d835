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
