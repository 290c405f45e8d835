// One small codec per protocol era for the gateway's upstream side, as the MCP SDK v2 keeps one per
// revision: how a request looks on the wire, its headers, what the gateway answers itself, whether the
// upstream keeps a session that can be lost, how the link sets itself up and how the server's own
// stream is opened. Chosen once per era (UpstreamEra.codec): the link, the client session and the GET
// stream ask their codec instead of branching on the era.
import type { JSONRPCMessage, JSONRPCRequest } from '@modelcontextprotocol/server';
import {
  CLIENT_CAPABILITIES_META_KEY,
  CLIENT_INFO_META_KEY,
  PROTOCOL_VERSION_META_KEY,
} from '@modelcontextprotocol/client';
import { fieldOf, isRecord } from '../narrow';
import type { ProtocolEra } from '../server-state';
import { modernHeaders } from './era-headers';
import type { ClientInitParams } from './init-params';

/** What the link knows of its upstream session, for the 2025 headers. */
export interface SessionHeaders {
  readonly sessionId: string | undefined;
  readonly protocolVersion: string | undefined;
}

/**
 * A request the gateway answers itself in front of this era: `initialize` from the upstream's
 * server/discover, `ping` with an empty result, a resource (un)subscription by renewing the listen stream.
 */
export type LocalAnswer = 'initialize' | 'ping' | 'subscription';

export interface EraCodec {
  readonly era: ProtocolEra;
  /** `req` as it goes upstream (the client's initialize params make the 2026-07-28 envelope). */
  encodeRequest(req: JSONRPCRequest, init: ClientInitParams | undefined): JSONRPCRequest;
  /** The era's own headers for `message` (built by encodeRequest), added to the configured ones. */
  headers(message: JSONRPCMessage | undefined, session: SessionHeaders): Record<string, string>;
  /** Whether the gateway answers `method` itself in front of this era, and how. */
  localAnswer(method: string): LocalAnswer | undefined;
  /**
   * How the link sets itself up and proves the upstream back after a break: `initialize` (a session,
   * re-made when lost; a ping on it is the safe round trip), or `discover` (server/discover, asked again
   * after every break since the upstream may have been replaced).
   */
  readonly handshake: 'initialize' | 'discover';
  /**
   * The upstream keeps a protocol session: client notifications (initialized, cancelled) and responses
   * go into it. Without one there is nothing to send them to; closing a request's connection cancels it.
   */
  readonly sessions: boolean;
  /** The upstream may refuse a request with its own JSON-RPC error under an HTTP error status: its answer. */
  readonly ownErrorsUnderStatus: boolean;
  /**
   * How the server's own messages reach the gateway: the standalone GET stream, or a
   * subscriptions/listen request, opened again when what to listen to changes.
   */
  readonly serverStream: 'get' | 'listen';
}

/** The client the envelope names when the client never initialized (a restored 2026-07-28 session has no params). */
const GATEWAY_CLIENT = { name: 'archon-mcp-doctor-gateway', version: '0' };

/**
 * `req` with the 2026-07-28 envelope in `params._meta`: the protocol version, and the client's own info
 * and capabilities from its initialize. Other `_meta` keys (a progress token) stay.
 */
export function withEnvelope(req: JSONRPCRequest, init: ClientInitParams | undefined): JSONRPCRequest {
  const params = req.params ?? {};
  const meta = fieldOf(params, '_meta');
  const _meta = {
    [CLIENT_INFO_META_KEY]: init?.clientInfo ?? GATEWAY_CLIENT,
    [CLIENT_CAPABILITIES_META_KEY]: init?.capabilities ?? {},
    ...(isRecord(meta) ? meta : {}),
    [PROTOCOL_VERSION_META_KEY]: '2026-07-28',
  };
  return { ...req, params: { ...params, _meta } };
}

/** 2025: initialize, a protocol session (Mcp-Session-Id) the server may lose, the standalone GET stream. */
export const SESSION_ERA_CODEC: EraCodec = {
  era: '2025',
  encodeRequest: (req) => req,
  headers(_message, session) {
    const h: Record<string, string> = {};
    if (session.sessionId) h['mcp-session-id'] = session.sessionId;
    if (session.protocolVersion) h['mcp-protocol-version'] = session.protocolVersion;
    return h;
  },
  localAnswer: () => undefined,
  handshake: 'initialize',
  sessions: true,
  ownErrorsUnderStatus: false,
  serverStream: 'get',
};

/** 2026-07-28: no session and no initialize; the envelope and the standard headers on every request. */
export const MODERN_ERA_CODEC: EraCodec = {
  era: '2026-07-28',
  encodeRequest: withEnvelope,
  headers: (message) => modernHeaders(message),
  localAnswer(method) {
    if (method === 'initialize') return 'initialize';
    if (method === 'ping') return 'ping';
    if (method === 'resources/subscribe' || method === 'resources/unsubscribe') return 'subscription';
    return undefined;
  },
  handshake: 'discover',
  sessions: false,
  ownErrorsUnderStatus: true,
  serverStream: 'listen',
};

/** The codec of `era`; an upstream whose era is not known yet is tried as 2025 first. */
export function codecFor(era: ProtocolEra | undefined): EraCodec {
  return era === '2026-07-28' ? MODERN_ERA_CODEC : SESSION_ERA_CODEC;
}
