// All the monitors for the configured servers, re-made only where their configuration changed.
import type { Logger } from './logger';
import { ServerMonitor, type MonitorDeps } from './monitor';
import { errorMessage } from './narrow';
import type { MonitorOptions, ServerConfig, ServerSnapshot, Transition } from './server-state';

/** `snapshot` is absent when the set of servers itself changed. */
export type FleetListener = (snapshot?: ServerSnapshot, transition?: Transition) => void;

export class Fleet {
  private readonly monitors = new Map<string, ServerMonitor>();
  private readonly listeners = new Set<FleetListener>();
  private readonly created = new Set<(monitor: ServerMonitor) => void>();
  private readonly removed = new Set<(monitor: ServerMonitor) => void>();

  constructor(
    private readonly depsFor: (config: ServerConfig) => MonitorDeps,
    private readonly log: Logger,
  ) {}

  /** Applies a new configuration without disturbing servers whose entry did not change. */
  async apply(servers: ServerConfig[], options: MonitorOptions): Promise<void> {
    const wanted = new Map(servers.map((s) => [s.name, s]));
    const stopping: Promise<void>[] = [];
    for (const [name, monitor] of this.monitors) {
      const next = wanted.get(name);
      if (next && JSON.stringify(next) === JSON.stringify(monitor.config)) {
        monitor.updateOptions(options);
        wanted.delete(name);
        continue;
      }
      this.monitors.delete(name);
      for (const hook of this.removed) hook(monitor);
      stopping.push(monitor.stop());
      this.log.info(
        `${name}: ${next ? 'configuration changed, restarting its monitor' : 'no longer configured, stopped watching'}`,
      );
    }
    await Promise.all(stopping);
    for (const config of wanted.values()) {
      const monitor = new ServerMonitor(config, options, this.depsFor(config));
      monitor.onDidChange((snapshot, transition) => this.emit(snapshot, transition));
      this.monitors.set(config.name, monitor);
      for (const hook of this.created) hook(monitor);
      monitor.start();
    }
    this.emit();
  }

  list(): ServerMonitor[] {
    return [...this.monitors.values()];
  }

  get(name: string): ServerMonitor | undefined {
    return this.monitors.get(name);
  }

  snapshots(): ServerSnapshot[] {
    return this.list().map((m) => m.snapshot);
  }

  onDidChange(listener: FleetListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Runs for each monitor made from now on (other watchers attach themselves here). */
  onMonitorCreated(hook: (monitor: ServerMonitor) => void): () => void {
    this.created.add(hook);
    return () => this.created.delete(hook);
  }

  /** Runs for each monitor that is about to stop (its configuration changed or it was removed). */
  onMonitorRemoved(hook: (monitor: ServerMonitor) => void): () => void {
    this.removed.add(hook);
    return () => this.removed.delete(hook);
  }

  async reconnect(names?: string[]): Promise<void> {
    const targets = names ? this.list().filter((m) => names.includes(m.config.name)) : this.list();
    await Promise.all(targets.map((m) => m.reconnect()));
  }

  async dispose(): Promise<void> {
    const all = this.list();
    this.monitors.clear();
    for (const monitor of all) for (const hook of this.removed) hook(monitor);
    await Promise.all(all.map((m) => m.stop()));
  }

  private emit(snapshot?: ServerSnapshot, transition?: Transition): void {
    for (const listener of this.listeners) {
      try {
        listener(snapshot, transition);
      } catch (err) {
        this.log.error(`a state listener failed: ${errorMessage(err)}`);
      }
    }
  }
}
