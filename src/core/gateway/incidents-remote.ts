// The incidents a running gateway (a sidecar, a `proxy`, another window's) reports at its status endpoint.
import { invalidIncident, type IncidentRecord } from '../incidents';
import { HEALTH_PATH, SERVICE_ID } from './types';

/** The incidents a running gateway reports, or why they could not be read. */
export async function fetchGatewayIncidents(baseUrl: string, timeoutMs = 2000): Promise<IncidentRecord[] | string> {
  let body: unknown;
  try {
    const res = await fetch(`${baseUrl.replace(/\/+$/, '')}${HEALTH_PATH}?incidents`, { signal: AbortSignal.timeout(timeoutMs) });
    if (!res.ok) return `${baseUrl} answered HTTP ${res.status}`;
    body = await res.json();
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause?.code;
    return `no gateway answers at ${baseUrl} (${cause ?? (err as Error).message})`;
  }
  const status = body as { service?: unknown; incidents?: unknown } | null;
  if (status?.service !== SERVICE_ID) return `${baseUrl} is not an Archon MCP Doctor gateway`;
  if (!Array.isArray(status.incidents)) return `the gateway at ${baseUrl} keeps no incidents (an older version)`;
  return status.incidents.filter((r): r is IncidentRecord => invalidIncident(r) === undefined);
}
