// How an HTTP exchange with the upstream ended, in the forwarding policy's words (healing/forward-policy.ts).
import type { JSONRPCErrorResponse, RequestId } from '@modelcontextprotocol/server';
import { HEADER_MISMATCH, classifyHttpStatus } from '../classify';
import type { AttemptOutcome } from '../healing';
import { refusalNamesModern } from './era';
import { notMcpMessage } from './upstream-link';
import { asSpecType } from './spec';
import type { UpstreamOutcome } from './upstream-http';

/**
 * The server's own JSON-RPC error for request `id` in an HTTP error body (the SDK's schema), if it is
 * one. A header mismatch is not: that is the gateway's own mistake in making the request.
 */
export function ownErrorIn(body: string, id: RequestId): JSONRPCErrorResponse['error'] | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return undefined;
  }
  const answer = asSpecType('JSONRPCErrorResponse', parsed);
  return answer && answer.id === id && answer.error.code !== HEADER_MISMATCH ? answer.error : undefined;
}

export interface AttemptFacts {
  /** The response timeout ended the wait. */
  timedOut: boolean;
  /** The client cancelled or went away. */
  cancelled: boolean;
  /** The request carried an upstream session id (only then can a 404 mean the session is gone). */
  holdingSession: boolean;
  /** The server answered with its own JSON-RPC error (ownErrorIn). */
  ownError: unknown;
  url: string;
}

export function attemptOutcome(sent: UpstreamOutcome, facts: AttemptFacts): AttemptOutcome {
  if (sent.kind === 'ok') return { kind: 'answered' };
  if (facts.timedOut) return { kind: 'timed-out' };
  if (facts.cancelled) return { kind: 'cancelled' };
  switch (sent.kind) {
    case 'not-sent':
      return { kind: 'not-sent' };
    case 'broken':
      return { kind: 'broken' };
    case 'not-mcp':
      return { kind: 'not-mcp', message: notMcpMessage(sent, facts.url) };
    case 'http':
      return {
        kind: 'refused',
        status: sent.status,
        failure: classifyHttpStatus(sent.status, sent.body, { holdingSession: facts.holdingSession }),
        namesOtherEra: refusalNamesModern(sent.body),
        ownError: facts.ownError !== undefined,
      };
  }
}
