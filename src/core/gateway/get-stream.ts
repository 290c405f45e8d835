// The standalone GET stream: while the client keeps its GET stream to the gateway open, keep one
// open upstream and relay it; reopen it (re-initializing when the session was lost) after a restart.
import type { JSONRPCMessage } from '@modelcontextprotocol/server';
import { classifyHttpStatus } from '../classify';
import { sleep, type HealTrace, type UpstreamLink } from './link';
import { getUpstream } from './upstream';

export interface GetStreamDeps {
  link: UpstreamLink;
  upstreamUrl: string;
  holdTimeoutMs: number;
  send(message: JSONRPCMessage): void;
  closed(): boolean;
}

/** A client-side stream that is open until 'close': an HTTP GET response, or the stdio bridge's stdin. */
export interface ClientStream {
  once(event: 'close', listener: () => void): unknown;
}

export class GetStreamRelay {
  private clientStreams = 0;
  private running = false;
  private abort: AbortController | undefined;

  constructor(private readonly deps: GetStreamDeps) {}

  get open(): boolean {
    return this.clientStreams > 0;
  }

  /** A client GET stream opened on `res`: relay upstream until it (and any other) closes. */
  track(res: ClientStream): void {
    this.clientStreams++;
    res.once('close', () => {
      this.clientStreams--;
      if (this.clientStreams <= 0) this.abort?.abort();
    });
    if (!this.running) {
      this.running = true;
      void this.loop().finally(() => {
        this.running = false;
      });
    }
  }

  stop(): void {
    this.abort?.abort();
  }

  private async loop(): Promise<void> {
    const { link } = this.deps;
    const trace: HealTrace = { reinitialized: false, held: false, resent: false };
    while (!this.deps.closed() && this.clientStreams > 0) {
      try {
        await link.ensure(Date.now() + this.deps.holdTimeoutMs, trace);
      } catch {
        await sleep(1000);
        continue;
      }
      const abort = new AbortController();
      this.abort = abort;
      const usedId = link.sessionId;
      const started = Date.now();
      const out = await getUpstream({
        url: this.deps.upstreamUrl,
        headers: await link.headers(),
        onMessage: (m) => this.deps.send(m),
        signal: abort.signal,
      });
      if (abort.signal.aborted || this.deps.closed()) return;
      if (out.kind === 'http') {
        if (out.status === 405) return; // the server offers no GET stream
        if (classifyHttpStatus(out.status, out.body, { holdingSession: usedId !== undefined }).kind === 'session-lost') {
          link.invalidate(usedId);
          continue;
        }
      }
      // Ended or refused: open it again, never more often than every 750 ms.
      await sleep(Math.max(500 - (Date.now() - started), 0) + 250);
    }
  }
}
