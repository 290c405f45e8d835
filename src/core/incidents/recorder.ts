// Keeps the open incident per server, applies effects to it, and writes every change to the journal.
// The one entry point for whoever observes a server: the gateway (its events), the window (monitor
// transitions) and the stdio supervisor (IncidentSink, see docs/incidents.md).
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { redactText, redactUrl } from '../redact';
import type { Evidence, LossCause } from '../server-state';
import type { IncidentEffect } from './effects';
import { boundIncidents, IncidentJournal } from './journal';
import {
  noCalls,
  type IncidentCalls,
  type IncidentHealKind,
  type IncidentObserver,
  type IncidentRecord,
} from './incident';

/** After the server answers again, more failures within this long belong to the same incident. */
export const INCIDENT_QUIET_MS = 15_000;
/** An incident a killed recorder left open is continued when the same server fails again within this long. */
export const ADOPT_WITHIN_MS = 5 * 60_000;
const MAX_EVIDENCE = 8;
/** At most this many closed records are held in memory (the journal on disk keeps more). */
const MEMORY_CAP = 200;

/** What a stdio supervisor (or any other observer) calls: a small, stable interface. */
export interface IncidentSink {
  /** The server failed: opens an incident (or makes the open one's cause clearer). */
  failed(server: string, input: { at?: string; cause?: LossCause; label?: string; evidence?: Evidence[] }): void;
  /** One call met the incident: counts it. `heal` names how it was healed, when it was. */
  call(server: string, outcome: keyof IncidentCalls, heal?: IncidentHealKind): void;
  /** The server answers again: the incident closes after a quiet period. */
  recovered(server: string, at?: string): void;
  /** A whole incident at once (a supervisor that kept its own account). Returns its id. */
  recordIncident(record: Omit<IncidentRecord, 'id' | 'seenBy' | 'updatedAt'> & { id?: string }): string;
}

export interface IncidentRecorderOptions {
  seenBy: IncidentObserver;
  /** The state folder; none: records live only in memory. */
  stateDir?: string;
  /** How the journal's problems (a damaged file set aside) are reported. */
  onProblem?: (message: string) => void;
  /** The upstream of a server as users know it, credentials removed. */
  upstreamOf?: (server: string) => string | undefined;
  quietMs?: number;
}

interface Open {
  record: IncidentRecord;
  closeTimer?: NodeJS.Timeout;
}

export class IncidentRecorder implements IncidentSink {
  private readonly journal: IncidentJournal;
  private readonly open = new Map<string, Open>();
  /** Incidents a previous run of this observer left open (it was killed): continued or marked unfinished. */
  private readonly orphans = new Map<string, IncidentRecord>();
  private closed: IncidentRecord[] = [];
  private readonly events = new EventEmitter();
  private orphanTimer?: NodeJS.Timeout;

  constructor(private readonly opts: IncidentRecorderOptions) {
    this.journal = new IncidentJournal(opts.stateDir, opts.onProblem ?? (() => undefined));
  }

  /** Reads the journal. Open records this observer left behind are kept to be continued. */
  load(now = Date.now()): void {
    const all = this.journal.load();
    const done: IncidentRecord[] = [];
    for (const r of all) {
      if (r.recoveredAt === undefined && !r.unfinished && r.seenBy === this.opts.seenBy) {
        if (now - Date.parse(r.updatedAt) < ADOPT_WITHIN_MS) this.orphans.set(r.server, r);
        else this.abandon(r);
      } else done.push(r);
    }
    this.closed = done.slice(-MEMORY_CAP);
    if (this.orphans.size) {
      this.orphanTimer = setTimeout(() => {
        for (const r of this.orphans.values()) this.abandon(r);
        this.orphans.clear();
      }, ADOPT_WITHIN_MS);
      this.orphanTimer.unref();
    }
  }

  private abandon(r: IncidentRecord): void {
    const done = { ...r, unfinished: true, updatedAt: new Date().toISOString() };
    this.closed.push(done);
    this.journal.put(done);
  }

  /** Applies one effect (from gatewayEventEffect or transitionEffect) at `at`. */
  apply(server: string, effect: IncidentEffect | undefined, at = new Date().toISOString()): void {
    if (!effect) return;
    let o = this.open.get(server);
    const atMs = Date.parse(at);
    const startedAt = new Date(atMs - Math.max(0, effect.startedBeforeMs ?? 0)).toISOString();
    // The server answered again and now breaks anew: that is the next incident, not more of this one —
    // whether the gateway says so first (upstream-down) or a call that began after the recovery does.
    const recoveredAt = o?.record.recoveredAt ? Date.parse(o.record.recoveredAt) : undefined;
    const breaksAnew = effect.newOutage
      ? atMs > (recoveredAt ?? Infinity)
      : !!effect.begin && !effect.recovered && Date.parse(startedAt) > (recoveredAt ?? Infinity);
    if (o && breaksAnew) {
      this.close(o);
      o = undefined;
    }
    if (!o && effect.onlyIfOpen) return;
    if (!o && !effect.begin && !effect.calls?.length && !effect.heal) return;
    if (!o) o = this.start(server, startedAt, effect.begin?.cause ?? 'unknown');
    const r = o.record;
    if (Date.parse(startedAt) < Date.parse(r.startedAt)) r.startedAt = startedAt;
    if (effect.begin) {
      const b = effect.begin;
      // A specific cause replaces `unknown`; a refined one replaces any.
      if (r.cause === 'unknown' || b.refined || (b.cause !== 'unknown' && r.cause === 'process-restart')) {
        if (b.cause !== 'unknown' || r.cause === 'unknown') {
          r.cause = b.cause;
          if (b.label) r.label = b.label;
          else delete r.label;
        }
      }
      const fresh = b.evidence
        .map(clean)
        .filter((e) => !r.evidence.some((k) => k.at === e.at && k.detail === e.detail));
      r.evidence = [...r.evidence, ...fresh].slice(-MAX_EVIDENCE);
    }
    for (const c of effect.calls ?? []) r.calls[c]++;
    if (effect.heal) r.heals[effect.heal] = (r.heals[effect.heal] ?? 0) + 1;
    if (effect.recovered) this.markRecovered(o, at);
    this.changed(r, at);
  }

  failed(server: string, input: { at?: string; cause?: LossCause; label?: string; evidence?: Evidence[] }): void {
    const at = input.at ?? new Date().toISOString();
    this.apply(
      server,
      {
        begin: {
          cause: input.cause ?? 'unknown',
          label: input.label,
          evidence: input.evidence ?? [],
          refined: input.cause !== undefined,
        },
      },
      at,
    );
  }

  call(server: string, outcome: keyof IncidentCalls, heal?: IncidentHealKind): void {
    this.apply(server, { calls: [outcome], heal });
  }

  recovered(server: string, at?: string): void {
    this.apply(server, { recovered: true, onlyIfOpen: true }, at);
  }

  recordIncident(input: Omit<IncidentRecord, 'id' | 'seenBy' | 'updatedAt'> & { id?: string }): string {
    const record: IncidentRecord = {
      ...input,
      id: input.id ?? `${this.opts.seenBy}-${randomUUID()}`,
      seenBy: this.opts.seenBy,
      calls: { ...noCalls(), ...input.calls },
      heals: { ...input.heals },
      evidence: input.evidence.slice(-MAX_EVIDENCE).map(clean),
      updatedAt: new Date().toISOString(),
    };
    if (record.recoveredAt)
      record.downtimeMs = Math.max(0, Date.parse(record.recoveredAt) - Date.parse(record.startedAt));
    this.closed.push(record);
    this.trim();
    this.journal.put(record);
    this.events.emit('change', record);
    return record.id;
  }

  /** Every record this recorder knows (the journal's and its own), oldest first. */
  list(): IncidentRecord[] {
    return boundIncidents([
      ...this.closed,
      ...this.orphans.values(),
      ...[...this.open.values()].map((o) => o.record),
    ]).map(copy);
  }

  /** Fires with a copy of a record each time one changes. */
  onChange(listener: (record: IncidentRecord) => void): () => void {
    this.events.on('change', listener);
    return () => this.events.off('change', listener);
  }

  /** Closes nothing (open incidents stay open on disk: a restarted observer continues them); waits for the writes. */
  async stop(): Promise<void> {
    for (const o of this.open.values()) if (o.closeTimer) clearTimeout(o.closeTimer);
    if (this.orphanTimer) clearTimeout(this.orphanTimer);
    for (const o of this.open.values()) if (o.record.recoveredAt) this.close(o);
    await this.journal.flush();
  }

  async flush(): Promise<void> {
    await this.journal.flush();
  }

  private start(server: string, startedAt: string, cause: LossCause): Open {
    const orphan = this.orphans.get(server);
    this.orphans.delete(server);
    const record: IncidentRecord = orphan ?? {
      id: `${this.opts.seenBy}-${randomUUID()}`,
      server,
      ...(this.opts.upstreamOf?.(server) ? { upstream: this.opts.upstreamOf(server) } : {}),
      seenBy: this.opts.seenBy,
      startedAt,
      cause,
      evidence: [],
      calls: noCalls(),
      heals: {},
      updatedAt: startedAt,
    };
    const o: Open = { record };
    this.open.set(server, o);
    return o;
  }

  private markRecovered(o: Open, at: string): void {
    const r = o.record;
    if (!r.recoveredAt || Date.parse(at) > Date.parse(r.recoveredAt)) r.recoveredAt = at;
    r.downtimeMs = Math.max(0, Date.parse(r.recoveredAt) - Date.parse(r.startedAt));
    if (o.closeTimer) clearTimeout(o.closeTimer);
    o.closeTimer = setTimeout(() => this.close(o), this.opts.quietMs ?? INCIDENT_QUIET_MS);
    o.closeTimer.unref();
  }

  private close(o: Open): void {
    if (o.closeTimer) clearTimeout(o.closeTimer);
    if (this.open.get(o.record.server) !== o) return;
    this.open.delete(o.record.server);
    this.closed.push(o.record);
    this.trim();
    this.changed(o.record, new Date().toISOString());
  }

  private trim(): void {
    if (this.closed.length > MEMORY_CAP) this.closed = this.closed.slice(-MEMORY_CAP);
  }

  private changed(r: IncidentRecord, at?: string): void {
    void at;
    r.updatedAt = new Date().toISOString();
    const c = copy(r);
    this.journal.put(c);
    this.events.emit('change', c);
  }
}

function copy(r: IncidentRecord): IncidentRecord {
  return { ...r, calls: { ...r.calls }, heals: { ...r.heals }, evidence: [...r.evidence] };
}

/** Evidence is kept and shown: no credentials in it (a URL's user info, a token in a message). */
function clean(e: Evidence): Evidence {
  return { ...e, detail: redactText(e.detail.replace(/\bhttps?:\/\/[^\s"'<>)]+/g, (url) => redactUrl(url))) };
}
