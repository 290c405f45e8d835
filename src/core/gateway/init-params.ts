// A client's own initialize params, as the gateway keeps them (in memory and in the session store):
// replayed unchanged to re-initialize upstream, and the source of the 2026-07-28 envelope's client
// info and capabilities. Typed once here so nothing re-reads them with one-off casts.
import { isRecord } from '../narrow';

/** What the gateway reads of an initialize's params; any other field is kept and replayed as the client sent it. */
export interface ClientInitParams extends Record<string, unknown> {
  protocolVersion: string;
  capabilities: Record<string, unknown>;
  clientInfo: { name: string; version: string } & Record<string, unknown>;
}

/** True when `v` has the fields an initialize's params must have (a validated request's always do). */
export function isClientInitParams(v: unknown): v is ClientInitParams {
  if (!isRecord(v) || typeof v.protocolVersion !== 'string' || !isRecord(v.capabilities)) return false;
  const info = v.clientInfo;
  return isRecord(info) && typeof info.name === 'string' && typeof info.version === 'string';
}
