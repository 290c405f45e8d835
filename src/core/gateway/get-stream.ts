// The standalone GET stream: while the client keeps its GET stream to the gateway open, keep one
// open upstream and relay it; reopen it (re-initializing when the session was lost) after a restart.
// A 2026-07-28 upstream has no GET stream: a `subscriptions/listen` stream takes its place, asking
// for what the upstream's discover result offers (list changes, the session's resource subscriptions).
import type { JSONRPCMessage } from '@modelcontextprotocol/server';
import { classifyHttpStatus } from '../classify';
import { fieldOf } from '../narrow';
import { gatewayRequestId, sleep, type HealTrace, type UpstreamLink } from './upstream-link';
import { getUpstream, isTransientStatus, postUpstream, type UpstreamOutcome } from './upstream-http';

/** The listen stream's own acknowledgement: the gateway's business, not the client's. */
const LISTEN_ACK = 'notifications/subscriptions/acknowledged';

/** Whether a discovered server's capabilities set `section.flag` (`resources.subscribe`, `tools.listChanged`…). */
function offers(
  capabilities: unknown,
  section: 'tools' | 'prompts' | 'resources',
  flag: 'listChanged' | 'subscribe',
): boolean {
  return Boolean(fieldOf(fieldOf(capabilities, section), flag));
}

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
    this.start();
  }

  private start(): void {
    if (this.running) return;
    this.running = true;
    void this.loop().finally(() => {
      this.running = false;
    });
  }

  stop(): void {
    this.abort?.abort();
  }

  /** What to listen for changed (a resource subscription came or went): reopen the listen stream. */
  renew(): void {
    if (this.deps.link.codec.serverStream !== 'listen') return;
    this.abort?.abort();
    // The loop ends when there was nothing to listen to; a new subscription is something.
    if (this.clientStreams > 0) this.start();
  }

  /** A subscriptions/listen stream on a 2026-07-28 upstream; undefined when it offers nothing to listen to. */
  private async listen(signal: AbortSignal): Promise<UpstreamOutcome | undefined> {
    const { link } = this.deps;
    const caps = link.discovered?.capabilities;
    const uris = offers(caps, 'resources', 'subscribe') ? [...link.subscriptions] : [];
    const notifications = {
      ...(offers(caps, 'tools', 'listChanged') ? { toolsListChanged: true } : {}),
      ...(offers(caps, 'prompts', 'listChanged') ? { promptsListChanged: true } : {}),
      ...(offers(caps, 'resources', 'listChanged') ? { resourcesListChanged: true } : {}),
      ...(uris.length ? { resourceSubscriptions: uris } : {}),
    };
    if (Object.keys(notifications).length === 0) return undefined;
    const request = link.outgoing({
      jsonrpc: '2.0',
      id: gatewayRequestId('listen'),
      method: 'subscriptions/listen',
      params: { notifications },
    });
    return postUpstream({
      url: this.deps.upstreamUrl,
      headers: await link.headers(request),
      message: request,
      signal,
      onMessage: (m) => {
        if ('method' in m && !('id' in m) && m.method !== LISTEN_ACK) this.deps.send(m);
      },
    });
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
      const listening = link.codec.serverStream === 'listen';
      const out = listening
        ? await this.listen(abort.signal)
        : await getUpstream({
            url: this.deps.upstreamUrl,
            headers: await link.headers(),
            onMessage: (m) => this.deps.send(m),
            signal: abort.signal,
          });
      if (this.deps.closed() || this.clientStreams <= 0) return;
      if (out === undefined) return; // nothing to listen to: the client's stream stays quiet
      if (abort.signal.aborted) {
        if (listening) continue; // renew(): listen again with what there is now
        return;
      }
      if (out.kind === 'http') {
        if (out.status === 405) return; // the server offers no GET stream
        if (listening && !isTransientStatus(out.status)) return; // it refuses to be listened to: stay quiet
        if (
          classifyHttpStatus(out.status, out.body, { holdingSession: usedId !== undefined }).kind === 'unknown-session'
        ) {
          link.invalidate(usedId);
          continue;
        }
      }
      // Ended or refused: open it again, never more often than every 750 ms.
      await sleep(Math.max(500 - (Date.now() - started), 0) + 250);
    }
  }
}
