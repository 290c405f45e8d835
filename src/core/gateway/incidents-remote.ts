// The incidents a running gateway (a sidecar, a `proxy`, another window's) reports at its status endpoint.
import { isIncidentRecord, type IncidentRecord } from '../incidents';
import { causeOf, errnoCode, errorMessage, fieldOf } from '../narrow';
import { HEALTH_PATH, SERVICE_ID } from './gateway-api';

/** The incidents a running gateway reports, or why they could not be read. */
export async function fetchGatewayIncidents(baseUrl: string, timeoutMs = 2000): Promise<IncidentRecord[] | string> {
  let body: unknown;
  try {
    const res = await fetch(`${baseUrl.replace(/\/+$/, '')}${HEALTH_PATH}?incidents`, {
      signal: AbortSignal.timeout(timeoutMs),
    });
    if (!res.ok) return `${baseUrl} answered HTTP ${res.status}`;
    body = await res.json();
  } catch (err) {
    return `no gateway answers at ${baseUrl} (${errnoCode(causeOf(err)) ?? errorMessage(err)})`;
  }
  if (fieldOf(body, 'service') !== SERVICE_ID) return `${baseUrl} is not an Archon MCP Doctor gateway`;
  const incidents = fieldOf(body, 'incidents');
  if (!Array.isArray(incidents)) return `the gateway at ${baseUrl} keeps no incidents (an older version)`;
  return incidents.filter((r) => isIncidentRecord(r));
}
