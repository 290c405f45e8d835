// Incidents in the window: the monitor's transitions go to the window's journal; when a window opens,
// what happened while none was open is summarised once (a calm log line when all healed, a
// notification when calls failed or may have run twice); the tree shows each server's last incidents.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { DEFAULT_STATE_DIR } from '../core/defaults';
import { fetchGatewayIncidents } from '../core/gateway';
import {
  IncidentRecorder,
  awaySummary,
  combineOverlapping,
  incidentLine,
  mergeIncidents,
  readJournal,
  transitionEffect,
  type IncidentRecord,
} from '../core/incidents';
import { formatDuration } from '../core/incidents';
import { errorMessage } from '../core/narrow';
import { redactUrl } from '../core/redact';
import type { ServerSnapshot } from '../core/server-state';
import type { DoctorContext } from './context';
import type { DetailNode } from './tree';

const SHOWN_KEY = 'archonMcp.incidentsShown';
/** Ids remembered as shown (the journal keeps at most 500 per folder). */
const SHOWN_CAP = 2000;
/** After the window's gateway had a moment to start (or to find the sidecar on its port). */
const SUMMARY_DELAY_MS = 3000;
const REFRESH_EVERY_MS = 30_000;
const TREE_DAYS = 7;
const TREE_LAST = 5;

export class IncidentsHost implements vscode.Disposable {
  readonly recorder: IncidentRecorder;
  private cache: IncidentRecord[] = [];
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly unsubscribe: (() => void)[] = [];
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;
  /** The last summary (for tests through the API, and the report). */
  lastSummary: string | undefined;

  constructor(private readonly ctx: DoctorContext) {
    this.recorder = new IncidentRecorder({
      seenBy: 'window',
      stateDir: this.folders()[0],
      onProblem: (m) => ctx.log.warn(`incidents: ${m}`),
    });
    this.recorder.load();
    this.unsubscribe.push(
      ctx.fleet.onDidChange((snapshot, t) => {
        if (snapshot && t) this.recorder.apply(snapshot.name, transitionEffect(t), t.at);
      }),
      this.recorder.onChange(() => void this.refresh()),
    );
    const every = setInterval(() => void this.refresh(), REFRESH_EVERY_MS);
    every.unref();
    this.timers.push(every);
  }

  /** The journals this machine's observers keep: the window's monitor, the window's gateway, `proxy`'s default. */
  private folders(): string[] {
    const storage = this.ctx.extension.globalStorageUri.fsPath;
    return [path.join(storage, 'incidents'), path.join(storage, 'gateway'), DEFAULT_STATE_DIR];
  }

  /** Every incident known here: the journals and a running gateway or sidecar, one copy each; oldest first. */
  async load(): Promise<IncidentRecord[]> {
    const lists: IncidentRecord[][] = [this.recorder.list()];
    for (const dir of this.folders()) {
      const read = await readJournal(dir);
      for (const p of read.problems) this.ctx.log.warn(`incidents: ${p}`);
      lists.push(read.incidents);
    }
    if (this.ctx.settings.gateway.enabled !== false) {
      const live = await fetchGatewayIncidents(`http://127.0.0.1:${this.ctx.settings.gateway.port}`, 1500);
      if (typeof live !== 'string') lists.push(live);
    }
    return mergeIncidents(lists);
  }

  async refresh(): Promise<void> {
    try {
      this.cache = combineOverlapping(await this.load());
      this.changed.fire();
      this.ctx.scheduleRender();
    } catch (err) {
      this.ctx.log.warn(`incidents: ${errorMessage(err)}`);
    }
  }

  /** Outages combined (one per outage), oldest first, as last loaded. */
  list(): IncidentRecord[] {
    return this.cache;
  }

  /** Once per window: what happened while no window was open. */
  scheduleAwaySummary(): void {
    const t = setTimeout(() => void this.summariseAway(), SUMMARY_DELAY_MS);
    t.unref();
    this.timers.push(t);
  }

  async summariseAway(): Promise<void> {
    const all = await this.load();
    const shown = new Set(this.ctx.extension.globalState.get<string[]>(SHOWN_KEY, []));
    const summary = awaySummary(all, shown);
    this.cache = combineOverlapping(all);
    this.ctx.scheduleRender();
    if (!summary) return;
    this.lastSummary = summary.message;
    const remembered = [...shown, ...summary.ids].slice(-SHOWN_CAP);
    await this.ctx.extension.globalState.update(SHOWN_KEY, remembered);
    for (const r of summary.incidents) this.ctx.log.info(`incident: ${incidentLine(r)}`);
    if (!summary.needsAttention) {
      this.ctx.log.info(summary.message);
      return;
    }
    this.ctx.log.warn(summary.message);
    const choice = await vscode.window.showWarningMessage(
      `Archon MCP: ${summary.message}`,
      'Show Timeline',
      'Show Log',
    );
    if (choice === 'Show Timeline') void vscode.commands.executeCommand('archonMcp.showIncidentTimeline');
    else if (choice === 'Show Log') this.ctx.channel.show(true);
  }

  /**
   * The tree's "Incidents" node under a server: the last few of the past week. A gateway names a server
   * as its `--name` says (`archon`): records match by name, any case, or by the upstream URL.
   */
  treeNodes(snapshot: ServerSnapshot): DetailNode[] {
    const server = snapshot.name;
    const since = Date.now() - TREE_DAYS * 86_400_000;
    const ours = (r: IncidentRecord): boolean =>
      r.server.toLowerCase() === server.toLowerCase() ||
      (r.upstream !== undefined && r.upstream === redactUrl(snapshot.url));
    const mine = this.cache.filter((r) => ours(r) && Date.parse(r.recoveredAt ?? r.updatedAt) >= since);
    if (!mine.length) return [];
    const bad = mine.some((r) => r.calls.failed + r.calls.ambiguous > 0);
    const last = mine[mine.length - 1];
    return [
      {
        kind: 'detail',
        id: `${server}/incidents`,
        label: 'Incidents',
        icon: 'history',
        tone: bad ? 'warning' : undefined,
        description: `${mine.length} in ${TREE_DAYS} days · last ${last.label ?? last.cause}, down ${formatDuration(last.downtimeMs ?? 0)}`,
        tooltip: 'Archon: Show Incident Timeline draws them',
        children: mine
          .slice(-TREE_LAST)
          .reverse()
          .map((r) => ({
            kind: 'detail',
            id: `${server}/incident/${r.id}`,
            label: `${r.startedAt.slice(5, 16).replace('T', ' ')} ${r.label ?? r.cause}`,
            description: `down ${formatDuration(r.downtimeMs ?? 0)} · ${r.calls.held} held, ${r.calls.failed + r.calls.ambiguous} failed`,
            tooltip: incidentLine(r),
            icon: r.calls.failed + r.calls.ambiguous ? 'warning' : 'pass',
            tone: r.calls.failed + r.calls.ambiguous ? 'warning' : undefined,
          })),
      },
    ];
  }

  /** The diagnostics report's section: the last incidents, and where to see them drawn. */
  reportSection(): string {
    const recent = this.cache.slice(-10);
    return [
      '## Incidents',
      '',
      `${this.cache.length} incident(s) kept. Run **Archon: Show Incident Timeline** (\`archonMcp.showIncidentTimeline\`) to see them on a timeline; \`archon-mcp-doctor incidents\` lists them in a terminal.`,
      '',
      ...(recent.length ? recent.map((r) => `- ${incidentLine(r)}`) : ['- none']),
    ].join('\n');
  }

  dispose(): void {
    for (const t of this.timers) clearTimeout(t);
    for (const u of this.unsubscribe) u();
    this.changed.dispose();
    void this.recorder.stop();
  }
}
