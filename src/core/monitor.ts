// Watches one MCP server: connects, pings, classifies failures, heals, and keeps the snapshot.
import { createBackoff, type BackoffPolicy } from './backoff';
import { classifyError } from './classify';
import { describeDiscoverChange, openConnection, type Connection, type ProbeResult } from './mcp-connection';
import { whyDown } from './down';
import { discoverChangeEvidence, EvidenceLog, type LossDiagnosis } from './evidence';
import { portAccepts, probeHealth } from './health';
import { silentLogger, type Logger } from './logger';
import { errorMessage } from './narrow';
import {
  healRoute,
  isUpState,
  step,
  type ConnectedHow,
  type FailureVia,
  type HeldConnection,
  type MonitorEffect,
  type MonitorEvent,
  type Step,
} from './monitor-machine';
import { failureRecord, PatternTracker } from './patterns';
import { shortenSessionId } from './redact';
import type { SessionStore } from './session-store';
import type {
  Evidence,
  Failure,
  FailureRecord,
  HealthInfo,
  LossRecord,
  MonitorOptions,
  ProtocolEra,
  ServerConfig,
  ServerSnapshot,
  ServerState,
  SnapshotSections,
  Transition,
  TransitionReason,
} from './server-state';

const MAX_TRANSITIONS = 50;
/** The default backoff holds no state: one for every monitor (issue 21: two closures less per server). */
const DEFAULT_BACKOFF = createBackoff();

/** A later, better diagnosis replaces an earlier one only within this time of the loss. */
const REFINE_WINDOW_MS = 2 * 60_000;

export interface MonitorDeps {
  store?: SessionStore;
  logger?: Logger;
  /** Headers that must not live in settings (Authorization from secret storage), read at every connect. */
  secretHeaders?: () => Promise<Record<string, string>>;
  /** Explains a session loss from evidence other watchers hold (Docker events). */
  diagnoseLoss?: (atMs: number) => LossDiagnosis | undefined;
  backoff?: BackoffPolicy;
}

export type SnapshotListener = (snapshot: ServerSnapshot, transition?: Transition) => void;

/** What a transition record carries besides its states and reason. */
interface TransitionDetail {
  failure?: Failure;
  evidence?: Evidence[];
  loss?: LossRecord;
}

/** A restart of a server that keeps no protocol session: an incident on the loss path, though no session was lost. */
function sessionlessRestart(detail: string): Failure {
  return {
    kind: 'unknown-session',
    message: `The server restarted (${detail}); it keeps no protocol session, so only requests in flight were lost.`,
  };
}

function heldKind(conn: Connection | undefined): HeldConnection {
  if (!conn) return 'none';
  if (!conn.sessionId) return 'sessionless';
  return conn.kind === 'streamable-http' ? 'resumable-session' : 'session';
}

function iso(ms = Date.now()): string {
  return new Date(ms).toISOString();
}

export class ServerMonitor {
  readonly snapshot: ServerSnapshot;
  private conn?: Connection;
  /**
   * The session we still hold while a heal attempt failed because the server did not answer (the
   * connection is dropped, the session may be alive): the next heal resumes it, or records its loss.
   * On a server without sessions: the connection it had, whose identity tells the next heal of a restart.
   */
  private heldSession?: Connection;
  private timer?: NodeJS.Timeout;
  private queue: Promise<void> = Promise.resolve();
  /** Bumped by stop() and reconnect(): work started under an older epoch drops its results. */
  private epoch = 0;
  private running = false;
  private outageStartedAt?: number;
  private outageProbes = 0;
  /** When the heal under way began, for its duration. */
  private healStartedAt?: number;
  private checkQueued = false;
  /**
   * The era this server negotiated, reused on heals (a 2025 server then skips the discover probe).
   * Forgotten when the server answers in another era and when a person asks for a fresh connection.
   */
  private knownEra?: ProtocolEra;
  private readonly patterns = new PatternTracker();
  private readonly evidence = new EvidenceLog();
  /** Made at the first subscription: a monitor nobody listens to (the CLI's) keeps no set. */
  private listeners?: Set<SnapshotListener>;
  private readonly log: Logger;
  private readonly backoff: BackoffPolicy;
  /** When this monitor started watching (the window opened): older container deaths were not seen. */
  private readonly watchingSinceMs = Date.now();

  constructor(
    readonly config: ServerConfig,
    private options: MonitorOptions,
    private readonly deps: MonitorDeps = {},
  ) {
    this.log = deps.logger ?? silentLogger;
    this.backoff = deps.backoff ?? DEFAULT_BACKOFF;
    this.snapshot = {
      name: config.name,
      url: config.url,
      configuredTransport: config.transport,
      state: 'connecting',
      stateSince: iso(),
      heals: 0,
      healAttempts: 0,
      transitions: [],
      patterns: [],
    };
  }

  onDidChange(listener: SnapshotListener): () => void {
    const listeners = (this.listeners ??= new Set());
    listeners.add(listener);
    return () => listeners.delete(listener);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    const epoch = this.epoch;
    this.enqueue(epoch, () => this.connectFirst(epoch));
  }

  async stop(): Promise<void> {
    this.running = false;
    this.epoch++;
    clearTimeout(this.timer);
    const conn = this.conn;
    this.conn = undefined;
    this.heldSession = undefined;
    await conn?.close();
    await this.queue;
  }

  updateOptions(options: MonitorOptions): void {
    const intervalChanged = options.pingIntervalMs !== this.options.pingIntervalMs;
    this.options = options;
    if (intervalChanged && this.isUp()) this.schedulePing(this.epoch);
  }

  /** A person asked for a fresh connection: drop the session, reset the heal budget, connect again. */
  reconnect(reason = 'reconnect requested'): Promise<void> {
    this.running = true;
    const epoch = ++this.epoch;
    clearTimeout(this.timer);
    this.outageStartedAt = undefined;
    this.heldSession = undefined;
    this.knownEra = undefined;
    const userEvidence = this.evidence.add('user', reason);
    return this.enqueue(epoch, async () => {
      this.healStartedAt = Date.now();
      await this.dispatch(epoch, { type: 'user-reconnect' }, { evidence: [userEvidence] });
    });
  }

  /** Something outside suggests the server may have changed (a stream broke, a container event): look now. */
  checkNow(reason: string): void {
    if (!this.running || this.checkQueued) return;
    const epoch = this.epoch;
    this.log.debug(`${this.config.name}: checking now (${reason})`);
    if (this.snapshot.state === 'unreachable') {
      clearTimeout(this.timer);
      this.enqueue(epoch, () => this.probe(epoch));
    } else if (this.isUp()) {
      this.checkQueued = true;
      clearTimeout(this.timer);
      this.enqueue(epoch, async () => {
        this.checkQueued = false;
        await this.ping(epoch);
      });
    }
  }

  /** Another watcher knows the session is gone (the container died or started): heal without waiting for a ping. */
  signalSessionLost(evidence: Evidence, diagnosis?: LossDiagnosis): void {
    if (!this.running) return;
    this.addEvidence(evidence.source, evidence.detail, evidence.at);
    const epoch = this.epoch;
    if (!this.isUp() && this.snapshot.state !== 'connecting') {
      if (this.snapshot.state === 'unreachable') {
        // The server went away first (its connections broke), the container's death came after:
        // the session we still hold died with it, and a server without sessions went down all the
        // same (an incident either way). Record the loss now, not at the next heal.
        this.enqueue(epoch, async () => {
          const held = this.conn?.sessionId ? this.conn : (this.heldSession ?? this.conn);
          if (this.snapshot.state !== 'unreachable' || !held) return;
          this.heldSession = undefined;
          await this.dropConnection();
          const failure: Failure = held.sessionId
            ? { kind: 'unknown-session', message: `The server lost its session: ${evidence.detail}.` }
            : sessionlessRestart(evidence.detail);
          this.snapshot.lastFailure = failureRecord(
            failure,
            iso(),
            held.sessionId,
            this.evidence.estimatedUptimeSeconds(Date.now()),
          );
          await this.dispatch(
            epoch,
            { type: 'failed', failure, via: 'container-died' },
            this.lossDetail(failure, diagnosis ?? this.diagnose(Date.now())),
          );
        });
      }
      this.checkNow(evidence.detail);
      return;
    }
    clearTimeout(this.timer);
    this.enqueue(epoch, async () => {
      if (!this.isUp()) return;
      const failure: Failure =
        this.conn && !this.conn.sessionId
          ? sessionlessRestart(evidence.detail)
          : { kind: 'unknown-session', message: `The server lost its session: ${evidence.detail}.` };
      await this.fail(epoch, failure, 'container-died', diagnosis);
    });
  }

  /** Attaches evidence from another watcher so that the next diagnosis can use it. */
  addEvidence(source: Evidence['source'], detail: string, at = iso()): void {
    this.evidence.add(source, detail, at);
  }

  /** Lets other watchers (Docker, gateway) set their section of this server's snapshot. */
  setSection<K extends keyof SnapshotSections>(key: K, value: SnapshotSections[K]): void {
    const sections: SnapshotSections = this.snapshot;
    if (value === undefined) delete sections[key];
    else sections[key] = value;
    this.emit();
  }

  /** Lets other watchers report a pattern; it is announced once per episode. */
  reportPattern(id: string, title: string, detail: string): void {
    if (this.patterns.sight(id, title, detail, Date.now())) this.announcePattern(title, detail);
    this.snapshot.patterns = this.patterns.active(Date.now());
    this.emit();
  }

  recentFailures(): readonly FailureRecord[] {
    return this.patterns.recentFailures();
  }

  // ---- the work, always run one piece at a time through the queue ----

  private enqueue(epoch: number, work: () => Promise<void>): Promise<void> {
    const next = this.queue.then(async () => {
      if (epoch !== this.epoch || !this.running) return;
      try {
        await work();
      } catch (err) {
        this.log.error(`${this.config.name}: internal error: ${(err instanceof Error ? err.stack : undefined) ?? err}`);
      }
    });
    this.queue = next;
    return next;
  }

  private schedule(epoch: number, delayMs: number, work: () => Promise<void>): void {
    clearTimeout(this.timer);
    if (!this.running || epoch !== this.epoch) return;
    this.timer = setTimeout(() => void this.enqueue(epoch, work), delayMs);
  }

  /**
   * The wait between pings, where a healthy monitor spends its life, holds no closures: the timer
   * carries the monitor and its epoch (issue 21: two closures and their contexts, 200 bytes a server).
   */
  private schedulePing(epoch: number): void {
    clearTimeout(this.timer);
    if (!this.isCurrent(epoch)) return;
    this.timer = setTimeout(ServerMonitor.pingLater, this.options.pingIntervalMs, this, epoch);
  }

  private static pingLater(this: void, m: ServerMonitor, epoch: number): void {
    void m.enqueue(epoch, () => m.ping(epoch));
  }

  private isCurrent(epoch: number): boolean {
    return this.running && epoch === this.epoch;
  }

  private isUp(): boolean {
    return isUpState(this.snapshot.state);
  }

  /** Runs one event through the state machine, records its transition, then does what it asks. */
  private async dispatch(epoch: number, event: MonitorEvent, detail: TransitionDetail = {}): Promise<Step> {
    const s = this.snapshot;
    const result = step({ state: s.state, healAttempts: s.healAttempts }, event, this.options);
    s.healAttempts = result.next.healAttempts;
    if (result.reason) this.transition(result.next.state, result.reason, detail);
    for (const effect of result.effects) {
      if (!this.isCurrent(epoch)) break;
      await this.run(epoch, effect, detail);
    }
    return result;
  }

  private async run(epoch: number, effect: MonitorEffect, detail: TransitionDetail): Promise<void> {
    switch (effect.type) {
      case 'drop-connection':
        return this.dropConnection();
      case 'schedule-ping':
        // The first latency soon, rather than a whole interval later.
        if (effect.soon) this.schedule(epoch, Math.min(this.options.pingIntervalMs, 1_000), () => this.ping(epoch));
        else this.schedulePing(epoch);
        return;
      case 'read-health':
        // A baseline uptime right away, so that a restart before the first ping is still recognised.
        if (this.config.healthUrl) {
          void this.probeHealthNow().then((health) => {
            if (!this.isCurrent(epoch)) return;
            this.recordHealth(health);
            this.emit();
          });
        }
        return;
      case 'probe-outage':
        return this.startOutage(epoch);
      case 'heal':
        return this.heal(epoch);
      case 'heal-fresh': {
        if (effect.attempt === undefined)
          return this.healFresh(epoch, this.healStartedAt ?? Date.now(), 'reinitialized');
        const delay = this.backoff.healRetryDelayMs(effect.attempt);
        this.log.info(
          `${this.config.name}: heal attempt ${effect.attempt + 1} of ${this.options.maxAutoHealAttempts} in ${(delay / 1000).toFixed(1)} s`,
        );
        this.schedule(epoch, delay, () => this.healFresh(epoch, Date.now(), 'reinitialized'));
        return;
      }
      case 'then':
        // A give-up is explained by the failure that led to it; other follow-ups start afresh.
        await this.dispatch(
          epoch,
          effect.event,
          effect.event.type === 'give-up' ? { failure: detail.failure, evidence: detail.evidence } : {},
        );
    }
  }

  private async headers(): Promise<Record<string, string>> {
    const secret = await this.deps.secretHeaders?.().catch(() => ({}));
    return { ...this.config.headers, ...secret };
  }

  private async connectFirst(epoch: number): Promise<void> {
    const started = Date.now();
    const stored = this.deps.store?.load(this.config.url);
    if (stored && stored.transport === 'streamable-http' && this.config.transport !== 'sse') {
      try {
        const conn = await this.open(epoch, { sessionId: stored.sessionId, protocolVersion: stored.protocolVersion });
        if (!conn) return;
        conn.serverInfo ??= stored.serverInfo;
        this.log.info(
          `${this.config.name}: resumed session ${shortenSessionId(stored.sessionId)} from before the reload`,
        );
        return await this.becameHealthy(epoch, conn, 'resumed', started);
      } catch (err) {
        if (!this.isCurrent(epoch)) return;
        const failure = classifyError(err, { holdingSession: true });
        this.log.info(
          `${this.config.name}: the stored session ${shortenSessionId(stored.sessionId)} is no longer valid (${failure.message}); starting a new one`,
        );
        this.deps.store?.save(this.config.url, undefined);
      }
    }
    await this.healFresh(epoch, started, 'connected');
  }

  private async open(
    epoch: number,
    resume?: { sessionId: string; protocolVersion?: string },
  ): Promise<Connection | undefined> {
    const conn = await openConnection({
      url: this.config.url,
      transport: resume ? 'streamable-http' : this.config.transport,
      headers: await this.headers(),
      timeoutMs: this.options.pingTimeoutMs,
      resume,
      knownEra: this.knownEra,
      onStreamError: this.streamErrorHandler(epoch),
    });
    if (!this.isCurrent(epoch)) {
      await conn.close();
      return undefined;
    }
    return conn;
  }

  /**
   * Not an arrow in the options literal: where names are kept (tsx, which the tests and benches run
   * under) such an arrow gets a `name` property of its own, a dictionary and a map: 300 bytes per
   * watched server (issue 21). An arrow returned from here has no name to keep.
   */
  private streamErrorHandler(epoch: number): (err: Error) => void {
    return (err) => this.onStreamError(epoch, err);
  }

  private onStreamError(epoch: number, err: Error): void {
    if (epoch !== this.epoch) return;
    const failure = classifyError(err, { holdingSession: true });
    // Only a broken push stream tells us something; other errors show up on the next request.
    if (failure.kind !== 'unreachable') return;
    this.log.debug(`${this.config.name}: push stream broke (${err.message})`);
    if (this.conn?.kind === 'sse') {
      // A legacy SSE session lives on its stream: once it breaks, the session is gone.
      this.enqueue(epoch, async () => {
        if (this.isUp()) await this.fail(epoch, failure, 'stream-broke');
      });
    } else {
      this.checkNow('push stream broke');
    }
  }

  private async ping(epoch: number): Promise<void> {
    const conn = this.conn;
    // A ping queued while up (a broken stream's check, the timer) that runs after a failure took the
    // server down would only fail again on the same dead connection: the outage's probes take over.
    if (!conn || !this.isUp()) return;
    const started = performance.now();
    let probed: ProbeResult | undefined;
    const [pinged, health] = await Promise.all([
      conn.probe(this.options.pingTimeoutMs).then(
        (r) => {
          probed = r;
        },
        (err: unknown) => err ?? new Error('ping failed'),
      ),
      this.config.healthUrl ? this.probeHealthNow() : Promise.resolve(undefined),
    ]);
    if (!this.isCurrent(epoch)) return;
    const latencyMs = Math.round((performance.now() - started) * 10) / 10;
    const uptimeDrop = health ? this.recordHealth(health) : undefined;
    if (pinged !== undefined) {
      await this.fail(epoch, classifyError(pinged, { holdingSession: Boolean(conn.sessionId) }), 'ping-failed');
      return;
    }
    // A server without protocol sessions answers right after a restart: only other signs show it.
    const restart = conn.sessionId ? undefined : (uptimeDrop?.detail ?? probed?.discoverChanged);
    if (restart) {
      if (probed?.discoverChanged) this.addEvidence('mcp', discoverChangeEvidence(probed.discoverChanged));
      await this.fail(epoch, sessionlessRestart(restart), 'server-restarted');
      return;
    }
    this.snapshot.lastPing = { at: iso(), latencyMs };
    const slow = latencyMs > this.options.degradedLatencyMs;
    const result = await this.dispatch(
      epoch,
      { type: 'ping-ok', slow },
      slow ? { evidence: [{ at: iso(), source: 'mcp', detail: `ping took ${latencyMs} ms` }] } : {},
    );
    if (!result.reason) this.emit();
  }

  private async probeHealthNow() {
    return probeHealth(this.config.healthUrl!, Math.min(this.options.pingTimeoutMs, 2_000), await this.headers());
  }

  /** Keeps the reading; returns the evidence of a restart when the uptime dropped. */
  private recordHealth(health: HealthInfo): Evidence | undefined {
    this.snapshot.health = health;
    return this.evidence.recordHealth(health);
  }

  private diagnose(now: number): LossDiagnosis {
    return this.evidence.diagnose(now, this.deps.diagnoseLoss?.(now));
  }

  /** Diagnoses with a fresh uptime reading: it tells a process restart from a loss on a running server. */
  private async diagnoseNow(epoch: number): Promise<LossDiagnosis> {
    if (this.config.healthUrl) {
      const health = await this.probeHealthNow();
      if (this.isCurrent(epoch)) this.recordHealth(health);
    }
    return this.diagnose(Date.now());
  }

  /** Records a session loss as the snapshot's latest; the transition into `session-lost` carries it. */
  private lossDetail(failure: Failure, diagnosis: LossDiagnosis): TransitionDetail {
    const at = iso();
    const evidence = [...diagnosis.evidence, { at, source: 'mcp' as const, detail: failure.message }];
    const loss: LossRecord = { at, cause: diagnosis.cause, label: diagnosis.label, evidence };
    this.snapshot.lastLoss = loss;
    return { failure, evidence, loss: { ...loss } };
  }

  /**
   * Replaces the cause of the latest session loss when later evidence explains it better (a `docker
   * restart` is only told apart from a stop by the events that follow the container's death).
   */
  refineLoss(diagnosis: LossDiagnosis): void {
    const loss = this.snapshot.lastLoss;
    if (!loss || Date.now() - Date.parse(loss.at) > REFINE_WINDOW_MS) return;
    if (loss.cause === diagnosis.cause && loss.label === diagnosis.label) return;
    const seen = new Set(loss.evidence.map((e) => `${e.at}|${e.detail}`));
    const evidence = [...loss.evidence, ...diagnosis.evidence.filter((e) => !seen.has(`${e.at}|${e.detail}`))].sort(
      (a, b) => a.at.localeCompare(b.at),
    );
    this.log.info(
      `${this.config.name}: the session loss at ${loss.at.slice(11, 19)} was a ${diagnosis.label ?? diagnosis.cause} (first thought: ${loss.label ?? loss.cause})`,
    );
    Object.assign(loss, { cause: diagnosis.cause, label: diagnosis.label, evidence });
    const t = [...this.snapshot.transitions].reverse().find((x) => x.to === 'session-lost' && x.at >= loss.at);
    if (t) Object.assign(t, { loss: { ...loss }, evidence });
    this.emit(t ? { ...t, refined: true } : undefined);
  }

  /** Bookkeeping for a failed exchange (the failure log, patterns, a loss's diagnosis), then the state machine decides. */
  private async fail(epoch: number, failure: Failure, via: FailureVia, given?: LossDiagnosis): Promise<void> {
    // The server answers in another protocol era: the remembered one must not be offered again.
    if (failure.kind === 'era-mismatch') this.knownEra = undefined;
    if (via === 'heal-failed' && (failure.kind === 'unreachable' || failure.kind === 'unknown-session')) {
      // Still away while healing: one record per outage, not one per probe.
      const evidence: Evidence = { at: iso(), source: 'mcp', detail: failure.message };
      if (this.snapshot.state !== 'unreachable') {
        this.snapshot.lastFailure = failureRecord(failure, evidence.at);
        this.log.warn(`${this.config.name}: ${failure.kind}: ${failure.message}`);
      }
      await this.dispatch(epoch, { type: 'failed', failure, via }, { failure, evidence: [evidence] });
      return;
    }
    // One failure episode, one record: a failure the state machine ignores (the server is already
    // down or healing, e.g. a second check that was queued before the first one failed) is not logged.
    const preview = step(
      { state: this.snapshot.state, healAttempts: this.snapshot.healAttempts },
      { type: 'failed', failure, via },
      this.options,
    );
    if (!preview.reason && preview.effects.length === 0) {
      this.log.debug(`${this.config.name}: ${failure.kind} (${via}) while ${this.snapshot.state}: already recorded`);
      return;
    }
    const now = Date.now();
    if (failure.kind === 'unknown-session' && !given) {
      given = await this.diagnoseNow(epoch);
      if (!this.isCurrent(epoch)) return;
    }
    const record = failureRecord(failure, iso(now), this.conn?.sessionId, this.evidence.estimatedUptimeSeconds(now));
    this.snapshot.lastFailure = record;
    const detail = [
      failure.httpStatus ? `HTTP ${failure.httpStatus}` : failure.errorCode,
      failure.bodyExcerpt ? `"${failure.bodyExcerpt}"` : undefined,
    ]
      .filter(Boolean)
      .join(' ');
    this.log.warn(`${this.config.name}: ${failure.kind}: ${failure.message}${detail ? ` [${detail}]` : ''}`);
    for (const started of this.patterns.recordFailure(record, now)) this.announcePattern(started.title, started.detail);
    const evidence: Evidence = { at: record.at, source: 'mcp', detail: failure.message };
    if (failure.kind === 'era-mismatch' && this.isUp()) {
      // A server that no longer speaks our session's era cannot have kept the session: that is a loss.
      const sessionHeld = Boolean(this.conn?.sessionId);
      const eraDetail = sessionHeld
        ? this.lossDetail(failure, await this.diagnoseNow(epoch))
        : { failure, evidence: [evidence] };
      if (!this.isCurrent(epoch)) return;
      this.healStartedAt = Date.now();
      await this.dispatch(epoch, { type: 'era-changed', sessionHeld }, eraDetail);
      return;
    }
    const transitionDetail =
      failure.kind === 'unknown-session'
        ? this.lossDetail(failure, given ?? this.diagnose(now))
        : { failure, evidence: [evidence] };
    await this.dispatch(epoch, { type: 'failed', failure, via }, transitionDetail);
  }

  private startOutage(epoch: number): void {
    if (this.outageStartedAt === undefined) {
      this.outageStartedAt = Date.now();
      this.outageProbes = 0;
    }
    this.scheduleProbe(epoch);
  }

  private scheduleProbe(epoch: number): void {
    const elapsed = Date.now() - (this.outageStartedAt ?? Date.now());
    this.schedule(epoch, this.backoff.outageProbeDelayMs(elapsed, this.outageProbes), () => this.probe(epoch));
  }

  private async probe(epoch: number): Promise<void> {
    this.outageProbes++;
    const accepts = await portAccepts(this.config.url, Math.min(this.options.pingTimeoutMs, 1_000));
    if (!this.isCurrent(epoch)) return;
    if (accepts) return this.heal(epoch);
    this.scheduleProbe(epoch);
  }

  /** Same session first (it survives blips and proxy hiccups), then a fresh one. */
  private async heal(epoch: number): Promise<void> {
    const started = Date.now();
    const old = this.conn ?? this.heldSession;
    // A loss already recorded (a failed ping, a container death) must not be recorded twice.
    const lossRecorded = this.snapshot.state === 'session-lost';
    this.heldSession = undefined;
    const begun = await this.dispatch(epoch, { type: 'heal-start' });
    if (!begun.reason || !this.isCurrent(epoch)) return;
    const route = healRoute(heldKind(old), lossRecorded, this.outageStartedAt !== undefined);
    if (route.via === 'resume' && old?.sessionId) {
      try {
        const conn = await this.open(epoch, { sessionId: old.sessionId, protocolVersion: old.protocolVersion });
        if (!conn) return;
        conn.serverInfo ??= old.serverInfo;
        return await this.becameHealthy(epoch, conn, 'resumed', started);
      } catch (err) {
        if (!this.isCurrent(epoch)) return;
        const failure = classifyError(err, { holdingSession: true });
        // A server that no longer speaks our session's era cannot have kept the session either.
        if (failure.kind === 'era-mismatch') this.knownEra = undefined;
        else if (failure.kind !== 'unknown-session') {
          // Not answering says nothing about the session: try it again on the next heal.
          if (!lossRecorded) this.heldSession = old;
          return this.fail(epoch, failure, 'heal-failed');
        }
        this.log.info(
          `${this.config.name}: session ${shortenSessionId(old.sessionId)} is gone on the server; starting a new one`,
        );
        const detail = lossRecorded ? {} : this.lossDetail(failure, await this.diagnoseNow(epoch));
        if (!this.isCurrent(epoch)) return;
        this.healStartedAt = started;
        await this.dispatch(epoch, { type: 'session-refused', lossRecorded }, detail);
        return;
      }
    }
    if (route.via === 'check-restart' && old) return this.healSessionless(epoch, old, started);
    await this.healFresh(epoch, started, route.via === 'fresh' ? route.how : 'reinitialized');
  }

  /** Nothing to resume on a sessionless server, but a restart during the outage is still an incident. */
  private async healSessionless(epoch: number, old: Connection, started: number): Promise<void> {
    const outageFrom = (this.outageStartedAt ?? started) - this.options.pingIntervalMs;
    let conn: Connection | undefined;
    try {
      conn = await this.open(epoch);
      if (!conn) return;
    } catch (err) {
      if (!this.isCurrent(epoch)) return;
      // Kept for the next attempt, which must look for the restart too: a port that accepts before
      // the server serves (Docker's proxy always does) fails the first attempts of nearly every outage.
      this.heldSession = old;
      return this.fail(epoch, classifyError(err, { holdingSession: false }), 'heal-failed');
    }
    const changed = describeDiscoverChange(old.discover, conn.discover);
    if (changed) this.addEvidence('mcp', discoverChangeEvidence(changed));
    const diagnosis = await this.diagnoseNow(epoch);
    if (!this.isCurrent(epoch)) return void (await conn.close());
    // Evidence from before this outage belongs to an incident already shown.
    const fresh = diagnosis.evidence.some((e) => Date.parse(e.at) >= outageFrom);
    if (diagnosis.cause !== 'unknown' && fresh) {
      const failure = sessionlessRestart(diagnosis.label ?? diagnosis.cause);
      this.snapshot.lastFailure = failureRecord(failure, iso());
      await this.dispatch(epoch, { type: 'restart-seen' }, this.lossDetail(failure, diagnosis));
      if (!this.isCurrent(epoch)) return void (await conn.close());
    }
    return this.becameHealthy(epoch, conn, 'reconnected', started);
  }

  private async healFresh(epoch: number, started: number, kind: ConnectedHow): Promise<void> {
    try {
      const conn = await this.open(epoch);
      if (!conn) return;
      return await this.becameHealthy(epoch, conn, kind, started);
    } catch (err) {
      if (!this.isCurrent(epoch)) return;
      return this.fail(epoch, classifyError(err, { holdingSession: false }), 'heal-failed');
    }
  }

  private async becameHealthy(epoch: number, conn: Connection, how: ConnectedHow, started: number): Promise<void> {
    this.conn = conn;
    this.heldSession = undefined;
    this.healStartedAt = undefined;
    const s = this.snapshot;
    const wasHealing = how !== 'connected';
    const durationMs = Date.now() - started;
    const sessionChanged = s.sessionId !== undefined && s.sessionId !== conn.sessionId;
    s.sessionId = conn.sessionId;
    s.era = conn.era;
    this.knownEra = conn.era;
    s.transport = conn.kind;
    s.protocolVersion = conn.protocolVersion;
    s.serverInfo = conn.serverInfo ?? s.serverInfo;
    // One timestamp string for everything this connect records (issue 21: 40 bytes each, kept).
    const at = iso();
    s.firstReachedAt ??= at;
    if (wasHealing && s.transitions.length > 0) {
      s.heals++;
      s.lastHeal = { at, kind: how, durationMs, attempts: s.healAttempts + 1 };
    }
    this.outageStartedAt = undefined;
    if (conn.sessionId) {
      this.deps.store?.save(this.config.url, {
        sessionId: conn.sessionId,
        protocolVersion: conn.protocolVersion,
        transport: conn.kind,
        serverInfo: s.serverInfo,
        savedAt: at,
      });
    }
    const detail = conn.sessionId
      ? `session ${shortenSessionId(conn.sessionId)}${sessionChanged ? ' (new)' : ''}`
      : 'no protocol session';
    this.log.info(`${this.config.name}: ${how} in ${durationMs} ms via ${conn.kind}, ${detail}`);
    const result = await this.dispatch(
      epoch,
      { type: 'connected', how },
      { evidence: [{ at, source: 'mcp', detail }] },
    );
    if (!result.reason) {
      // Connects only happen while connecting or healing; one that lands elsewhere is not kept.
      this.log.debug(`${this.config.name}: a connect finished in state ${this.snapshot.state}; closing it`);
      await this.dropConnection();
    }
  }

  private async dropConnection(): Promise<void> {
    const conn = this.conn;
    this.conn = undefined;
    await conn?.close();
  }

  private announcePattern(title: string, detail: string): void {
    this.log.warn(`${this.config.name}: pattern detected: ${title}: ${detail}`);
  }

  private transition(to: ServerState, reason: TransitionReason, detail: TransitionDetail): void {
    const s = this.snapshot;
    if (s.state === to) {
      this.emit();
      return;
    }
    const now = Date.now();
    // Giving up is explained by the failure that led to it.
    const failure = detail.failure ?? (to === 'needs-attention' ? s.lastFailure : undefined);
    // Absent fields are left out rather than deleted: a delete turns the kept object into a slow dictionary.
    const t: Transition = { at: iso(now), from: s.state, to, reason, evidence: detail.evidence ?? [] };
    if (failure) t.failure = failure;
    if (detail.loss) t.loss = detail.loss;
    // A new array of the exact length: push() and a spread (`[...kept, t]`) both leave room for 16 more
    // in every healthy server's one-transition log; concat() does not (issue 21). Transitions are rare;
    // copying at most 50 references is nothing.
    s.transitions = s.transitions.slice(Math.max(0, s.transitions.length + 1 - MAX_TRANSITIONS)).concat(t);
    s.state = to;
    s.stateSince = t.at;
    for (const started of this.patterns.recordState(to, now)) this.announcePattern(started.title, started.detail);
    s.patterns = this.patterns.active(now);
    this.log.info(
      `${this.config.name}: ${t.from} → ${to} (${reason}${t.loss ? `: ${t.loss.label ?? t.loss.cause}` : ''})`,
    );
    if (to === 'needs-attention') {
      const why = reason === 'auto-heal-off' ? 'auto-heal is off' : `${s.healAttempts} heal attempts failed`;
      this.log.warn(
        `${this.config.name}: automatic healing stopped (${why}). Run "Archon: Reconnect MCP" to try again.`,
      );
    }
    this.emit(t);
  }

  private emit(transition?: Transition): void {
    const down = whyDown(this.snapshot, this.watchingSinceMs);
    if (down) this.snapshot.down = down;
    else delete this.snapshot.down;
    for (const listener of this.listeners ?? []) {
      try {
        listener(this.snapshot, transition);
      } catch (err) {
        this.log.error(`${this.config.name}: a state listener failed: ${errorMessage(err)}`);
      }
    }
  }
}
