// What a gateway hands the metrics renderer on each scrape (shared by the route and the lazily loaded library).
import type { ProtocolEra } from '../server-state';
import type { ServerCounters } from './stats';

export interface MetricsServer {
  name: string;
  counters: ServerCounters;
  clients: number;
  era: ProtocolEra | undefined;
  /** Incidents that ended (the server answered again) since the gateway started, by cause. */
  losses: ReadonlyMap<string, number>;
  openIncidents: number;
}

export interface MetricsInput {
  servers: MetricsServer[];
}
