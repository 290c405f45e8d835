// One Docker link per watched server that names a container, kept in step with the fleet.
import type { Fleet } from '../fleet';
import type { Logger } from '../logger';
import type { LossDiagnosis } from '../evidence';
import type { ServerMonitor } from '../monitor';
import { DockerLink, type DockerLinkOptions } from './docker-link';
import type { ContainerDown } from './watcher';

export interface DockerSettings extends DockerLinkOptions {
  enabled: boolean;
}

export class DockerSupervisor {
  private readonly links = new Map<string, DockerLink>();
  private readonly unsubscribe: (() => void)[];
  private memoryViewers = 0;
  private readonly releases = new Map<string, () => void>();
  private readonly downListeners = new Set<(serverName: string, down: ContainerDown) => void>();

  constructor(
    private readonly fleet: Fleet,
    private settings: DockerSettings,
    private readonly log: Logger,
  ) {
    this.unsubscribe = [
      fleet.onMonitorCreated((m) => this.attach(m)),
      fleet.onMonitorRemoved((m) => this.detach(m.config.name)),
    ];
    for (const m of fleet.list()) this.attach(m);
  }

  /** New Docker settings: every link is made again with them. */
  configure(settings: DockerSettings): void {
    if (JSON.stringify(settings) === JSON.stringify(this.settings)) return;
    this.settings = settings;
    for (const name of [...this.links.keys()]) this.detach(name);
    for (const m of this.fleet.list()) this.attach(m);
  }

  link(serverName: string): DockerLink | undefined {
    return this.links.get(serverName);
  }

  all(): DockerLink[] {
    return [...this.links.values()];
  }

  /** A watched server's container died; survives links being made again on new settings. */
  onContainerDown(listener: (serverName: string, down: ContainerDown) => void): () => void {
    this.downListeners.add(listener);
    return () => this.downListeners.delete(listener);
  }

  diagnose(serverName: string, atMs: number): LossDiagnosis | undefined {
    return this.links.get(serverName)?.diagnose(atMs);
  }

  /** A view that shows memory became visible (true) or hidden (false): sample only while someone looks or alerts are on. */
  setMemoryViewed(viewed: boolean): void {
    this.memoryViewers = viewed ? 1 : 0;
    for (const [name, link] of this.links) this.holdMemory(name, link);
  }

  dispose(): void {
    for (const u of this.unsubscribe) u();
    for (const name of [...this.links.keys()]) this.detach(name);
  }

  private attach(monitor: ServerMonitor): void {
    const container = monitor.config.container;
    if (!this.settings.enabled || !container || this.links.has(monitor.config.name)) return;
    const link = new DockerLink(monitor, container, this.settings, this.log);
    this.links.set(monitor.config.name, link);
    const server = monitor.config.name;
    link.watcher.on('down', (down) => {
      for (const l of this.downListeners) l(server, down);
    });
    this.holdMemory(monitor.config.name, link);
    link.start();
  }

  private holdMemory(name: string, link: DockerLink): void {
    this.releases.get(name)?.();
    this.releases.delete(name);
    if (this.memoryViewers > 0) this.releases.set(name, link.watcher.requestMemorySampling());
  }

  private detach(name: string): void {
    this.releases.get(name)?.();
    this.releases.delete(name);
    this.links.get(name)?.stop();
    this.links.delete(name);
  }
}
