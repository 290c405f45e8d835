// Archon: Show Incident Timeline — a webview with the incidents per server over the last days, drawn
// as SVG (src/core/incidents/timeline-svg.ts). CSP-locked: no remote resources, one nonce for the page's
// style and script; colours from the theme. Made only when the command runs.
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import { timelineCss, timelineLegend, timelineSvg, type IncidentRecord } from '../core/incidents';
import { isOneOf } from '../core/narrow';
import type { IncidentsHost } from './window-incidents';

const DAY_CHOICES = [1, 7, 30] as const;

function esc(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&${{ '&': 'amp', '<': 'lt', '>': 'gt', '"': 'quot', "'": '#39' }[c]};`);
}

export function timelineHtml(
  records: readonly IncidentRecord[],
  days: number,
  cspSource: string,
  now = Date.now(),
): string {
  const nonce = randomBytes(16).toString('base64');
  const shown = records.filter((r) => Date.parse(r.recoveredAt ?? r.updatedAt) >= now - days * 86_400_000);
  const failed = shown.reduce((n, r) => n + r.calls.failed + r.calls.ambiguous, 0);
  const held = shown.reduce((n, r) => n + r.calls.held, 0);
  const legend = timelineLegend(shown)
    .map((l) => `<span><span class="swatch cause-${l.cause}"></span>${esc(l.cause)} (${l.count})</span>`)
    .join('');
  const buttons = DAY_CHOICES.map(
    (d) => `<button data-days="${d}"${d === days ? ' disabled' : ''}>${d === 1 ? '1 day' : `${d} days`}</button>`,
  ).join(' ');
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src ${cspSource} data:; style-src 'nonce-${nonce}'; script-src 'nonce-${nonce}';">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Incident Timeline</title>
<style nonce="${nonce}">${timelineCss()}</style>
</head><body>
<h2>Incidents over the last ${days === 1 ? 'day' : `${days} days`}</h2>
<p id="summary">${shown.length} incident(s); ${held} call(s) held, ${failed} failed or may have run twice. Each mark starts when the server was lost and is as wide as it was down; a red bar under a mark: calls failed.</p>
<div>${buttons} <button data-refresh="1">Refresh</button></div>
<div class="legend">${legend}</div>
${timelineSvg(shown, { now, days })}
<div id="detail" aria-live="polite">Hover or focus a mark to see its record.</div>
<script nonce="${nonce}">
const vscode = acquireVsCodeApi();
const detail = document.getElementById('detail');
for (const g of document.querySelectorAll('.incident')) {
  const show = () => { detail.textContent = g.getAttribute('data-tip'); };
  g.addEventListener('mouseenter', show);
  g.addEventListener('focus', show);
}
for (const b of document.querySelectorAll('button')) {
  b.addEventListener('click', () => vscode.postMessage(b.dataset.refresh ? { refresh: true } : { days: Number(b.dataset.days) }));
}
</script>
</body></html>`;
}

export function registerTimeline(incidents: IncidentsHost): vscode.Disposable[] {
  let panel: vscode.WebviewPanel | undefined;
  let days = 7;
  const render = (): void => {
    if (panel) panel.webview.html = timelineHtml(incidents.list(), days, panel.webview.cspSource);
  };
  const show = async (): Promise<void> => {
    await incidents.refresh();
    if (panel) {
      panel.reveal();
      render();
      return;
    }
    panel = vscode.window.createWebviewPanel(
      'archonMcp.incidentTimeline',
      'Archon: Incident Timeline',
      vscode.ViewColumn.Active,
      {
        enableScripts: true,
        localResourceRoots: [],
        retainContextWhenHidden: false,
      },
    );
    const subs = [
      panel.webview.onDidReceiveMessage((m: { days?: unknown; refresh?: unknown }) => {
        if (isOneOf(DAY_CHOICES, m.days)) days = m.days;
        if (m.refresh) void incidents.refresh();
        else render();
      }),
      incidents.onDidChange(render),
    ];
    panel.onDidDispose(() => {
      for (const s of subs) s.dispose();
      panel = undefined;
    });
    render();
  };
  return [vscode.commands.registerCommand('archonMcp.showIncidentTimeline', show)];
}
