// Ids that cross runs. The supervisor's own requests (replayed initialize, pings, list comparisons)
// carry ids no client uses; requests a server sends the client (sampling, elicitation, roots) are given
// fresh ids, so a new run's first request never collides with one the old run left unanswered.
import type { JSONRPCResponse, RequestId } from '@modelcontextprotocol/client';

const OWN_PREFIX = 'archon-mcp-doctor:';

interface Own {
  run: number;
  method: string;
  sentAt: number;
  resolve(response: JSONRPCResponse | undefined): void;
}

/** Requests the supervisor sends a server run itself; each resolves with its answer, or undefined when the run ends. */
export class OwnRequests {
  private readonly open = new Map<string, Own>();
  private seq = 0;

  /** Registers a request and returns its id; `resolve` gets the answer. */
  add(run: number, method: string, resolve: (r: JSONRPCResponse | undefined) => void): string {
    const id = `${OWN_PREFIX}${++this.seq}`;
    this.open.set(id, { run, method, sentAt: Date.now(), resolve });
    return id;
  }

  /** True when `id` is one of ours (answered or not): such an answer never goes to the client. */
  static isOwn(id: RequestId | undefined | null): id is string {
    return typeof id === 'string' && id.startsWith(OWN_PREFIX);
  }

  answer(id: string, response: JSONRPCResponse | undefined): void {
    const o = this.open.get(id);
    this.open.delete(id);
    o?.resolve(response);
  }

  /** The oldest request still waiting on `run` (ms epoch), or Infinity. */
  oldest(run: number): number {
    let oldest = Infinity;
    for (const o of this.open.values()) if (o.run === run) oldest = Math.min(oldest, o.sentAt);
    return oldest;
  }

  /** Pings of `run` sent before `talkedAt` and older than `ms`: the run talks but ignores pings. */
  ignoredPings(run: number, now: number, ms: number, talkedAt: number): string[] {
    return [...this.open]
      .filter(([, o]) => o.run === run && o.method === 'ping' && now - o.sentAt >= ms && talkedAt > o.sentAt)
      .map(([id]) => id);
  }

  /** A run ended (or everything stops): nothing it owes will come. */
  endRun(run?: number): void {
    for (const [id, o] of this.open) if (run === undefined || o.run === run) this.answer(id, undefined);
  }
}

/** Server-to-client requests: the id the client sees ↔ the run and the id the server used. */
export class ServerRequestIds {
  private readonly byOut = new Map<number, { run: number; id: RequestId }>();
  private seq = 0;

  toClient(run: number, id: RequestId): number {
    const out = ++this.seq;
    this.byOut.set(out, { run, id });
    return out;
  }

  /** The client answered `out`: where it goes (once). */
  fromClient(out: RequestId | undefined): { run: number; id: RequestId } | undefined {
    if (typeof out !== 'number') return undefined;
    const r = this.byOut.get(out);
    this.byOut.delete(out);
    return r;
  }

  /** The server cancelled its own request `id`: the id the client knows it by. */
  cancelled(run: number, id: RequestId | undefined): number | undefined {
    for (const [out, r] of this.byOut) {
      if (r.run === run && r.id === id) {
        this.byOut.delete(out);
        return out;
      }
    }
    return undefined;
  }

  /** A run ended: the ids of its requests the client still holds (to cancel them there). */
  endRun(run: number): number[] {
    const outs = [...this.byOut].filter(([, r]) => r.run === run).map(([out]) => out);
    for (const out of outs) this.byOut.delete(out);
    return outs;
  }
}
