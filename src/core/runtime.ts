// Everything that runs for a set of settings: the monitors, their Docker links and the healing
// gateway. Settings are applied through one serial queue where the latest wins, so that activation
// and a configuration change close together cannot leave a second monitor or gateway that nothing
// owns; dispose() leaves nothing running. The VS Code layer and plain-Node tests both drive it.
import { DEFAULT_DOCKER_LINK_OPTIONS, DockerSupervisor } from './docker';
import { Fleet } from './fleet';
import { GatewayRunner, holdOnContainerDown, type GatewayRunnerDeps } from './gateway';
import { LatestWinsQueue } from './latest-queue';
import type { Logger } from './logger';
import type { MonitorDeps } from './monitor';
import type { Settings } from './settings';
import type { ServerConfig } from './server-state';

export interface RuntimeDeps {
  logger: Logger;
  /** What each monitor needs from its host (session store, secret headers). */
  monitorDeps?: (config: ServerConfig) => Omit<MonitorDeps, 'diagnoseLoss' | 'logger'>;
  gateway?: Omit<GatewayRunnerDeps, 'publish' | 'logger'>;
  /** Runs after each applied configuration, inside the queue. */
  afterApply?: (settings: Settings) => Promise<void> | void;
}

export class DoctorRuntime {
  readonly fleet: Fleet;
  readonly docker: DockerSupervisor;
  readonly gateway: GatewayRunner;
  private current?: Settings;
  private readonly queue: LatestWinsQueue<Settings>;
  private readonly unsubscribe: (() => void)[] = [];
  private disposed?: Promise<void>;

  constructor(private readonly deps: RuntimeDeps) {
    const log = deps.logger;
    this.fleet = new Fleet(
      (config) => ({
        ...deps.monitorDeps?.(config),
        logger: log,
        diagnoseLoss: (at) => this.docker.diagnose(config.name, at),
      }),
      log,
    );
    this.docker = new DockerSupervisor(this.fleet, { ...DEFAULT_DOCKER_LINK_OPTIONS, enabled: false }, log);
    this.gateway = new GatewayRunner({
      ...deps.gateway,
      logger: {
        info: (m) => log.info(`gateway: ${m}`),
        warn: (m) => log.warn(`gateway: ${m}`),
        error: (m) => log.error(`gateway: ${m}`),
      },
      publish: (name, view) => this.fleet.get(name)?.setSection('gateway', view),
    });
    // A monitor made again (its configuration changed, the gateway's did not) still shows the gateway.
    this.unsubscribe.push(
      this.fleet.onMonitorCreated((m) => {
        const view = this.gateway.view(m.config.name);
        if (view) m.setSection('gateway', view);
      }),
    );
    // A container death: the gateway holds that server's client requests instead of failing them.
    this.unsubscribe.push(
      holdOnContainerDown(
        this.docker,
        () => this.gateway.current(),
        (name) => this.gateway.slugOf(name),
      ),
    );
    this.queue = new LatestWinsQueue(
      (s) => this.applyNow(s),
      (err) => log.error(`applying settings failed: ${err instanceof Error ? (err.stack ?? err) : err}`),
    );
  }

  /** The settings applied last (undefined before the first apply). */
  get settings(): Settings | undefined {
    return this.current;
  }

  /** Applies settings after the ones under way; settings replaced while waiting are skipped. */
  apply(settings: Settings): Promise<void> {
    return this.queue.push(settings);
  }

  /** Stops everything: no monitor, Docker link, gateway, timer or socket is left running. */
  dispose(): Promise<void> {
    this.disposed ??= (async () => {
      await this.queue.close();
      for (const u of this.unsubscribe) u();
      await this.gateway.stop();
      this.docker.dispose();
      await this.fleet.dispose();
    })();
    return this.disposed;
  }

  private async applyNow(settings: Settings): Promise<void> {
    this.current = settings;
    await this.fleet.apply(settings.servers, settings.monitor);
    this.docker.configure(settings.docker);
    await this.gateway.apply(settings.servers, settings.gateway);
    await this.deps.afterApply?.(settings);
  }
}
