// "Rehearse a Restart": what happened between asking for a container restart and the server being
// healthy again, measured from the server's snapshot and the gateway's counters. Pure.
import type { GatewayCounters, HealCounts } from './gateway';
import type { LossCause, ServerSnapshot } from './server-state';

/** The gateway counters of one server at one moment (a `ServerGatewayStats` has them). */
export interface RehearsalInput {
  /** When the restart was asked for. */
  requestedAt: string;
  /** The server's snapshot when the rehearsal ended (healthy again, or out of time). */
  after: ServerSnapshot;
  gatewayBefore?: GatewayCounters;
  gatewayAfter?: GatewayCounters;
}

export const REHEARSAL_OUTCOMES = ['healed', 'not-detected', 'not-healed'] as const;
export type RehearsalOutcome = (typeof REHEARSAL_OUTCOMES)[number];

export interface RehearsalReport {
  server: string;
  outcome: RehearsalOutcome;
  /** From the restart request to the first state that was not up. */
  detectionMs?: number;
  /** From that detection to healthy again. */
  healMs?: number;
  /** The loss's cause, when a session was lost during the rehearsal. */
  cause?: LossCause;
  causeLabel?: string;
  /** How the monitor's own connection came back (`resumed`, `reinitialized`, `reconnected`). */
  healKind?: string;
  /** Gateway numbers during the rehearsal; absent without a gateway. */
  gateway?: {
    /** Client requests the gateway healed (held, re-initialized or resent) and then answered. */
    held: number;
    heldByKind: HealCounts;
    forwarded: number;
    errorsReturned: number;
  };
}

const UP = new Set(['healthy', 'degraded']);

export function rehearsalReport(input: RehearsalInput): RehearsalReport {
  const s = input.after;
  const start = Date.parse(input.requestedAt);
  const since = s.transitions.filter((t) => Date.parse(t.at) >= start);
  const detected = since.find((t) => !UP.has(t.to));
  const report: RehearsalReport = { server: s.name, outcome: 'not-detected' };
  if (detected) {
    report.detectionMs = Date.parse(detected.at) - start;
    const healed = since.find((t) => Date.parse(t.at) >= Date.parse(detected.at) && UP.has(t.to));
    report.outcome = healed && UP.has(s.state) ? 'healed' : 'not-healed';
    if (healed) report.healMs = Date.parse(healed.at) - Date.parse(detected.at);
  }
  if (s.lastLoss && Date.parse(s.lastLoss.at) >= start) {
    report.cause = s.lastLoss.cause;
    report.causeLabel = s.lastLoss.label ?? s.lastLoss.cause;
  }
  if (s.lastHeal && Date.parse(s.lastHeal.at) >= start) report.healKind = s.lastHeal.kind;
  if (input.gatewayBefore && input.gatewayAfter) {
    const b = input.gatewayBefore;
    const a = input.gatewayAfter;
    const heldByKind: HealCounts = {
      reinitialized: a.healed.reinitialized - b.healed.reinitialized,
      held: a.healed.held - b.healed.held,
      resent: a.healed.resent - b.healed.resent,
    };
    report.gateway = {
      held: heldByKind.reinitialized + heldByKind.held + heldByKind.resent,
      heldByKind,
      forwarded: a.requestsForwarded - b.requestsForwarded,
      errorsReturned: a.errorsReturned - b.errorsReturned,
    };
  }
  return report;
}

function seconds(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`;
}

/** One line for a notification. */
export function rehearsalSummary(r: RehearsalReport): string {
  switch (r.outcome) {
    case 'not-detected':
      return `${r.server}: the restart was not noticed (no state change). Is this the container that serves ${r.server}?`;
    case 'not-healed':
      return `${r.server}: the restart was noticed after ${seconds(r.detectionMs!)}, but ${r.server} is not healthy again yet.`;
    case 'healed': {
      const held = r.gateway
        ? `; the gateway held and answered ${r.gateway.held} client request${r.gateway.held === 1 ? '' : 's'}`
        : '';
      return `${r.server} healed: restart noticed in ${seconds(r.detectionMs!)}, healthy again ${seconds(r.healMs!)} later (${r.causeLabel ?? 'no session lost'})${held}.`;
    }
  }
}

/** The whole report as Markdown. */
export function renderRehearsal(r: RehearsalReport): string {
  const row = (k: string, v: string) => `| ${k} | ${v} |`;
  const lines = [`# Restart rehearsal: ${r.server}`, '', rehearsalSummary(r), '', '| | |', '|---|---|'];
  lines.push(row('Outcome', r.outcome));
  lines.push(row('Detection time', r.detectionMs !== undefined ? seconds(r.detectionMs) : '—'));
  lines.push(row('Heal time', r.healMs !== undefined ? seconds(r.healMs) : '—'));
  lines.push(row('Cause named', r.causeLabel ? `${r.causeLabel} (\`${r.cause}\`)` : 'no session was lost'));
  if (r.healKind) lines.push(row('How the connection came back', r.healKind));
  if (r.gateway) {
    const k = r.gateway.heldByKind;
    lines.push(
      row(
        'Client requests held and answered by the gateway',
        `${r.gateway.held} (held ${k.held}, re-initialized ${k.reinitialized}, resent ${k.resent})`,
      ),
    );
    lines.push(row('Client requests forwarded meanwhile', String(r.gateway.forwarded)));
    lines.push(row('Errors returned to clients meanwhile', String(r.gateway.errorsReturned)));
  } else {
    lines.push(row('Gateway', 'not running: clients connected directly would have lost their sessions'));
  }
  return lines.join('\n') + '\n';
}
