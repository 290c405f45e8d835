// Ties one server's container watcher to its monitor: a container death marks the session lost at
// once, a new instance triggers healing, and container facts become evidence, patterns and a snapshot.
import { SETTING_DEFAULTS } from '../defaults';
import type { Logger } from '../logger';
import type { LossDiagnosis } from '../evidence';
import type { ServerMonitor } from '../monitor';
import type { Evidence } from '../server-state';
import type { DockerConnectionOptions } from './engine-address';
import { describeEvent } from './events';
import { formatBytes } from './memory';
import { ContainerWatcher } from './watcher';

export interface DockerLinkOptions extends DockerConnectionOptions {
  /** Memory pressure threshold as a fraction of the limit (0.85). */
  memoryThreshold: number;
  /** Server memory above this is worth a pattern even without a limit (500 MB). */
  serverMemoryWarnBytes: number;
  /** Keep sampling memory for pressure alerts even when no view shows it. */
  memoryAlerts: boolean;
}

export const DEFAULT_DOCKER_LINK_OPTIONS: DockerLinkOptions = {
  memoryThreshold: SETTING_DEFAULTS['docker.memoryPressurePercent'] / 100,
  serverMemoryWarnBytes: SETTING_DEFAULTS['docker.serverMemoryWarnMb'] * 1024 * 1024,
  memoryAlerts: SETTING_DEFAULTS['docker.memoryAlerts'],
};

const REPEATED_RESTARTS = 3;
const REPEATED_RESTARTS_WINDOW_MS = 10 * 60_000;

export class DockerLink {
  readonly watcher: ContainerWatcher;
  private readonly restarts: number[] = [];
  private readonly unsubscribe: () => void;
  private lastProblem?: string;

  constructor(
    private readonly monitor: ServerMonitor,
    readonly container: string,
    private readonly options: DockerLinkOptions,
    private readonly log: Logger,
  ) {
    this.watcher = new ContainerWatcher({
      container,
      socketPath: options.socketPath,
      env: options.env,
      memoryThreshold: options.memoryThreshold,
      memoryAlerting: options.memoryAlerts,
    });
    this.wire();
    this.unsubscribe = monitor.onDidChange((_snapshot, t) => {
      if (t?.failure && !t.refined) this.checkMemoryDuringFailure();
    });
  }

  /** The server this container runs. */
  get serverName(): string {
    return this.monitor.config.name;
  }

  start(): void {
    void this.watcher.start();
  }

  stop(): void {
    this.unsubscribe();
    this.watcher.removeAllListeners();
    this.watcher.stop();
    this.monitor.setSection('container', undefined);
  }

  /** The monitor's own diagnosis hook: container events explain a loss it noticed by itself. */
  diagnose(atMs: number): LossDiagnosis | undefined {
    const d = this.watcher.diagnose({ lossAt: new Date(atMs).toISOString(), failureKind: 'unknown-session' });
    return d.cause === 'unknown' ? undefined : d;
  }

  private name(): string {
    return this.watcher.snapshot().matchedName ?? this.container;
  }

  private wire(): void {
    const w = this.watcher;
    const m = this.monitor;
    const server = m.config.name;
    w.on('snapshot', (snap) => m.setSection('container', snap));
    w.on('connected', (engine) =>
      this.log.info(
        `${server}: watching container ${this.container} through Docker ${engine.version} (API ${engine.apiVersion}) at ${engine.target}`,
      ),
    );
    w.on('disconnected', ({ reason }) =>
      this.log.warn(`${server}: lost the Docker engine (${reason}); reconnecting with backoff`),
    );
    w.on('problem', (p) => {
      if (p.message === this.lastProblem) return;
      this.lastProblem = p.message;
      this.log.warn(`${server}: Docker: ${p.message}`);
    });
    w.on('problem-cleared', () => {
      if (this.lastProblem) this.log.info(`${server}: Docker: container ${this.name()} found again`);
      this.lastProblem = undefined;
      const snap = w.snapshot();
      if (snap.matchedFallback)
        this.log.info(
          `${server}: container "${this.container}" does not exist; watching its old name "${snap.matchedName}" instead`,
        );
    });
    w.on('event', (ev) => {
      this.log.debug(`${server}: ${describeEvent(ev)}`);
      m.addEvidence('docker', describeEvent(ev), ev.at);
    });
    w.on('down', (down) => {
      const what = down.oom ? 'was OOM-killed' : `died${down.exitCode !== undefined ? ` (exit ${down.exitCode})` : ''}`;
      this.log.warn(`${server}: container ${this.name()} ${what}`);
      const evidence: Evidence = { at: down.at, source: 'docker', detail: `container ${this.name()} ${what}` };
      const d = w.diagnose({ lossAt: down.at, failureKind: 'unknown-session' });
      m.signalSessionLost(evidence, d);
    });
    w.on('restart', (r) => {
      this.log.warn(
        `${server}: container ${this.name()} restart #${r.count}: ${r.diagnosis.label}${r.inferred ? ' (seen after the fact)' : ''}`,
      );
      // Only a loss that happened after the instance that died had started can be explained by its death.
      const loss = m.snapshot.lastLoss;
      const previousStart = Date.parse(r.previousInstanceId?.slice(r.previousInstanceId.indexOf('@') + 1) ?? '');
      if (loss && (Number.isNaN(previousStart) || Date.parse(loss.at) >= previousStart)) m.refineLoss(r.diagnosis);
      m.checkNow('container started');
      const now = Date.parse(r.at);
      this.restarts.push(now);
      while (this.restarts.length && now - this.restarts[0] > REPEATED_RESTARTS_WINDOW_MS) this.restarts.shift();
      if (this.restarts.length >= REPEATED_RESTARTS) {
        m.reportPattern(
          'repeated-restarts',
          'Repeated container restarts',
          `${this.restarts.length} restarts of ${this.name()} within ${REPEATED_RESTARTS_WINDOW_MS / 60_000} minutes`,
        );
      }
    });
    w.on('health', (h) => {
      this.log.info(`${server}: container health ${h.previous} → ${h.status}${h.output ? `: ${h.output}` : ''}`);
      if (h.status === 'unhealthy')
        m.reportPattern(
          'health-failing',
          'Health checks failing',
          `${this.name()} is unhealthy${h.output ? `: ${h.output}` : ''}`,
        );
    });
    w.on('pressure', ({ active, sample }) => {
      const text = `${formatBytes(sample.usageBytes)} of ${formatBytes(sample.limitBytes)}${sample.limitIsHost ? ' (host memory; the container has no limit)' : ''}, ${Math.round(sample.pct)} %`;
      if (active) {
        this.log.warn(`${server}: memory pressure in ${this.name()}: ${text}`);
        m.reportPattern('memory-pressure', 'Memory pressure', `${this.name()} uses ${text}`);
      } else {
        this.log.info(`${server}: memory pressure in ${this.name()} is over: ${text}`);
      }
    });
  }

  private checkMemoryDuringFailure(): void {
    const snap = this.watcher.snapshot();
    const usage = snap.memory?.usageBytes;
    if (snap.memoryPressure || (usage !== undefined && usage > this.options.serverMemoryWarnBytes)) {
      this.monitor.reportPattern(
        'failures-under-memory-pressure',
        'Failures under memory pressure',
        `a failure while ${this.name()} used ${snap.memoryText ?? formatBytes(usage ?? 0)}`,
      );
    }
  }
}
