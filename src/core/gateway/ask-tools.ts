// A tool interrupted mid-call whose annotations we never saw: ask the upstream (tools/list, all
// pages) once it is back, then decide whether repeating the call is safe.
import type { JSONRPCRequest } from '@modelcontextprotocol/server';
import { isJSONRPCResultResponse } from './spec';
import { classifyHttpStatus } from '../classify';
import { resendVerdict, type ResendVerdict, type ToolRegistry } from './idempotency';
import { gatewayRequestId, type HealTrace, type UpstreamLink } from './link';
import { postUpstream, type UpstreamHealth } from './upstream';

export interface AskDeps {
  link: UpstreamLink;
  upstreamUrl: string;
  tools: ToolRegistry;
  health: UpstreamHealth;
  closed(): boolean;
}

/** Annotations unknown for a tool interrupted mid-call: ask upstream (tools/list), then decide. */
export async function askToolSafety(req: JSONRPCRequest, deps: AskDeps, deadline: number, trace: HealTrace): Promise<ResendVerdict> {
  let cursor: string | undefined;
  try {
    for (let page = 0; page < 20 && !deps.closed(); page++) {
      await deps.link.ensure(deadline, trace);
      const list = deps.link.outgoing<JSONRPCRequest>({ jsonrpc: '2.0', id: gatewayRequestId('tools'), method: 'tools/list', params: cursor ? { cursor } : {} });
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
        if (f.kind === 'session-lost') deps.link.invalidate(deps.link.sessionId);
        else await deps.link.waitOrGiveUp(out, page, deadline, trace);
        continue;
      }
      if (out.kind !== 'ok' || result === undefined) {
        await deps.link.waitOrGiveUp(out, page, deadline, trace);
        continue;
      }
      deps.tools.learn(result);
      const next = (result as { nextCursor?: unknown }).nextCursor;
      if (typeof next !== 'string' || resendVerdict(req, deps.tools) !== 'unknown') break;
      cursor = next;
    }
  } catch {
    return 'unsafe';
  }
  const v = resendVerdict(req, deps.tools);
  return v === 'unknown' ? 'unsafe' : v;
}
