// The incident timeline as an SVG drawn by hand: one row per server over the last days, one mark per
// incident (where it starts, as wide as the server was down, coloured by cause, a bar below it for the
// calls that failed). Pure: the webview (src/vscode/timeline.ts) puts it in a CSP-locked page.
import type { LossCause } from '../server-state';
import { callsSummary, formatDuration } from './incident-text';
import type { IncidentRecord } from './incident';

/** Theme colours by cause (VS Code's chart colours, so light, dark and high-contrast themes all work). */
export const CAUSE_COLOURS: Record<LossCause, string> = {
  'oom-kill': 'var(--vscode-charts-red)',
  crash: 'var(--vscode-charts-orange)',
  'docker-restart': 'var(--vscode-charts-blue)',
  stopped: 'var(--vscode-charts-foreground)',
  'unhealthy-restart': 'var(--vscode-charts-yellow)',
  'process-restart': 'var(--vscode-charts-purple)',
  network: 'var(--vscode-charts-green)',
  unknown: 'var(--vscode-descriptionForeground)',
};

export interface TimelineOptions {
  now: number;
  days: number;
}

const ROW = 44;
const LEFT = 140;
const WIDTH = 900;
const TOP = 28;

function esc(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&${{ '&': 'amp', '<': 'lt', '>': 'gt', '"': 'quot', "'": '#39' }[c]};`);
}

/** The words a mark's hover shows. */
export function incidentTooltip(r: IncidentRecord): string {
  const down = r.recoveredAt
    ? `down ${formatDuration(r.downtimeMs ?? 0)}, back at ${r.recoveredAt}`
    : r.unfinished
      ? 'recovery not seen'
      : 'still going on';
  const heals = Object.entries(r.heals)
    .filter(([, n]) => n)
    .map(([k, n]) => `${k} ${n}`)
    .join(', ');
  return [
    `${r.server}: ${r.label ?? r.cause}`,
    `from ${r.startedAt}, ${down}`,
    `seen by ${r.seenBy}`,
    `calls: ${callsSummary(r)}`,
    ...(heals ? [`heals: ${heals}`] : []),
    ...r.evidence.slice(-3).map((e) => `${e.source}: ${e.detail}`),
  ].join('\n');
}

/** How many calls were held, beside the mark (before it when the mark ends near the right edge). */
function countLabel(held: number, x0: number, w: number, y: number): string {
  const after = x0 + w + 3 + 8 * String(held).length < WIDTH;
  return `<text class="count" x="${(after ? x0 + w + 3 : x0 - 3).toFixed(1)}" y="${y + 20}" text-anchor="${after ? 'start' : 'end'}">${held}</text>`;
}

/** The SVG markup for `records` (any servers) over the `days` before `now`. */
export function timelineSvg(records: readonly IncidentRecord[], opts: TimelineOptions): string {
  const from = opts.now - opts.days * 86_400_000;
  const span = opts.now - from;
  const x = (t: number): number => LEFT + ((Math.min(Math.max(t, from), opts.now) - from) / span) * (WIDTH - LEFT - 10);
  const shown = records.filter((r) => Date.parse(r.recoveredAt ?? r.updatedAt) >= from);
  const servers = [...new Set(shown.map((r) => r.server))].sort();
  const height = TOP + Math.max(1, servers.length) * ROW + 24;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" class="timeline" viewBox="0 0 ${WIDTH} ${height}" width="100%" role="img" aria-label="Incidents per server over the last ${opts.days} days">`,
  ];
  for (let d = 0; d <= opts.days; d++) {
    const t = from + d * 86_400_000;
    const day = new Date(t).toISOString().slice(5, 10);
    parts.push(
      `<line class="grid" x1="${x(t).toFixed(1)}" y1="${TOP - 6}" x2="${x(t).toFixed(1)}" y2="${height - 20}"/>`,
    );
    const anchor = d === 0 ? 'start' : d === opts.days ? 'end' : 'middle';
    parts.push(`<text class="axis" x="${x(t).toFixed(1)}" y="${height - 6}" text-anchor="${anchor}">${day}</text>`);
  }
  if (!servers.length)
    parts.push(`<text class="empty" x="${LEFT}" y="${TOP + 20}">No incidents in the last ${opts.days} days.</text>`);
  servers.forEach((server, row) => {
    const y = TOP + row * ROW;
    parts.push(`<text class="server" x="8" y="${y + 20}">${esc(server)}</text>`);
    parts.push(`<line class="lane" x1="${LEFT}" y1="${y + 16}" x2="${WIDTH - 10}" y2="${y + 16}"/>`);
    for (const r of shown.filter((i) => i.server === server)) {
      const start = Date.parse(r.startedAt);
      const end = r.recoveredAt ? Date.parse(r.recoveredAt) : r.unfinished ? Date.parse(r.updatedAt) : opts.now;
      const x0 = x(start);
      const w = Math.max(4, x(end) - x0);
      const bad = r.calls.failed + r.calls.ambiguous;
      const tip = esc(incidentTooltip(r));
      parts.push(
        `<g class="incident${bad ? ' failed' : ''}" data-id="${esc(r.id)}" data-tip="${tip}" tabindex="0">` +
          `<title>${tip}</title>` +
          `<rect class="mark cause-${r.cause}" x="${x0.toFixed(1)}" y="${y + 6}" width="${w.toFixed(1)}" height="20" rx="3"/>` +
          (r.calls.held ? countLabel(r.calls.held, x0, w, y) : '') +
          (bad ? `<rect class="failbar" x="${x0.toFixed(1)}" y="${y + 29}" width="${w.toFixed(1)}" height="4"/>` : '') +
          '</g>',
      );
    }
  });
  parts.push('</svg>');
  return parts.join('');
}

/** The legend: cause → colour, for the causes present. */
export function timelineLegend(
  records: readonly IncidentRecord[],
): { cause: LossCause; colour: string; count: number }[] {
  const counts = new Map<LossCause, number>();
  for (const r of records) counts.set(r.cause, (counts.get(r.cause) ?? 0) + 1);
  return [...counts].map(([cause, count]) => ({ cause, colour: CAUSE_COLOURS[cause], count }));
}

/** The page's style rules: colours from the theme (the CSP allows no inline style attributes). */
export function timelineCss(): string {
  return [
    'body { color: var(--vscode-foreground); background: var(--vscode-editor-background); font-family: var(--vscode-font-family); font-size: var(--vscode-font-size); }',
    '.timeline .grid, .timeline .lane { stroke: var(--vscode-editorWidget-border, var(--vscode-panel-border)); stroke-width: 1; }',
    '.timeline .axis, .timeline .count, .timeline .empty { fill: var(--vscode-descriptionForeground); font-size: 11px; }',
    '.timeline .server { fill: var(--vscode-foreground); font-size: 12px; }',
    '.timeline .failbar { fill: var(--vscode-errorForeground); }',
    '.timeline .incident { cursor: pointer; outline: none; }',
    '.timeline .incident:hover .mark, .timeline .incident:focus .mark { stroke: var(--vscode-focusBorder); stroke-width: 2; }',
    ...Object.entries(CAUSE_COLOURS).map(
      ([cause, colour]) => `.cause-${cause} { fill: ${colour}; background: ${colour}; }`,
    ),
    '.legend { display: flex; gap: 12px; flex-wrap: wrap; margin: 8px 0; }',
    '.legend .swatch { display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin-right: 4px; }',
    '#detail { white-space: pre-wrap; font-family: var(--vscode-editor-font-family); background: var(--vscode-editorWidget-background); border: 1px solid var(--vscode-editorWidget-border, transparent); padding: 8px; min-height: 4em; }',
  ].join('\n');
}
