// Finding the watched container: by its configured name, else by a legacy name (Archon's container was
// `Archon-MCP` until Aug 2025), looking again while it is missing, and inspecting it one request at a
// time. What the answers mean is the watcher's (container-record.ts); this does the asking.
import type Dockerode from 'dockerode';
import { isNotFound, REQUEST_TIMEOUT_MS, withTimeout } from './engine-address';

/** Old names of well-known containers, tried when the configured one is missing. */
export const LEGACY_NAMES: Readonly<Record<string, readonly string[]>> = { 'archon-mcp': ['Archon-MCP'] };

/** The names to look for, in order: the configured one, then the fallbacks (default: its legacy names). */
export function watchedNames(container: string, fallbackNames?: readonly string[]): string[] {
  const fallback = fallbackNames ?? LEGACY_NAMES[container.toLowerCase()] ?? [];
  return [container, ...fallback.filter((n) => n !== container)];
}

/** A container's name as people type it (the engine lists `/name`). */
export function bareName(name: string): string {
  return name.replace(/^\//, '');
}

export type LookupResult =
  | { found: true; name: string; id: string }
  /** None of the names exists; `running` names the running containers, to suggest one. */
  | { found: false; running: string[] };

/** The first of `names` (in order) that some container has. */
export function findContainer(list: readonly Dockerode.ContainerInfo[], names: readonly string[]): LookupResult {
  for (const name of names) {
    const info = list.find((c) => (c.Names ?? []).some((n) => bareName(n) === name));
    if (info) return { found: true, name, id: info.Id };
  }
  return {
    found: false,
    running: list.filter((c) => c.State === 'running').map((c) => bareName(c.Names?.[0] ?? c.Id.slice(0, 12))),
  };
}

/** Lists all containers (running or not) and finds the watched one. Rejects on engine errors. */
export async function lookupContainer(
  docker: Dockerode,
  names: readonly string[],
  timeoutMs: number,
): Promise<LookupResult> {
  const list = await withTimeout(docker.listContainers({ all: true }), timeoutMs);
  return findContainer(list, names);
}

/**
 * One inspect at a time: a request while one is under way runs once more right after it. Each inspect
 * gets the next sequence number, so a caller can tell whether an inspect started after some event.
 */
export class InspectQueue {
  /** The sequence number of the latest inspect started. */
  seq = 0;
  private running = false;
  private again = false;

  constructor(
    /** Whether an inspect can run now (a container id is known, the watcher runs). */
    private readonly ready: () => boolean,
    private readonly inspect: (seq: number) => Promise<void>,
  ) {}

  /** Runs one inspect now or right after the one in flight (coalesced). */
  request(): void {
    if (this.running) {
      this.again = true;
      return;
    }
    void this.now();
  }

  /** Runs one inspect now, even while another is under way. */
  async now(): Promise<void> {
    if (!this.ready()) return;
    this.running = true;
    const seq = ++this.seq;
    try {
      await this.inspect(seq);
    } finally {
      this.running = false;
      if (this.again) {
        this.again = false;
        void this.now();
      }
    }
  }
}

export interface ContainerFinderHost {
  /** The id of the container found (and not removed since). */
  currentId(): string | undefined;
  /** The watcher runs (not stopped). */
  active(): boolean;
  /** The engine is connected (a missing container is looked for again only then). */
  connected(): boolean;
  found(name: string, id: string): void;
  /** None of the names exists. */
  missing(running: string[]): void;
  /** An inspect answer; `seq` is its place among inspects. */
  inspected(data: Dockerode.ContainerInspectInfo, seq: number): void;
  /** Inspect says the container no longer exists (it is looked for again). */
  removed(): void;
  /** Inspect number `seq` failed (after `removed` or `apiError`). */
  inspectFailed(seq: number): void;
  /** Listing or inspecting failed for another reason. */
  apiError(err: unknown): void;
}

export interface ContainerFinderOptions {
  /** How often to look again for a missing container (events also trigger a look). Default 10 s. */
  lookupRetryMs?: number;
  /** Timeout of single API calls. Default 5 s. */
  requestTimeoutMs?: number;
}

export class ContainerFinder {
  private readonly inspects: InspectQueue;
  private readonly opts: { timeoutMs: number; retryMs: number };
  private retryTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly docker: Dockerode,
    private readonly names: readonly string[],
    options: ContainerFinderOptions,
    private readonly host: ContainerFinderHost,
  ) {
    this.opts = { timeoutMs: options.requestTimeoutMs ?? REQUEST_TIMEOUT_MS, retryMs: options.lookupRetryMs ?? 10_000 };
    this.inspects = new InspectQueue(
      () => !!host.currentId() && host.active(),
      (seq) => this.inspect(seq),
    );
  }

  /** The sequence number of the latest inspect started. */
  get inspectSeq(): number {
    return this.inspects.seq;
  }

  /** Looks for the container now, and inspects it when found; else looks again after the retry time. Never rejects. */
  async lookup(): Promise<void> {
    if (!this.host.active()) return;
    try {
      const found = await lookupContainer(this.docker, this.names, this.opts.timeoutMs);
      if (!found.found) {
        this.host.missing(found.running);
        this.scheduleRetry();
        return;
      }
      if (this.retryTimer) clearTimeout(this.retryTimer);
      this.retryTimer = undefined;
      this.host.found(found.name, found.id);
      await this.inspects.now();
    } catch (err) {
      this.host.apiError(err);
    }
  }

  /** Inspects now or right after the inspect in flight. */
  requestInspect(): void {
    this.inspects.request();
  }

  stop(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
  }

  private scheduleRetry(): void {
    if (!this.host.active() || this.retryTimer) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      if (this.host.connected()) void this.lookup();
    }, this.opts.retryMs);
  }

  private async inspect(seq: number): Promise<void> {
    try {
      const data = await withTimeout(this.docker.getContainer(this.host.currentId()!).inspect(), this.opts.timeoutMs);
      if (this.host.active()) this.host.inspected(data, seq);
    } catch (err) {
      if (isNotFound(err)) {
        // Removed (perhaps recreated under the same name): look for it again.
        this.host.removed();
        void this.lookup();
      } else {
        this.host.apiError(err);
      }
      this.host.inspectFailed(seq);
    }
  }
}
