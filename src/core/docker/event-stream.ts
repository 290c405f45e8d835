// The engine's event stream for the watched container names: opened where the last one left off
// (`since` the last event seen, or the moment the first stream opened), closed on demand, and
// reported lost exactly once when it errors, ends or closes. Hands on each container event once:
// parsed, and not again when a resumed stream replays it.
import { Readable } from 'node:stream';
import type Dockerode from 'dockerode';
import { withTimeout } from './engine-address';
import { errnoCode } from '../narrow';
import {
  eventKey,
  JsonLineSplitter,
  parseEngineEvent,
  rawEngineEventOf,
  sinceFromMs,
  sinceFromTimeNano,
  type ContainerEvent,
} from './events';

/** Keys of events seen, kept to drop replays. */
const SEEN_KEYS = 1000;

/** The query of `GET /events`: `since` as the engine's `seconds.nanoseconds`, exact to the nanosecond. */
interface EventsQuery {
  filters: string;
  since?: string;
}

/**
 * `GET /events` through dockerode's modem, the request `docker.getEvents()` makes. Not `getEvents()`
 * itself: its types take `since` as a number, which cannot hold an engine time to the nanosecond.
 */
function openEvents(docker: Dockerode, query: EventsQuery): Promise<Readable> {
  return new Promise((resolve, reject) => {
    docker.modem.dial(
      {
        path: '/events?',
        method: 'GET',
        options: query,
        isStream: true,
        statusCodes: { 200: true, 500: 'server error' },
      },
      (err, data) => {
        if (err) reject(err);
        else if (data instanceof Readable) resolve(data);
        else reject(new Error('the engine answered GET /events without a stream'));
      },
    );
  });
}

export interface EventStreamHandlers {
  /** A container event not seen before (ignored actions such as exec_* never arrive). */
  onEvent(ev: ContainerEvent): void;
  onLost(reason: string): void;
}

export class EngineEventStream {
  private stream: Readable | undefined;
  private openedAtMs = 0;
  private lastEventTimeNano: string | undefined;
  private readonly seenKeys: string[] = [];
  private readonly seenSet = new Set<string>();

  constructor(
    private readonly docker: Dockerode,
    private readonly names: readonly string[],
    private readonly timeoutMs: number,
    private readonly handlers: EventStreamHandlers,
  ) {}

  get isOpen(): boolean {
    return this.stream !== undefined;
  }

  /** Opens a stream that resumes where the last one left off; `stopped` is asked once it arrives. */
  async open(stopped: () => boolean): Promise<void> {
    const since = this.lastEventTimeNano
      ? sinceFromTimeNano(this.lastEventTimeNano)
      : this.openedAtMs
        ? sinceFromMs(this.openedAtMs - 1000)
        : undefined;
    const query: EventsQuery = { filters: JSON.stringify({ type: ['container'], container: this.names }) };
    if (since) query.since = since;
    const pending = openEvents(this.docker, query);
    let gaveUp = false;
    // A stream that arrives after the timeout must not stay open unseen.
    pending.then(
      (s) => gaveUp && s.destroy(),
      () => undefined,
    );
    const stream = await withTimeout(pending, this.timeoutMs).catch((e: unknown) => {
      gaveUp = true;
      throw e;
    });
    if (stopped()) {
      stream.destroy();
      return;
    }
    if (!this.lastEventTimeNano || !this.openedAtMs) this.openedAtMs = Date.now();
    this.stream = stream;
    const splitter = new JsonLineSplitter();
    let lost = false;
    const onLost = (reason: string) => {
      if (lost || this.stream !== stream) return;
      lost = true;
      this.stream = undefined;
      this.handlers.onLost(reason);
    };
    stream.on('data', (chunk: Buffer) => {
      splitter.push(chunk, (obj) => this.take(obj));
    });
    stream.on('error', (e: Error) => onLost(`event stream error: ${errnoCode(e) ?? e.message}`));
    stream.on('end', () => onLost('event stream ended'));
    stream.on('close', () => onLost('event stream closed'));
  }

  close(): void {
    const s = this.stream;
    this.stream = undefined;
    if (s) {
      s.on('error', () => undefined);
      s.destroy();
    }
  }

  /** The engine went away: keep the last moment the stream was known good, to resume from it. */
  markLost(): void {
    if (!this.lastEventTimeNano) this.openedAtMs = this.openedAtMs || Date.now();
  }

  private take(line: unknown): void {
    const raw = rawEngineEventOf(line);
    if (!raw) return;
    let ev: ContainerEvent | undefined;
    try {
      ev = parseEngineEvent(raw);
    } catch {
      return;
    }
    if (!ev) {
      // Ignored events (exec_*) still advance the resume point.
      if (raw.timeNano !== undefined) this.advance(String(raw.timeNano));
      return;
    }
    const key = eventKey(ev);
    if (this.seenSet.has(key)) return;
    this.seenSet.add(key);
    this.seenKeys.push(key);
    if (this.seenKeys.length > SEEN_KEYS) this.seenSet.delete(this.seenKeys.shift()!);
    this.advance(ev.timeNano);
    this.handlers.onEvent(ev);
  }

  /** An event was seen (even an ignored one): the next stream starts after it. */
  private advance(timeNano: string): void {
    if (!/^\d+$/.test(timeNano)) return;
    if (!this.lastEventTimeNano || BigInt(timeNano) > BigInt(this.lastEventTimeNano)) this.lastEventTimeNano = timeNano;
  }
}
