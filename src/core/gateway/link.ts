// One client session's link to the upstream: which upstream session it maps to, and how to build
// a new one (re-initialize with the client's own initialize params) when the server lost it.
import { exponentialDelayMs } from '../backoff';
import type { JSONRPCMessage, JSONRPCRequest } from '@modelcontextprotocol/server';
import { asSpecType, isJSONRPCResultResponse } from './spec';
import { classifyHttpStatus } from '../classify';
import { excerpt, shortenSessionId } from '../redact';
import { isTransientStatus, postUpstream, type UpstreamHealth, type UpstreamOutcome } from './upstream';

/** Says what came back instead of JSON-RPC, and what that suggests. */
export function notMcpMessage(o: Extract<UpstreamOutcome, { kind: 'not-mcp' }>, url: string): string {
  const said = excerpt(o.body);
  return `The server at ${url} answered HTTP ${o.status} (${o.contentType || 'no content type'}) with something that is not JSON-RPC${said ? `: "${said}"` : ''}. It does not look like an MCP endpoint; check the URL. The gateway did not repeat the request.`;
}

export class HoldExpired extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HoldExpired';
  }
}

export class UpstreamRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UpstreamRefused';
  }
}

/** What a heal took, for the counters (a request counts once, under its most significant heal). */
export interface HealTrace {
  reinitialized: boolean;
  held: boolean;
  resent: boolean;
}

export interface LinkEnv {
  url: string;
  holdTimeoutMs: number;
  /** Shared by everything sent to this upstream: whether it answers since it last broke. */
  health: UpstreamHealth;
  /** Configured headers plus Authorization (the client's, or the stored token). */
  baseHeaders(): Promise<Record<string, string>>;
  /** True while the server is known to be restarting (a Docker signal): hold instead of failing. */
  restarting(): boolean;
  /** True once the client session closed or the gateway stopped: stop holding. */
  closed(): boolean;
  log(level: 'info' | 'warn', message: string): void;
  onReinitialized(oldId: string | undefined, newId: string | undefined): void;
}

/** A wait that never keeps the process alive by itself (the HTTP server does while serving). */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

/** Backoff while holding: 100 ms doubling to 1 s, never past the deadline. */
export function holdDelay(attempt: number, deadline: number): number {
  return Math.max(0, Math.min(exponentialDelayMs(attempt, { baseMs: 100, maxMs: 1000, jitter: 0 }), deadline - Date.now()));
}

export { isTransientStatus };

let gatewayRequestCounter = 0;
export function gatewayRequestId(kind: string): string {
  return `archon-mcp-doctor-${kind}-${++gatewayRequestCounter}`;
}

export class UpstreamLink {
  sessionId: string | undefined;
  protocolVersion: string | undefined;
  /** False until initialized upstream (or after the upstream lost our session). */
  ready = false;
  readonly subscriptions = new Set<string>();
  /** The upstream's latest initialize result (what it said of itself; the modern front's discover answer). */
  initializeResult: unknown;
  private building: Promise<void> | undefined;
  /** Set while the client's own initialize is on its way upstream (see clientInitializing). */
  private clientInit: Promise<void> | undefined;

  constructor(private readonly env: LinkEnv, public initParams: Record<string, unknown> | undefined) {}

  async headers(): Promise<Record<string, string>> {
    const h = await this.env.baseHeaders();
    if (this.sessionId) h['mcp-session-id'] = this.sessionId;
    if (this.protocolVersion) h['mcp-protocol-version'] = this.protocolVersion;
    return h;
  }

  /** The upstream no longer knows `usedId`: the next ensure() re-initializes. */
  invalidate(usedId: string | undefined): void {
    if (this.sessionId === usedId) this.ready = false;
  }

  /** Records what the client's own initialize brought back. */
  adoptInitialize(sessionId: string | undefined, result: unknown): void {
    this.sessionId = sessionId;
    this.initializeResult = result;
    const init = asSpecType('InitializeResult', result);
    if (init) this.protocolVersion = init.protocolVersion;
    this.ready = true;
  }

  /**
   * The client's initialize is being forwarded. The gateway answers the client with the session id
   * in the response headers before the upstream's answer arrives, and some clients (VS Code's) open
   * their GET stream on those headers: anything that needs the upstream session meanwhile waits for
   * this initialize instead of starting a second upstream session. Call the returned function when
   * the forward is over, whatever its outcome.
   */
  clientInitializing(): () => void {
    let done!: () => void;
    const pending = new Promise<void>((resolve) => {
      done = resolve;
    });
    this.clientInit = pending;
    return () => {
      if (this.clientInit === pending) this.clientInit = undefined;
      done();
    };
  }

  /** Makes sure there is a live upstream session, re-initializing (once, shared) when needed. */
  async ensure(deadline: number, trace: HealTrace): Promise<void> {
    while (!this.ready) {
      if (this.clientInit) {
        // Not a heal: the client's own session is being set up.
        await this.clientInit;
        continue;
      }
      if (!this.building) {
        this.building = this.reinitialize(deadline, trace).finally(() => {
          this.building = undefined;
        });
        await this.building;
        return;
      }
      trace.reinitialized = true;
      try {
        await this.building;
      } catch (e) {
        // Someone else's hold ran out or the server refused: ours may still have time left.
        if (e instanceof UpstreamRefused || Date.now() >= deadline) throw e;
      }
    }
  }

  private async reinitialize(deadline: number, trace: HealTrace): Promise<void> {
    if (!this.initParams) throw new UpstreamRefused('The client never initialized this session.');
    trace.reinitialized = true;
    const old = this.sessionId;
    for (let attempt = 0; ; attempt++) {
      const request: JSONRPCRequest = { jsonrpc: '2.0', id: gatewayRequestId('init'), method: 'initialize', params: this.initParams };
      const base = await this.env.baseHeaders();
      let result: unknown;
      const outcome = await postUpstream({
        url: this.env.url,
        headers: base,
        health: this.env.health,
        message: request,
        onMessage: (m) => {
          if (isJSONRPCResultResponse(m) && m.id === request.id) result = m.result;
        },
      });
      if (outcome.kind === 'ok' && result !== undefined) {
        this.sessionId = outcome.sessionId;
        this.initializeResult = result;
        const init = asSpecType('InitializeResult', result);
        if (init) this.protocolVersion = init.protocolVersion;
        await this.afterInitialize();
        this.ready = true;
        this.env.log('info', `re-initialized upstream: session ${shortenSessionId(old)} → ${shortenSessionId(this.sessionId)}`);
        this.env.onReinitialized(old, this.sessionId);
        return;
      }
      await this.waitOrGiveUp(outcome, attempt, deadline, trace);
    }
  }

  /**
   * After a break: one safe round trip (a ping on the current session, or the initialize that
   * replaces a lost one) before anything that must not run twice is sent. Holds meanwhile.
   */
  async verify(deadline: number, trace: HealTrace): Promise<void> {
    const health = this.env.health;
    for (let attempt = 0; !health.verified; attempt++) {
      await this.ensure(deadline, trace);
      if (health.verified) return; // the re-initialize was the round trip
      const usedId = this.sessionId;
      const ping: JSONRPCRequest = { jsonrpc: '2.0', id: gatewayRequestId('ping'), method: 'ping' };
      const out = await postUpstream({ url: this.env.url, headers: await this.headers(), health, message: ping, onMessage: () => undefined });
      if (out.kind === 'http' && classifyHttpStatus(out.status, out.body, { holdingSession: usedId !== undefined }).kind === 'session-lost') {
        this.invalidate(usedId);
        continue;
      }
      if (health.verified) return;
      await this.waitOrGiveUp(out, attempt, deadline, trace);
    }
  }

  /** Holds on unreachable/transient outcomes; throws when the hold is over or the answer is final. */
  async waitOrGiveUp(outcome: UpstreamOutcome, attempt: number, deadline: number, trace: HealTrace): Promise<void> {
    if (outcome.kind === 'not-mcp') throw new UpstreamRefused(notMcpMessage(outcome, this.env.url));
    if (outcome.kind === 'http' && !isTransientStatus(outcome.status) && !this.env.restarting()) {
      const f = classifyHttpStatus(outcome.status, outcome.body, { holdingSession: false });
      throw new UpstreamRefused(`The server refused to start a new session: ${f.message}`);
    }
    if (this.env.closed()) throw new HoldExpired('The gateway stopped while holding the request.');
    if (Date.now() >= deadline) {
      const secs = Math.round(this.env.holdTimeoutMs / 1000);
      throw new HoldExpired(`The MCP server at ${this.env.url} did not come back within ${secs} s (the gateway held the request that long); it is down or restarting.`);
    }
    trace.held = true;
    await sleep(holdDelay(attempt, deadline));
  }

  /** notifications/initialized, then renew the client's resource subscriptions. */
  private async afterInitialize(): Promise<void> {
    const headers = await this.headers();
    const initialized: JSONRPCMessage = { jsonrpc: '2.0', method: 'notifications/initialized' };
    await postUpstream({ url: this.env.url, headers, health: this.env.health, message: initialized, onMessage: () => undefined });
    for (const uri of this.subscriptions) {
      const sub: JSONRPCRequest = { jsonrpc: '2.0', id: gatewayRequestId('subscribe'), method: 'resources/subscribe', params: { uri } };
      const out = await postUpstream({ url: this.env.url, headers, message: sub, onMessage: () => undefined });
      if (out.kind !== 'ok') this.env.log('warn', `could not renew the subscription to ${uri} (${out.kind})`);
    }
  }
}
