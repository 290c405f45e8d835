// A tool interrupted mid-call whose annotations were never seen: ask the upstream for its tool list
// (all pages) once it is back, so the forwarding policy can decide whether repeating the call is safe.
import type { JSONRPCRequest } from '@modelcontextprotocol/server';
import { isJSONRPCResultResponse } from './spec';
import { classifyHttpStatus } from '../classify';
import type { ToolKnowledge } from '../healing';
import { gatewayRequestId, type HealTrace, type UpstreamLink } from './upstream-link';
import { postUpstream, type UpstreamHealth } from './upstream-http';

export interface AskDeps {
  link: UpstreamLink;
  upstreamUrl: string;
  tools: ToolKnowledge;
  health: UpstreamHealth;
  closed(): boolean;
}

/** Reads the upstream's tools/list into `deps.tools` until it names `req`'s tool (best effort: errors end it). */
export async function learnToolList(
  deps: AskDeps,
  req: JSONRPCRequest,
  deadline: number,
  trace: HealTrace,
): Promise<void> {
  let cursor: string | undefined;
  try {
    for (let page = 0; page < 20 && !deps.closed(); page++) {
      await deps.link.ensure(deadline, trace);
      if (deps.link.initializeResult !== undefined) deps.tools.learnServer(deps.link.initializeResult);
      const list = deps.link.outgoing({
        jsonrpc: '2.0',
        id: gatewayRequestId('tools'),
        method: 'tools/list',
        params: cursor ? { cursor } : {},
      });
      let result: unknown;
      const out = await postUpstream({
        url: deps.upstreamUrl,
        headers: await deps.link.headers(list),
        health: deps.health,
        message: list,
        onMessage: (m) => {
          if (isJSONRPCResultResponse(m) && m.id === list.id) result = m.result;
        },
      });
      if (out.kind === 'http') {
        const f = classifyHttpStatus(out.status, out.body, { holdingSession: deps.link.sessionId !== undefined });
        if (f.kind === 'unknown-session') deps.link.invalidate(deps.link.sessionId);
        else await deps.link.waitOrGiveUp(out, page, deadline, trace);
        continue;
      }
      if (out.kind !== 'ok' || result === undefined) {
        await deps.link.waitOrGiveUp(out, page, deadline, trace);
        continue;
      }
      deps.tools.learnTools(result);
      const next =
        typeof result === 'object' && result !== null && 'nextCursor' in result ? result.nextCursor : undefined;
      if (typeof next !== 'string' || deps.tools.verdict(req) !== 'ask-tools') break;
      cursor = next;
    }
  } catch {
    // The policy decides on what is known: a tool still unseen is not repeated.
  }
}
