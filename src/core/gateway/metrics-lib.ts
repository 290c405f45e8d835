// The Prometheus text for GET /metrics, through prom-client. Loaded on the first scrape (metrics-route.ts):
// esbuild builds it as dist/metrics-lib.js beside the extension bundle. Nothing here runs per request:
// the gateway's counters (stats.ts) are read when Prometheus scrapes.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { LATENCY_BUCKETS_S, type LatencyBuckets } from './stats';
import type { MetricsInput } from './metrics-input';

export const PREFIX = 'archon_mcp_doctor_';

/** The process's own metrics (CPU, memory, event loop, GC): one registry per process, however many gateways. */
let processRegistry: Registry | undefined;
function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
    // Gauges named like counters: `promtool check metrics` rejects them (the per-type ones stay).
    for (const name of ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'])
      processRegistry.removeSingleMetric(name);
  }
  return processRegistry;
}

type Labels = 'server';

/** A histogram whose buckets were counted elsewhere (LatencyBuckets): prom-client only writes them out. */
class CountedHistogram extends Histogram<Labels> {
  /** An empty twin: its answer gives the shape (name, help, type) that the values are put into. */
  private readonly shape: Histogram<Labels>;

  constructor(
    private readonly metricName: string,
    help: string,
    private readonly series: { server: string; buckets: LatencyBuckets }[],
  ) {
    const config = {
      name: metricName,
      help,
      labelNames: ['server' as const],
      buckets: [...LATENCY_BUCKETS_S],
      registers: [],
    };
    super(config);
    this.shape = new Histogram<Labels>(config);
  }

  override async get(): Promise<Awaited<ReturnType<Histogram<Labels>['get']>>> {
    const values: { value: number; labels: Record<string, string | number>; metricName: string }[] = [];
    for (const { server, buckets } of this.series) {
      let cumulative = 0;
      LATENCY_BUCKETS_S.forEach((le, i) => {
        cumulative += buckets.counts[i];
        values.push({ metricName: `${this.metricName}_bucket`, labels: { server, le }, value: cumulative });
      });
      values.push({ metricName: `${this.metricName}_bucket`, labels: { server, le: '+Inf' }, value: buckets.count });
      values.push({ metricName: `${this.metricName}_sum`, labels: { server }, value: buckets.sumSeconds });
      values.push({ metricName: `${this.metricName}_count`, labels: { server }, value: buckets.count });
    }
    return { ...(await this.shape.get()), values };
  }

  // prom-client prefers this one for the text format.
  async getForPromString(): Promise<Awaited<ReturnType<Histogram<Labels>['get']>>> {
    return this.get();
  }
}

const RESTART_CAUSES = new Set(['oom-kill', 'crash', 'docker-restart', 'unhealthy-restart', 'process-restart']);

/** The exposition for one gateway (and its process). */
export async function renderMetrics(input: MetricsInput): Promise<{ contentType: string; text: string }> {
  const r = new Registry();
  const counter = <L extends string>(name: string, help: string, labelNames: L[]) =>
    new Counter<L>({ name: PREFIX + name, help, labelNames, registers: [r] });
  const gauge = <L extends string>(name: string, help: string, labelNames: L[]) =>
    new Gauge<L>({ name: PREFIX + name, help, labelNames, registers: [r] });

  const requests = counter(
    'requests_total',
    'Requests from clients by method and outcome (ok, healed, or the error reason the client got).',
    ['server', 'method', 'outcome'],
  );
  const held = counter(
    'requests_held_total',
    'Requests held while the server was down or restarting (answered later, or failed at the hold timeout).',
    ['server'],
  );
  const heals = counter(
    'heals_total',
    'Requests healed, by how: reinitialized (session lost), held (server down), resent (broken mid-call, safe to repeat).',
    ['server', 'kind'],
  );
  const resent = counter(
    'calls_resent_total',
    'Calls broken mid-call and sent again because they were safe to repeat.',
    ['server'],
  );
  const ambiguous = counter(
    'calls_ambiguous_total',
    'Calls broken mid-call and not repeated: they may or may not have run.',
    ['server'],
  );
  const failed = counter('calls_failed_total', 'Requests answered with an error by the gateway.', ['server']);
  const losses = counter(
    'session_losses_total',
    'Losses of the server (incidents) since the gateway started, by root cause.',
    ['server', 'cause'],
  );
  const restarts = counter(
    'upstream_restarts_total',
    'Restarts of the upstream server seen since the gateway started (incidents whose cause is a restart).',
    ['server'],
  );
  const clients = gauge(
    'clients_connected',
    'Clients connected (2025 sessions and recently seen 2026-07-28 clients).',
    ['server'],
  );
  const era = gauge('upstream_era', 'The protocol era the upstream speaks (1 for the current one).', ['server', 'era']);
  const open = gauge('incidents_open', 'Incidents going on now (the server has not answered again yet).', ['server']);
  r.registerMetric(
    new CountedHistogram(
      `${PREFIX}upstream_latency_seconds`,
      'Time from sending a request upstream to the end of its answer (requests answered without a heal).',
      input.servers.map((s) => ({ server: s.name, buckets: s.counters.upstreamLatency })),
    ),
  );
  r.registerMetric(
    new CountedHistogram(
      `${PREFIX}added_latency_seconds`,
      "Time from a request's arrival to its sending upstream: the gateway's own part (requests answered without a heal).",
      input.servers.map((s) => ({ server: s.name, buckets: s.counters.addedLatency })),
    ),
  );

  for (const s of input.servers) {
    const server = s.name;
    const c = s.counters;
    let failedCount = 0;
    let ambiguousCount = 0;
    let unreachable = 0;
    for (const [method, byOutcome] of c.outcomes) {
      for (const [outcome, n] of byOutcome) {
        requests.inc({ server, method, outcome }, n);
        if (outcome !== 'ok' && outcome !== 'healed') failedCount += n;
        if (outcome === 'interrupted') ambiguousCount += n;
        if (outcome === 'unreachable') unreachable += n;
      }
    }
    held.inc({ server }, c.healed.held + unreachable);
    for (const kind of ['reinitialized', 'held', 'resent'] as const) heals.inc({ server, kind }, c.healed[kind]);
    resent.inc({ server }, c.healed.resent);
    ambiguous.inc({ server }, ambiguousCount);
    failed.inc({ server }, failedCount);
    clients.set({ server }, s.clients);
    for (const e of ['2025', '2026-07-28']) era.set({ server, era: e }, s.era === e ? 1 : 0);
    let restartCount = 0;
    for (const [cause, n] of s.losses) {
      losses.inc({ server, cause }, n);
      if (RESTART_CAUSES.has(cause)) restartCount += n;
    }
    // Every series exists from the first scrape, so that rate() and increase() see the first loss.
    if (!s.losses.size) losses.inc({ server, cause: 'unknown' }, 0);
    restarts.inc({ server }, restartCount);
    open.set({ server }, s.openIncidents);
  }
  const merged = Registry.merge([processMetrics(), r]);
  return { contentType: merged.contentType, text: await merged.metrics() };
}
