// The Markdown diagnostics report: what a person pastes into an issue. Secrets never appear.
import { redactHeaders, redactUrl, shortenSessionId } from './redact';
import type { FailureRecord, ServerConfig, ServerSnapshot, Transition } from './server-state';

export interface ReportInput {
  product: { name: string; version: string };
  host?: string;
  /** Settings as configured (servers' secret headers are hidden here). */
  servers: ServerConfig[];
  settings: Record<string, unknown>;
  snapshots: ServerSnapshot[];
  recentFailures: (name: string) => readonly FailureRecord[];
  /** Extra sections (Docker, gateway), already rendered as Markdown. */
  sections?: string[];
  now?: Date;
}

const cell = (v: unknown) =>
  String(v ?? '—')
    .replace(/\|/g, '\\|')
    .replace(/\n/g, ' ');

function serverSection(s: ServerSnapshot, failures: readonly FailureRecord[]): string {
  const lines = [
    `### ${s.name} — ${s.state}`,
    '',
    `| | |`,
    `|---|---|`,
    `| URL | ${cell(redactUrl(s.url))} |`,
    `| Transport | ${cell(s.transport ?? s.configuredTransport)} |`,
    `| State | ${s.state} since ${s.stateSince} |`,
    ...(s.down
      ? [
          `| Why down | ${s.down.reason}${s.down.calm ? ' (calm: nothing lost you did not cause)' : ''}: ${cell(s.down.detail)} |`,
        ]
      : []),
    `| Session | ${shortenSessionId(s.sessionId)} |`,
    `| Server | ${s.serverInfo ? cell(`${s.serverInfo.name} ${s.serverInfo.version}`) : '—'} |`,
    `| Protocol era | ${cell(s.era ?? 'not negotiated yet')} |`,
    `| Protocol | ${cell(s.protocolVersion)} |`,
    `| Last ping | ${s.lastPing ? `${s.lastPing.latencyMs} ms at ${s.lastPing.at}` : '—'} |`,
    `| Heals | ${s.heals}${s.lastHeal ? ` (last: ${s.lastHeal.kind} in ${s.lastHeal.durationMs} ms at ${s.lastHeal.at})` : ''} |`,
    `| Health | ${s.health ? cell(`${s.health.ok ? 'ok' : 'failing'}${s.health.uptimeSeconds !== undefined ? `, uptime ${Math.round(s.health.uptimeSeconds)} s` : ''}${s.health.error ? `, ${s.health.error}` : ''}`) : '—'} |`,
  ];
  if (s.lastLoss) {
    lines.push(`| Last session loss | ${s.lastLoss.at}: cause **${s.lastLoss.label ?? s.lastLoss.cause}** |`);
  }
  if (s.lastLoss?.evidence.length) {
    lines.push('', '**Evidence for the last session loss**', '');
    for (const e of s.lastLoss.evidence) lines.push(`- ${e.at} [${e.source}] ${e.detail}`);
  }
  if (s.patterns.length) {
    lines.push('', '**Patterns**', '');
    for (const p of s.patterns) lines.push(`- ${p.title}: ${p.detail} (${p.count}×, since ${p.firstSeen})`);
  }
  if (failures.length) {
    lines.push('', '**Recent failures**', '', '| Time | Kind | HTTP | Message |', '|---|---|---|---|');
    for (const f of failures.slice(-10))
      lines.push(`| ${f.at} | ${f.kind} | ${f.httpStatus ?? '—'} | ${cell(f.message)} |`);
  }
  const repeat = s.gateway?.repeat;
  if (repeat && repeat.tools.length) {
    lines.push(
      '',
      `**Sent again if the server dies mid-call** (through the gateway${repeat.knownServer ? `; known server: ${repeat.knownServer}` : ''})`,
      '',
    );
    lines.push('| Tool | Repeated | Why |', '|---|---|---|');
    for (const t of repeat.tools)
      lines.push(`| ${cell(t.tool)} | ${t.repeat ? 'yes' : 'no'} | ${t.reason}: ${cell(t.detail)} |`);
    const suggestions = repeat.tools.filter((t) => t.suggestion);
    if (suggestions.length) {
      lines.push('', 'Tools that look like reads but nothing marks safe (never repeated until you say so):', '');
      for (const t of suggestions) lines.push(`- ${cell(t.suggestion)}`);
    }
  }
  if (s.transitions.length) {
    lines.push('', '**Recent transitions**', '');
    for (const t of s.transitions.slice(-10)) lines.push(`- ${t.at} ${t.from} → ${t.to} (${transitionWhy(t)})`);
  }
  return lines.join('\n');
}

export function renderReport(input: ReportInput): string {
  const now = input.now ?? new Date();
  const servers = input.servers.map((s) => ({
    ...s,
    url: redactUrl(s.url),
    healthUrl: s.healthUrl && redactUrl(s.healthUrl),
    headers: s.headers ? redactHeaders(s.headers) : undefined,
  }));
  const parts = [
    `# ${input.product.name} diagnostics`,
    '',
    `Generated ${now.toISOString()} by ${input.product.name} ${input.product.version}${input.host ? ` on ${input.host}` : ''}, Node ${process.versions.node}, ${process.platform}.`,
    '',
    '## Summary',
    '',
    ...input.snapshots.map(
      (s) =>
        `- **${s.name}**: ${s.state}${s.lastLoss ? ` — last session loss: ${s.lastLoss.label ?? s.lastLoss.cause}` : ''}`,
    ),
    ...(input.snapshots.length === 0 ? ['- No server is configured.'] : []),
    '',
    '## Servers',
    '',
    ...input.snapshots.map((s) => serverSection(s, input.recentFailures(s.name))),
    ...(input.sections ?? []),
    '',
    '## Settings',
    '',
    '```json',
    JSON.stringify({ ...input.settings, servers }, null, 2),
    '```',
    '',
  ];
  return parts.join('\n');
}

/** Why a transition happened, in one short phrase: its reason, the failure kind and the loss's root cause. */
export function transitionWhy(t: Transition): string {
  const failure = t.failure && !t.loss ? `, ${t.failure.kind}` : '';
  const loss = t.loss ? `: ${t.loss.label ?? t.loss.cause}` : '';
  return `${t.reason}${failure}${loss}`;
}

/** One short line on what the gateway repeats for a server, for tooltips. */
export function repeatSummary(
  repeat: { knownServer?: string; tools: readonly { tool: string; repeat: boolean }[] } | undefined,
): string | undefined {
  if (!repeat || repeat.tools.length === 0) return undefined;
  const again = repeat.tools.filter((t) => t.repeat).map((t) => t.tool);
  const never = repeat.tools.length - again.length;
  const known = repeat.knownServer ? ` (known server: ${repeat.knownServer})` : '';
  return `Sent again after a crash${known}: ${again.length ? again.join(', ') : 'no tool'}; ${never} never repeated.`;
}
