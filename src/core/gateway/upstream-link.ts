// One client session's link to the upstream: which upstream session it maps to, and how to build
// a new one (re-initialize with the client's own initialize params) when the server lost it.
import { holdDelay } from '../healing';
import type { JSONRPCMessage, JSONRPCRequest } from '@modelcontextprotocol/server';
import type { RequestHealKind } from '../server-state';
import { asSpecType, isJSONRPCResultResponse } from './spec';
import { classifyHttpStatus, isTransientStatus } from '../classify';
import { excerpt, shortenSessionId } from '../redact';
import { postUpstream, type UpstreamHealth, type UpstreamOutcome } from './upstream-http';
import { MODERN_ERA, readDiscover, refusalNamesModern, type Discovered, type UpstreamEra } from './era';
import { MODERN_ERA_CODEC, type EraCodec } from './era-codec';
import type { ClientInitParams } from './init-params';

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
export type HealTrace = Record<RequestHealKind, boolean>;

export interface LinkEnv {
  url: string;
  holdTimeoutMs: number;
  /** Shared by everything sent to this upstream: whether it answers since it last broke. */
  health: UpstreamHealth;
  /** The upstream's protocol era, shared by everything sent to it. */
  era: UpstreamEra;
  /** The server's name (a discover result without serverInfo is named after it). */
  name: string;
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
  /** The upstream's latest server/discover result (2026-07-28 upstreams). */
  discovered: Discovered | undefined;
  /** `health.breaks` when the last discover succeeded: a break since means probe again. */
  private discoveredAt = -1;
  private building: Promise<void> | undefined;
  /** Set while the client's own initialize is on its way upstream (see clientInitializing). */
  private clientInit: Promise<void> | undefined;

  constructor(
    private readonly env: LinkEnv,
    public initParams: ClientInitParams | undefined,
  ) {}

  /** How to speak to the upstream in the era it speaks now (shared by everything sent to it). */
  get codec(): EraCodec {
    return this.env.era.codec;
  }

  /** `req` as it goes upstream in the upstream's era (2026-07-28: with the envelope). */
  outgoing(req: JSONRPCRequest): JSONRPCRequest {
    return this.codec.encodeRequest(req, this.initParams);
  }

  /** The headers for `message` (built by outgoing()): the session's on 2025, the standard request headers on 2026-07-28. */
  async headers(message?: JSONRPCMessage): Promise<Record<string, string>> {
    const h = await this.env.baseHeaders();
    return Object.assign(h, this.codec.headers(message, this));
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
    // A 2026-07-28 upstream has no session to lose, but it may have been replaced (even by a 2025
    // build) across a break: discover it again first, the safe round trip.
    if (this.ready && this.codec.handshake === 'discover' && this.discoveredAt !== this.env.health.breaks)
      this.ready = false;
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
    const old = this.sessionId;
    let switches = 0;
    for (let attempt = 0; ; attempt++) {
      if (switches > 2)
        throw new UpstreamRefused(
          `The server at ${this.env.url} refuses both the 2025 initialize and the 2026-07-28 server/discover.`,
        );
      if (this.codec.handshake === 'discover') {
        if ((await this.discover(deadline, trace)) === MODERN_ERA) {
          this.ready = true;
          return;
        }
        switches++;
        continue; // it speaks 2025 now: initialize
      }
      trace.reinitialized = true;
      const request: JSONRPCRequest = {
        jsonrpc: '2.0',
        id: gatewayRequestId('init'),
        method: 'initialize',
        params: this.initParams,
      };
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
        this.env.log(
          'info',
          `re-initialized upstream: session ${shortenSessionId(old)} → ${shortenSessionId(this.sessionId)}`,
        );
        this.env.onReinitialized(old, this.sessionId);
        return;
      }
      if (outcome.kind === 'http' && refusalNamesModern(outcome.body)) {
        this.switchEra(MODERN_ERA);
        switches++;
        continue;
      }
      await this.waitOrGiveUp(outcome, attempt, deadline, trace);
    }
  }

  /** The upstream speaks `era` (it said so): remember it for the endpoint. */
  switchEra(era: typeof MODERN_ERA | '2025'): void {
    if (this.env.era.current === era) return;
    this.env.era.current = era;
    this.env.log(
      'info',
      era === MODERN_ERA
        ? 'the upstream speaks 2026-07-28 only: requests go per request, without a session'
        : 'the upstream speaks 2025 now: the gateway initializes a session',
    );
  }

  /**
   * server/discover on a 2026-07-28 upstream, held while it is down. Resolves with the era it proved:
   * MODERN_ERA (and `discovered` is set), or '2025' when a 2025 server answered (the era is switched).
   */
  async discover(deadline: number, trace: HealTrace): Promise<typeof MODERN_ERA | '2025'> {
    for (let attempt = 0; ; attempt++) {
      const breaks = this.env.health.breaks;
      // Always a modern request, whatever another session just learnt of the era.
      const request = MODERN_ERA_CODEC.encodeRequest(
        { jsonrpc: '2.0', id: gatewayRequestId('discover'), method: 'server/discover', params: {} },
        this.initParams,
      );
      let result: unknown;
      const outcome = await postUpstream({
        url: this.env.url,
        headers: Object.assign(await this.env.baseHeaders(), MODERN_ERA_CODEC.headers(request, this)),
        health: this.env.health,
        message: request,
        onMessage: (m) => {
          if (isJSONRPCResultResponse(m) && m.id === request.id) result = m.result;
        },
      });
      const d = outcome.kind === 'ok' ? readDiscover(result, this.env.name) : undefined;
      if (d) {
        this.switchEra(MODERN_ERA);
        this.discovered = d;
        this.discoveredAt = breaks;
        return MODERN_ERA;
      }
      // A 2025 server refuses a session-less request (400 "Server not initialized", "Missing session
      // ID") or knows no such method: it was replaced by a 2025 build.
      if (
        outcome.kind === 'http' &&
        !isTransientStatus(outcome.status) &&
        outcome.status !== 401 &&
        outcome.status !== 403 &&
        !refusalNamesModern(outcome.body) &&
        !this.env.restarting()
      ) {
        this.switchEra('2025');
        this.ready = false;
        return '2025';
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
      if (this.codec.handshake === 'discover') {
        // 2026-07-28 has no ping: server/discover is the round trip.
        if ((await this.discover(deadline, trace)) === '2025') continue;
        if (health.verified) return;
        continue;
      }
      const usedId = this.sessionId;
      const ping: JSONRPCRequest = { jsonrpc: '2.0', id: gatewayRequestId('ping'), method: 'ping' };
      const out = await postUpstream({
        url: this.env.url,
        headers: await this.headers(),
        health,
        message: ping,
        onMessage: () => undefined,
      });
      if (
        out.kind === 'http' &&
        classifyHttpStatus(out.status, out.body, { holdingSession: usedId !== undefined }).kind === 'unknown-session'
      ) {
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
      throw new HoldExpired(
        `The MCP server at ${this.env.url} did not come back within ${secs} s (the gateway held the request that long); it is down or restarting.`,
      );
    }
    trace.held = true;
    await sleep(holdDelay(attempt, Date.now(), deadline));
  }

  /** notifications/initialized, then renew the client's resource subscriptions. */
  private async afterInitialize(): Promise<void> {
    const headers = await this.headers();
    const initialized: JSONRPCMessage = { jsonrpc: '2.0', method: 'notifications/initialized' };
    await postUpstream({
      url: this.env.url,
      headers,
      health: this.env.health,
      message: initialized,
      onMessage: () => undefined,
    });
    for (const uri of this.subscriptions) {
      const sub: JSONRPCRequest = {
        jsonrpc: '2.0',
        id: gatewayRequestId('subscribe'),
        method: 'resources/subscribe',
        params: { uri },
      };
      const out = await postUpstream({ url: this.env.url, headers, message: sub, onMessage: () => undefined });
      if (out.kind !== 'ok') this.env.log('warn', `could not renew the subscription to ${uri} (${out.kind})`);
    }
  }
}
