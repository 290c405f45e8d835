// The stdio supervisor: the client speaks MCP to us over stdin/stdout, we speak it to the server's
// command, which we spawn, watch (exit, stdout closed, EPIPE, wedge) and replace. What happens to each
// request on the way is decided by the healing policy (decideAttempt); this file only carries it out.
import type { JSONRPCMessage, JSONRPCRequest, JSONRPCResponse, RequestId } from '@modelcontextprotocol/client';
import {
  isJSONRPCErrorResponse,
  isJSONRPCNotification,
  isJSONRPCRequest,
  isJSONRPCResultResponse,
} from '@modelcontextprotocol/client';
import { GATEWAY_DEFAULTS } from '../gateway';
import { errnoCode, fieldOf } from '../narrow';
import {
  GATEWAY_ERROR_CODE,
  NO_RULES,
  ToolKnowledge,
  decideAttempt,
  describeRequest,
  initialForwardState,
  sendPlan,
  toolNameOf,
  type AttemptOutcome,
  type ForwardState,
  type RepeatRules,
} from '../healing';
import { ServerChild, TailBuffer, type ChildEnd } from './child';
import { LineSplitter, parseLine } from './framing';
import { OwnRequests, ServerRequestIds } from './ids';
import { decideRestart, endCause, giveUpMessage, type RunRecord } from './restart-policy';
import { SessionMemory } from './session-memory';
import { wedgeVerdict } from './wedge';
import { StateFile, redactCommand, type SupervisedState } from './status-file';
import {
  SUPERVISOR_DEFAULTS,
  type RestartCause,
  type RestartEvent,
  type SupervisorCounts,
  type SupervisorOptions,
} from './run-outcome';

const PARSE_ERROR = -32700;
const INVALID_REQUEST = -32600;
const TICK_MS = 500;

interface Pending {
  request: JSONRPCRequest;
  line: string;
  state: ForwardState;
  deadline: number;
  /** The run it was written to; undefined while held. */
  sentRun?: number;
  sentAt: number;
  timer?: NodeJS.Timeout;
  /** Waiting for the server to be up (hold or resend): sent as soon as it is. */
  waiting: boolean;
  /** Waiting for a tool list before deciding again. */
  askingTools: boolean;
  heldCounted: boolean;
  /** It was held across a break: a write among these goes one at a time. */
  afterBreak: boolean;
  /** Waiting for the ping that shows the run is alive before a write goes. */
  verifying?: boolean;
}

export type SupervisorEnd = { kind: 'client-closed' } | { kind: 'stopped' };

const keyOf = (id: RequestId): string => `${typeof id}:${id}`;
/** The request a notifications/cancelled names (an id of another type names none). */
function requestIdOf(params: unknown): RequestId | undefined {
  const id = fieldOf(params, 'requestId');
  return typeof id === 'string' || typeof id === 'number' ? id : undefined;
}
const seconds = (ms: number): string => `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;

export class StdioSupervisor {
  readonly counts: SupervisorCounts = { restarts: 0, held: 0, resent: 0, ambiguous: 0, failed: 0 };
  readonly ended: Promise<SupervisorEnd>;
  private finish!: (end: SupervisorEnd) => void;

  private readonly wedgeMs: number;
  private readonly holdMs: number;
  private readonly responseMs: number;
  private readonly rules: RepeatRules;
  private readonly knowledge: ToolKnowledge;
  private readonly memory = new SessionMemory();
  private readonly stderrTail = new TailBuffer();
  private readonly stateFile: StateFile | undefined;
  private readonly shown: string[];
  private readonly startedAt = new Date().toISOString();

  private child: ServerChild | undefined;
  private run = 0;
  private phase: SupervisedState = 'starting';
  /** The current run has its session (the client's initialize replayed): requests may go. */
  private ready = false;
  private runAnswered = false;
  private lastByteAt = 0;
  private lastPingAt = 0;
  private history: RunRecord[] = [];
  private giveUpMessage = '';
  private lastEvent: RestartEvent | undefined;
  private lastEventAt: string | null = null;
  private respawnTimer: NodeJS.Timeout | undefined;
  private tick: NodeJS.Timeout | undefined;
  private stateTimer: NodeJS.Timeout | undefined;
  private stopping = false;
  private serialBusy = false;
  /** This run does not answer pings (but answers other things): no wedge pings, no write verification. */
  private pingsIgnored = false;
  private verifying = false;
  private readonly verifyQueue: Pending[] = [];

  private readonly pending = new Map<string, Pending>();
  private readonly own = new OwnRequests();
  private readonly serverRequests = new ServerRequestIds();
  private readonly restartListeners = new Set<(e: RestartEvent) => void>();
  private readonly recoveredListeners = new Set<() => void>();

  constructor(private readonly opts: SupervisorOptions) {
    this.wedgeMs = opts.wedgeTimeoutMs ?? SUPERVISOR_DEFAULTS.wedgeTimeoutMs;
    this.holdMs = opts.holdTimeoutMs ?? GATEWAY_DEFAULTS.holdTimeoutMs;
    this.responseMs = opts.responseTimeoutMs ?? GATEWAY_DEFAULTS.responseTimeoutMs;
    this.rules = { ...(opts.rules ?? NO_RULES), via: 'flag' };
    this.knowledge = new ToolKnowledge(this.rules);
    this.shown = redactCommand(opts.server.command, opts.server.args);
    this.stateFile = opts.stateDir ? new StateFile(opts.stateDir) : undefined;
    this.ended = new Promise((resolve) => (this.finish = resolve));
  }

  onRestart(listener: (e: RestartEvent) => void): () => void {
    this.restartListeners.add(listener);
    return () => this.restartListeners.delete(listener);
  }

  /** A run after a restart has its session back (the client's initialize replayed): the loss is over. */
  onRecovered(listener: () => void): () => void {
    this.recoveredListeners.add(listener);
    return () => this.recoveredListeners.delete(listener);
  }

  /** The server's command as it may be shown (secrets redacted). */
  get command(): string[] {
    return this.shown;
  }

  /** The server's pid (tests and the state file); undefined while none runs. */
  get serverPid(): number | undefined {
    return this.child?.alive ? this.child.pid : undefined;
  }

  start(): void {
    const splitter = new LineSplitter(
      (line) => this.guard(() => this.fromClient(line)),
      (bytes) => {
        this.opts.logger.error(
          `ignored a message on stdin of ${bytes} bytes (more than the 10 MB a stdio MCP message may have)`,
        );
        this.toClient({
          jsonrpc: '2.0',
          id: null,
          error: { code: INVALID_REQUEST, message: 'Invalid Request: message too large' },
        });
      },
    );
    this.opts.input.on('data', (chunk: Buffer | string) =>
      splitter.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk),
    );
    this.opts.input.once('end', () => void this.shutdown('client-closed'));
    this.opts.input.once('close', () => void this.shutdown('client-closed'));
    this.opts.output.on('error', () => void this.shutdown('client-closed'));
    this.tick = setInterval(() => this.onTick(), TICK_MS);
    this.tick.unref();
    this.spawnRun();
  }

  async stop(): Promise<void> {
    await this.shutdown('stopped');
  }

  // ---- the server's runs ----

  private spawnRun(): void {
    this.respawnTimer = undefined;
    if (this.stopping) return;
    const run = ++this.run;
    this.ready = false;
    this.runAnswered = false;
    this.pingsIgnored = false;
    this.lastByteAt = Date.now();
    this.lastPingAt = Date.now();
    this.phase = run === 1 ? 'starting' : 'restarting';
    let stderrAtStart = true;
    const child = new ServerChild(this.opts.server, {
      onLine: (line) => this.guard(() => this.fromServer(run, line)),
      onBytes: () => (this.lastByteAt = Date.now()),
      onStderr: (chunk) => {
        this.opts.serverStderr?.write(chunk);
        this.stderrTail.push(chunk);
        // While a run starts (uvx installing, a browser launching) its stderr shows it is alive.
        if (stderrAtStart && !this.runAnswered) this.lastByteAt = Date.now();
        else stderrAtStart = false;
      },
      onOverflow: (bytes) =>
        this.opts.logger.warn(`the server wrote a line of more than ${bytes} bytes on stdout: dropped`),
      onStdoutClosed: () => this.replace(run, 'stdout-closed', 'it closed its stdout'),
      onWriteFailed: (err) =>
        this.replace(run, 'write-failed', `writing to it failed (${errnoCode(err) ?? err.message})`),
      onEnd: (end) => this.runEnded(run, end),
    });
    this.child = child;
    if (child.pid !== undefined) this.afterSpawn(run);
    this.saveState();
  }

  /** A new run is there: give it the client's session, then release what was held. */
  private afterSpawn(run: number): void {
    if (run === 1 || this.memory.initializeParams === undefined) {
      this.becomeReady(run);
      return;
    }
    void (async () => {
      const init = await this.sendOwn(run, 'initialize', this.memory.initializeParams);
      if (run !== this.run) return;
      if (init && isJSONRPCResultResponse(init)) this.knowledge.learnServer(init.result);
      else if (init)
        this.opts.logger.warn(
          `the new server run refused the client's initialize: ${isJSONRPCErrorResponse(init) ? init.error.message : 'no result'}`,
        );
      else return; // it ended or wedged: runEnded deals with it
      if (this.memory.clientInitialized) this.writeServer(run, { jsonrpc: '2.0', method: 'notifications/initialized' });
      for (const r of this.memory.restoreRequests()) void this.sendOwn(run, r.method, r.params);
      this.becomeReady(run);
      void this.compareLists(run);
    })();
  }

  private becomeReady(run: number): void {
    if (run !== this.run) return;
    this.ready = true;
    this.phase = 'running';
    this.saveState();
    if (run > 1) for (const l of this.recoveredListeners) l();
    for (const p of [...this.pending.values()]) {
      if (p.askingTools || p.verifying) continue;
      if (p.waiting) this.release(p);
    }
    void this.answerToolQuestions(run);
  }

  /** Tells the client when the new run's lists differ from what it was shown. */
  private async compareLists(run: number): Promise<void> {
    for (const kind of this.memory.shownLists()) {
      const res = await this.sendOwn(run, `${kind}/list`, {});
      if (run !== this.run || !res || !isJSONRPCResultResponse(res)) continue;
      if (kind === 'tools') this.knowledge.learnTools(res.result);
      if (this.memory.changed(kind, res.result)) {
        this.opts.logger.info(
          `the new server run's ${kind} differ from before: told the client (notifications/${kind}/list_changed)`,
        );
        this.toClient({ jsonrpc: '2.0', method: `notifications/${kind}/list_changed` });
      }
    }
  }

  /** Requests whose tool the policy does not know yet: learn the tool list, then decide again. */
  private async answerToolQuestions(run: number): Promise<void> {
    const asking = [...this.pending.values()].filter((p) => p.askingTools);
    if (asking.length === 0) return;
    const res = await this.sendOwn(run, 'tools/list', {});
    if (res && isJSONRPCResultResponse(res)) this.knowledge.learnTools(res.result);
    for (const p of asking) {
      if (!this.pending.has(keyOf(p.request.id))) continue;
      p.askingTools = false;
      this.decide(p, { kind: 'broken' });
    }
  }

  /** Kills a run that can no longer serve (stdout closed, EPIPE, wedge); runEnded follows. */
  private replace(run: number, cause: RestartCause, detail: string): void {
    const child = this.child;
    if (run !== this.run || !child?.alive || this.stopping) return;
    // The first cause found is the one: killing a wedged run closes its stdout too.
    this.pendingCause ??= { cause, detail };
    void child.kill();
  }

  private pendingCause: { cause: RestartCause; detail: string } | undefined;

  private runEnded(run: number, end: ChildEnd): void {
    if (run !== this.run) return;
    const child = this.child;
    this.child = undefined;
    this.ready = false;
    const uptimeMs = child ? Date.now() - child.startedAt : 0;
    const { cause, label } = endCause(end, this.pendingCause, this.opts.server.command);
    this.pendingCause = undefined;
    this.history = [
      ...this.history.slice(-20),
      { endedAt: Date.now(), uptimeMs, answered: this.runAnswered, cannotSpawn: end.kind === 'spawn-error' },
    ];
    // What the dead run owed: our own requests end, the client's get the policy's verdict.
    this.own.endRun(run);
    for (const outId of this.serverRequests.endRun(run)) {
      this.toClient({
        jsonrpc: '2.0',
        method: 'notifications/cancelled',
        params: { requestId: outId, reason: 'the MCP server restarted' },
      });
    }
    if (this.stopping) return;
    const decision = decideRestart(this.history, Date.now());
    const stderrTail = this.stderrTail.lines();
    if (decision.action === 'give-up') {
      this.phase = 'gave-up';
      this.giveUpMessage = giveUpMessage(this.shown, label, decision.why, stderrTail);
    } else {
      this.phase = 'restarting';
    }
    const before = { ...this.counts };
    const inFlight = { resent: 0, ambiguous: 0, held: 0 };
    for (const p of [...this.pending.values()]) {
      if (p.sentRun === run) {
        p.sentRun = undefined;
        // A run that never started read nothing.
        this.decide(p, end.kind === 'spawn-error' ? { kind: 'not-sent' } : { kind: 'broken' });
      }
    }
    inFlight.resent = this.counts.resent - before.resent;
    inFlight.ambiguous = this.counts.ambiguous - before.ambiguous;
    inFlight.held = [...this.pending.values()].length;
    if (decision.action === 'give-up') {
      for (const p of [...this.pending.values()]) this.decide(p, { kind: 'cannot-start', message: this.giveUpMessage });
    }
    this.counts.restarts += decision.action === 'respawn' ? 1 : 0;
    const event: RestartEvent = {
      cause,
      label,
      exitCode: end.kind === 'exit' ? end.code : null,
      signal: end.kind === 'exit' ? end.signal : null,
      uptimeMs,
      previousPid: child?.pid ?? null,
      action: decision.action,
      delayMs: decision.action === 'respawn' ? decision.delayMs : 0,
      restarts: this.counts.restarts,
      stderrTail,
      inFlight,
    };
    this.lastEvent = event;
    this.lastEventAt = new Date().toISOString();
    for (const l of this.restartListeners) l(event);
    if (decision.action === 'respawn') {
      if (decision.delayMs === 0) this.spawnRun();
      else this.respawnTimer = setTimeout(() => this.spawnRun(), decision.delayMs);
    }
    this.saveState();
  }

  /** Runs one handler; a bug in it is logged, never thrown into the process (the client would lose its session). */
  private guard(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.opts.logger.error(
        `internal error (the message was dropped): ${err instanceof Error ? (err.stack ?? err) : err}`,
      );
    }
  }

  // ---- client → server ----

  private fromClient(line: string): void {
    const parsed = parseLine(line);
    if (parsed.kind !== 'message') {
      const notJson = parsed.kind === 'not-json';
      this.opts.logger.error(
        `${notJson ? 'ignored a line on stdin that is not JSON' : 'ignored a message on stdin that is not JSON-RPC 2.0'}: ${parsed.error.slice(0, 160)}`,
      );
      this.toClient({
        jsonrpc: '2.0',
        id: null,
        error: notJson
          ? { code: PARSE_ERROR, message: 'Parse error: a line on stdin is not JSON' }
          : { code: INVALID_REQUEST, message: 'Invalid Request: not a JSON-RPC 2.0 message' },
      });
      return;
    }
    const msg = parsed.message;
    if (isJSONRPCRequest(msg)) this.clientRequest(msg, line);
    else if (isJSONRPCNotification(msg)) this.clientNotification(msg, line);
    else if (isJSONRPCResultResponse(msg) || isJSONRPCErrorResponse(msg)) this.clientResponse(msg);
  }

  private clientRequest(request: JSONRPCRequest, line: string): void {
    if (this.pending.has(keyOf(request.id))) {
      this.toClient({
        jsonrpc: '2.0',
        id: request.id,
        error: {
          code: INVALID_REQUEST,
          message: `Invalid Request: id ${JSON.stringify(request.id)} is already in use by a request not yet answered`,
        },
      });
      return;
    }
    const p: Pending = {
      request,
      line,
      state: initialForwardState(),
      deadline: Date.now() + this.holdMs,
      sentAt: 0,
      waiting: false,
      askingTools: false,
      heldCounted: false,
      afterBreak: false,
    };
    this.pending.set(keyOf(request.id), p);
    // A command that gave up is tried again when the client asks for something: a fixed install recovers.
    // One new try per request: if it fails at start again, the crash-loop history still says give up.
    if (this.phase === 'gave-up' && !this.child && !this.respawnTimer) this.spawnRun();
    this.trySend(p);
  }

  private clientNotification(msg: JSONRPCMessage & { method: string; params?: unknown }, line: string): void {
    if (msg.method === 'notifications/initialized') this.memory.clientInitialized = true;
    if (msg.method === 'notifications/cancelled') {
      const requestId = requestIdOf(msg.params);
      const p = requestId === undefined ? undefined : this.pending.get(keyOf(requestId));
      if (p) {
        const sent = p.sentRun === this.run && this.child?.alive;
        this.decide(p, { kind: 'cancelled' });
        if (!sent) return; // never reached the server: nothing to cancel there
      }
    }
    // A notification for a server that is down is dropped: the new run gets the session replayed.
    if (this.child?.alive && (this.ready || this.run === 1)) this.writeServerLine(this.run, line);
  }

  private clientResponse(msg: JSONRPCResponse): void {
    const r = this.serverRequests.fromClient(msg.id);
    if (!r) return;
    // An answer for a run that is gone has nobody to go to.
    if (r.run === this.run) this.writeServer(r.run, { ...msg, id: r.id });
  }

  private trySend(p: Pending): void {
    if (this.phase === 'gave-up' && !this.child) {
      this.decide(p, { kind: 'cannot-start', message: this.giveUpMessage });
      return;
    }
    const plan = sendPlan(this.knowledge.verdict(p.request));
    if (!this.ready || !this.child?.alive || (p.afterBreak && plan.oneAtATime && this.serialBusy)) {
      this.decide(p, { kind: 'not-sent' });
      return;
    }
    if (!plan.waitForVerified || this.pingsIgnored) {
      this.sendNow(p);
      return;
    }
    // What must not run twice goes only to a run that has just answered: a ping first. A write held behind
    // an unanswered ping to a frozen or dead run was never sent, so it goes to the next run, not "maybe".
    p.verifying = true;
    this.verifyQueue.push(p);
    if (!this.verifying) void this.verifyNext();
  }

  private async verifyNext(): Promise<void> {
    const batch = this.verifyQueue.splice(0);
    if (batch.length === 0) return;
    this.verifying = true;
    const run = this.run;
    const answer = await this.sendOwn(run, 'ping', undefined);
    this.verifying = false;
    for (const p of batch) {
      p.verifying = false;
      if (this.pending.get(keyOf(p.request.id)) !== p) continue;
      if (answer && run === this.run && this.child?.alive) this.sendNow(p);
      else this.decide(p, { kind: 'not-sent' });
    }
    if (this.verifyQueue.length > 0) void this.verifyNext();
  }

  private sendNow(p: Pending): void {
    const plan = sendPlan(this.knowledge.verdict(p.request));
    if (p.afterBreak && plan.oneAtATime) this.serialBusy = true;
    p.waiting = false;
    p.sentRun = this.run;
    p.sentAt = Date.now();
    if (!this.writeServerLine(this.run, p.line)) {
      p.sentRun = undefined;
      this.decide(p, { kind: 'not-sent' });
    }
  }

  /** Carries out the policy's decision for one request after one attempt. */
  private decide(p: Pending, outcome: AttemptOutcome): void {
    const key = keyOf(p.request.id);
    if (this.pending.get(key) !== p) return;
    clearTimeout(p.timer);
    p.timer = undefined;
    const now = Date.now();
    const { decision, state } = decideAttempt(outcome, p.state, {
      now,
      deadline: p.deadline,
      holdTimeoutMs: this.holdMs,
      responseTimeoutMs: this.responseMs,
      isInitialize: p.request.method === 'initialize',
      era: '2025', // stdio: never switched or rediscovered (the policy's 2026-07-28 rows are about HTTP refusals)
      restarting: this.phase === 'restarting' || this.phase === 'starting',
      repeat: this.knowledge.verdict(p.request),
      rules: this.rules,
      what: describeRequest(p.request.method, toolNameOf(p.request)),
      server: `"${this.shown.join(' ')}"`,
      speaker: 'the supervisor',
    });
    p.state = state;
    switch (decision.action) {
      case 'done':
        return;
      case 'drop':
        this.settle(p);
        return;
      case 'ask-tools':
        p.askingTools = true;
        p.afterBreak = true;
        if (this.ready) void this.answerToolQuestions(this.run);
        return;
      case 'resend':
        this.counts.resent++;
        this.wait(p, decision.delayMs);
        return;
      case 'fail':
        if (decision.reason === 'interrupted') this.counts.ambiguous++;
        else this.counts.failed++;
        this.settle(p);
        this.toClient({
          jsonrpc: '2.0',
          id: p.request.id,
          error: { code: GATEWAY_ERROR_CODE, message: decision.message, data: { reason: decision.reason } },
        });
        this.saveState();
        return;
      case 'hold':
      default:
        // 'hold' (and the HTTP-only decisions, which stdio outcomes never produce): wait for the server.
        if (!p.heldCounted) {
          p.heldCounted = true;
          this.counts.held++;
        }
        this.wait(p, 'delayMs' in decision ? decision.delayMs : 100);
    }
  }

  /** Sends again once the server is up, or after delayMs decides again. */
  private wait(p: Pending, delayMs: number): void {
    p.waiting = true;
    p.afterBreak = true;
    p.timer = setTimeout(() => this.release(p), Math.max(0, delayMs));
  }

  private release(p: Pending): void {
    clearTimeout(p.timer);
    p.timer = undefined;
    if (this.pending.get(keyOf(p.request.id)) !== p) return;
    this.trySend(p);
  }

  private settle(p: Pending): void {
    clearTimeout(p.timer);
    this.pending.delete(keyOf(p.request.id));
    if (p.afterBreak && this.serialBusy && p.sentRun !== undefined) {
      this.serialBusy = false;
      for (const q of this.pending.values()) if (q.waiting && q.afterBreak) this.release(q);
    }
  }

  // ---- server → client ----

  private fromServer(run: number, line: string): void {
    if (run !== this.run) return;
    const parsed = parseLine(line);
    if (parsed.kind !== 'message') {
      // Servers that print banners or logs on stdout break the protocol; the client must not see them.
      this.opts.logger.warn(
        `the server wrote a line on stdout that is not ${parsed.kind === 'not-json' ? 'JSON' : 'JSON-RPC'}, not passed on: ${line.slice(0, 160)}`,
      );
      return;
    }
    this.runAnswered = true;
    const msg = parsed.message;
    if (isJSONRPCResultResponse(msg) || isJSONRPCErrorResponse(msg)) {
      const id = msg.id;
      if (OwnRequests.isOwn(id)) {
        this.own.answer(id, msg);
        return;
      }
      if (id === undefined || id === null) {
        this.toClient(msg);
        return;
      }
      const p = this.pending.get(keyOf(id));
      if (!p || p.sentRun !== run) return; // answered already (failed, cancelled) or meant for a run that is gone
      if (isJSONRPCResultResponse(msg)) {
        this.memory.answered(p.request, msg.result);
        if (p.request.method === 'initialize') this.knowledge.learnServer(msg.result);
        if (p.request.method === 'tools/list') this.knowledge.learnTools(msg.result);
      }
      this.decide(p, { kind: 'answered' });
      this.settle(p);
      this.writeClientLine(line);
      return;
    }
    if (isJSONRPCRequest(msg)) {
      // Ids the client sees are ours: a new run's first request must not collide with the old run's.
      this.toClient({ ...msg, id: this.serverRequests.toClient(run, msg.id) });
      return;
    }
    if (isJSONRPCNotification(msg) && msg.method === 'notifications/cancelled') {
      const outId = this.serverRequests.cancelled(run, requestIdOf(msg.params));
      if (outId !== undefined) {
        this.toClient({ ...msg, params: { ...msg.params, requestId: outId } });
        return;
      }
    }
    this.writeClientLine(line);
  }

  // ---- wedge, pings, response timeouts ----

  private onTick(): void {
    const child = this.child;
    if (!child?.alive || this.stopping) return;
    const now = Date.now();
    let oldestWait = Infinity;
    for (const p of this.pending.values()) {
      if (p.sentRun !== this.run) continue;
      oldestWait = Math.min(oldestWait, p.sentAt);
      if (now - p.sentAt > this.responseMs) {
        this.writeServer(this.run, {
          jsonrpc: '2.0',
          method: 'notifications/cancelled',
          params: { requestId: p.request.id, reason: 'response timeout' },
        });
        this.decide(p, { kind: 'timed-out' });
      }
    }
    // A ping left unanswered while the server keeps talking: it ignores pings (against the spec) but is
    // alive. Stop pinging this run and take the silence as an answer.
    for (const id of this.own.ignoredPings(this.run, now, this.wedgeMs, this.lastByteAt)) {
      this.pingsIgnored = true;
      this.own.answer(id, { jsonrpc: '2.0', id, result: {} });
    }
    oldestWait = Math.min(oldestWait, this.own.oldest(this.run));
    const verdict = wedgeVerdict({
      now,
      lastByteAt: this.lastByteAt,
      oldestWaitSince: oldestWait === Infinity ? undefined : oldestWait,
      lastPingAt: this.lastPingAt,
      answered: this.runAnswered,
      canPing: this.ready && !this.pingsIgnored,
      wedgeMs: this.wedgeMs,
    });
    if (verdict.kind === 'wedged') {
      this.replace(
        this.run,
        'wedge',
        `no output at all for ${seconds(verdict.silentMs)} while a request waited (wedged or frozen)`,
      );
    } else if (verdict.kind === 'ping') {
      this.lastPingAt = now;
      void this.sendOwn(this.run, 'ping', undefined);
    }
  }

  // ---- writing ----

  private sendOwn(run: number, method: string, params: JSONRPCRequest['params']): Promise<JSONRPCResponse | undefined> {
    return new Promise((resolve) => {
      const id = this.own.add(run, method, resolve);
      const message: JSONRPCRequest =
        params === undefined ? { jsonrpc: '2.0', id, method } : { jsonrpc: '2.0', id, method, params };
      if (!this.writeServer(run, message)) this.own.answer(id, undefined);
    });
  }

  private writeServer(run: number, message: JSONRPCMessage): boolean {
    return this.writeServerLine(run, JSON.stringify(message));
  }

  private writeServerLine(run: number, line: string): boolean {
    if (run !== this.run || !this.child) return false;
    return this.child.write(`${line}\n`);
  }

  private toClient(
    message: JSONRPCMessage | { jsonrpc: '2.0'; id: null; error: { code: number; message: string } },
  ): void {
    this.writeClientLine(JSON.stringify(message));
  }

  private writeClientLine(line: string): void {
    const out = this.opts.output;
    if (out.destroyed || out.writable === false) return;
    out.write(`${line}\n`);
  }

  // ---- state file, shutdown ----

  private saveState(): void {
    if (!this.stateFile || this.stateTimer) return;
    this.stateTimer = setTimeout(() => {
      this.stateTimer = undefined;
      this.writeState();
    }, 100);
    this.stateTimer.unref();
  }

  private writeState(): void {
    if (!this.stateFile || this.phase === 'stopping') return;
    this.stateFile.write({
      version: 1,
      pid: process.pid,
      serverPid: this.serverPid ?? null,
      command: this.shown,
      cwd: this.opts.server.cwd ?? process.cwd(),
      state: this.phase,
      startedAt: this.startedAt,
      updatedAt: new Date().toISOString(),
      restarts: this.counts.restarts,
      lastCause: this.lastEvent?.cause ?? null,
      lastCauseLabel: this.lastEvent?.label ?? null,
      lastRestartAt: this.lastEventAt,
      held: this.counts.held,
      resent: this.counts.resent,
      ambiguous: this.counts.ambiguous,
      failed: this.counts.failed,
      stderrTail: this.stderrTail.lines().slice(-10),
    });
  }

  private async shutdown(kind: SupervisorEnd['kind']): Promise<void> {
    if (this.stopping) return this.ended.then(() => undefined);
    this.stopping = true;
    const grace = this.opts.shutdownGraceMs ?? SUPERVISOR_DEFAULTS.shutdownGraceMs;
    // Calls already running get a moment to be answered (the client may still read).
    const until = Date.now() + grace;
    while ([...this.pending.values()].some((p) => p.sentRun === this.run && this.child?.alive) && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 20));
    }
    for (const p of [...this.pending.values()]) {
      this.settle(p);
      this.toClient({
        jsonrpc: '2.0',
        id: p.request.id,
        error: {
          code: GATEWAY_ERROR_CODE,
          message: `The client closed its connection (stdin) during ${describeRequest(p.request.method, toolNameOf(p.request))}; the supervisor stopped the MCP server. It may or may not have run.`,
          data: { reason: 'interrupted' },
        },
      });
    }
    this.phase = 'stopping';
    clearInterval(this.tick);
    clearTimeout(this.respawnTimer);
    clearTimeout(this.stateTimer);
    this.own.endRun();
    await this.child?.shutdown(grace);
    this.stateFile?.remove();
    this.finish({ kind });
  }
}
