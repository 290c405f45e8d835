// The requests in flight of one session, by JSON-RPC id. Not a Map: under the hot path's churn (a set and a
// delete per request) V8 rehashes a Map's table every few dozen requests and keeps each old table linked to
// its successor, with the entries it held. Once promoted, those dead tables keep every in-flight request
// reachable through the next young-generation collection, so each request's whole graph (its HTTP objects,
// closures, buffers) was promoted and left for a full collection: about 1.2 MB per scavenge on the
// 2026-07-28 path against 0.17 MB with this (issue 21). A null-prototype object's dictionary has no such chain.
import type { RequestId } from '@modelcontextprotocol/server';

/** A number id and its string spelling are different JSON-RPC ids: the key says which it is. */
const keyOf = (id: RequestId): string => (typeof id === 'number' ? `n${id}` : `s${id}`);
const idOf = (key: string): RequestId => (key.charCodeAt(0) === 0x6e /* n */ ? Number(key.slice(1)) : key.slice(1));

export class RequestIdMap<V> {
  private readonly entries: Record<string, V> = Object.create(null);
  private count = 0;

  get size(): number {
    return this.count;
  }

  get(id: RequestId): V | undefined {
    return this.entries[keyOf(id)];
  }

  has(id: RequestId): boolean {
    return keyOf(id) in this.entries;
  }

  set(id: RequestId, value: V): this {
    const key = keyOf(id);
    if (!(key in this.entries)) this.count++;
    this.entries[key] = value;
    return this;
  }

  delete(id: RequestId): boolean {
    const key = keyOf(id);
    if (!(key in this.entries)) return false;
    delete this.entries[key];
    this.count--;
    return true;
  }

  /** The ids, as a list taken now (safe to delete while going through it). */
  keys(): RequestId[] {
    return Object.keys(this.entries).map(idOf);
  }
}
