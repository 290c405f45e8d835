// Unit tests for src/core/report.ts: the Markdown diagnostics report people paste into issues.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SdkErrorCode, SdkHttpError } from '@modelcontextprotocol/client';
import { renderReport, type ReportInput } from '../../src/core/report';
import { classifyError } from '../../src/core/classify';
import type { FailureRecord, ServerConfig, ServerSnapshot } from '../../src/core/server-state';

const NOW = new Date('2026-11-20T09:00:00.000Z');
const SESSION = '4f1c2a9e-3b6d-4c1e-9a2f-0e8d7c6bb7d0';
const SESSION_2 = '9f8e7d6c5b4a39281706f5e4d3c2b1a0';
const TOKEN = 'sk-archon-SECRET-7a8b9c0d1e2f3a4b5c6d';
const COOKIE = 'sid=COOKIE-SECRET-123456';

function snapshot(overrides: Partial<ServerSnapshot> = {}): ServerSnapshot {
  return {
    name: 'Archon',
    url: 'http://localhost:8051/mcp',
    configuredTransport: 'auto',
    transport: 'streamable-http',
    state: 'healthy',
    stateSince: '2026-11-20T08:00:00.000Z',
    sessionId: SESSION,
    protocolVersion: '2025-06-18',
    serverInfo: { name: 'archon-mcp-server', version: '1.12.2' },
    lastPing: { at: '2026-11-20T08:59:55.000Z', latencyMs: 12 },
    heals: 0,
    healAttempts: 0,
    transitions: [],
    patterns: [],
    ...overrides,
  };
}

function failureRecord(i: number, extra: Partial<FailureRecord> = {}): FailureRecord {
  return {
    at: `2026-11-20T08:${String(i).padStart(2, '0')}:00.000Z`,
    kind: 'unknown-session',
    message: `failure number ${i}.`,
    httpStatus: 400,
    ...extra,
  };
}

const SERVERS: ServerConfig[] = [
  {
    name: 'Archon',
    url: 'http://localhost:8051/mcp',
    transport: 'auto',
    healthUrl: 'http://localhost:8051/health',
    container: 'archon-mcp',
    headers: { Authorization: `Bearer ${TOKEN}`, 'X-Api-Key': TOKEN, Cookie: COOKIE, 'X-Trace': 'trace-on' },
  },
  { name: 'Everything', url: 'http://localhost:3001/mcp', transport: 'streamable-http' },
];

function input(overrides: Partial<ReportInput> = {}): ReportInput {
  const failures: Record<string, FailureRecord[]> = { Archon: [], Everything: [] };
  return {
    product: { name: 'Archon MCP Doctor', version: '0.1.0' },
    host: 'VS Code 1.101.0 (Visual Studio Code, local) on Linux 6.1',
    servers: SERVERS,
    settings: {
      pingIntervalSeconds: 10,
      pingTimeoutSeconds: 5,
      autoHeal: true,
      maxAutoHealAttempts: 5,
      degradedLatencyMs: 1000,
      'statusBar.clickAction': 'reconnect',
    },
    snapshots: [
      snapshot(),
      snapshot({ name: 'Everything', url: 'http://localhost:3001/mcp', state: 'session-lost', sessionId: SESSION_2 }),
    ],
    recentFailures: (name) => failures[name] ?? [],
    now: NOW,
    ...overrides,
  };
}

/** The JSON block of the Settings section, parsed. */
function settingsJson(report: string): { servers: ServerConfig[]; [k: string]: unknown } {
  const m = /## Settings\n\n```json\n([\s\S]*?)\n```/.exec(report);
  assert.ok(m, 'the report has a Settings JSON block');
  return JSON.parse(m[1]);
}

describe('renderReport: header and summary', () => {
  it('names the product, version, host, Node and generation time', () => {
    const r = renderReport(input());
    assert.ok(r.startsWith('# Archon MCP Doctor diagnostics\n'));
    assert.ok(r.includes('Archon MCP Doctor 0.1.0'));
    assert.ok(r.includes('VS Code 1.101.0'));
    assert.ok(r.includes(`Node ${process.versions.node}`));
    assert.ok(r.includes('2026-11-20T09:00:00.000Z'));
  });

  it("lists every server's name and state in the summary", () => {
    const r = renderReport(input());
    assert.ok(r.includes('- **Archon**: healthy'));
    assert.ok(r.includes('- **Everything**: session-lost'));
  });

  it('gives each server its own section headed by name and state', () => {
    const r = renderReport(input());
    assert.ok(r.includes('### Archon — healthy'));
    assert.ok(r.includes('### Everything — session-lost'));
    assert.ok(r.indexOf('### Archon') < r.indexOf('### Everything'), 'in the given order');
  });

  it('says when no server is configured', () => {
    const r = renderReport(input({ snapshots: [], servers: [] }));
    assert.ok(r.includes('- No server is configured.'));
  });

  it('shows the cause of the last session loss in the summary and the section', () => {
    const r = renderReport(
      input({
        snapshots: [
          snapshot({
            state: 'session-lost',
            lastLoss: {
              at: '2026-11-20T08:30:00.000Z',
              cause: 'oom-kill',
              evidence: [
                {
                  at: '2026-11-20T08:29:58.000Z',
                  source: 'docker',
                  detail: 'container archon-mcp was OOM-killed (exit 137)',
                },
              ],
            },
          }),
        ],
      }),
    );
    assert.ok(r.includes('- **Archon**: session-lost — last session loss: oom-kill'));
    assert.ok(r.includes('cause **oom-kill**'));
    assert.ok(r.includes('**Evidence for the last session loss**'));
    assert.ok(r.includes('- 2026-11-20T08:29:58.000Z [docker] container archon-mcp was OOM-killed (exit 137)'));
  });
});

describe('renderReport: server details', () => {
  it('says why a server is down, and whether that is calm', () => {
    const calm = renderReport(
      input({
        snapshots: [
          snapshot({
            state: 'unreachable',
            down: { reason: 'stopped-on-purpose', calm: true, detail: 'container archon-mcp was stopped' },
          }),
        ],
      }),
    );
    assert.ok(
      calm.includes(
        '| Why down | stopped-on-purpose (calm: nothing lost you did not cause): container archon-mcp was stopped |',
      ),
      calm,
    );
    const lost = renderReport(
      input({
        snapshots: [
          snapshot({
            state: 'unreachable',
            down: { reason: 'crash', calm: false, detail: 'container archon-mcp crashed (exit 3)' },
          }),
        ],
      }),
    );
    assert.ok(lost.includes('| Why down | crash: container archon-mcp crashed (exit 3) |'), lost);
    assert.ok(!renderReport(input()).includes('Why down'), 'a healthy server has no such row');
  });

  it('shows URL, transport, server info, protocol, ping and heals', () => {
    const r = renderReport(
      input({
        snapshots: [
          snapshot({
            heals: 3,
            lastHeal: { at: '2026-11-20T08:45:00.000Z', kind: 'reinitialized', durationMs: 140, attempts: 1 },
          }),
        ],
      }),
    );
    assert.ok(r.includes('| URL | http://localhost:8051/mcp |'));
    assert.ok(r.includes('| Transport | streamable-http |'));
    assert.ok(r.includes('| Server | archon-mcp-server 1.12.2 |'));
    assert.ok(r.includes('| Protocol | 2025-06-18 |'));
    assert.ok(r.includes('| Last ping | 12 ms at 2026-11-20T08:59:55.000Z |'));
    assert.ok(r.includes('| Heals | 3 (last: reinitialized in 140 ms at 2026-11-20T08:45:00.000Z) |'));
  });

  it('falls back to the configured transport and dashes for unknowns', () => {
    const r = renderReport(
      input({
        snapshots: [
          snapshot({
            transport: undefined,
            sessionId: undefined,
            serverInfo: undefined,
            protocolVersion: undefined,
            lastPing: undefined,
            state: 'connecting',
          }),
        ],
      }),
    );
    assert.ok(r.includes('| Transport | auto |'));
    assert.ok(r.includes('| Session | — |'));
    assert.ok(r.includes('| Server | — |'));
    assert.ok(r.includes('| Protocol | — |'));
    assert.ok(r.includes('| Last ping | — |'));
  });

  it('shows the session id shortened, never in full', () => {
    const r = renderReport(input());
    assert.ok(r.includes('| Session | 4f1c2a9e…b7d0 |'));
    assert.ok(r.includes('| Session | 9f8e7d6c…b1a0 |'));
    assert.ok(!r.includes(SESSION), 'full session id leaked');
    assert.ok(!r.includes(SESSION_2), 'full session id leaked');
  });

  it('shows health with rounded uptime and its error', () => {
    const r = renderReport(
      input({
        snapshots: [
          snapshot({
            health: { at: '2026-11-20T08:59:00.000Z', ok: false, uptimeSeconds: 12.7, error: 'HTTP 503: busy' },
          }),
        ],
      }),
    );
    assert.ok(r.includes('| Health | failing, uptime 13 s, HTTP 503: busy |'));
  });

  it('lists detected patterns with title, detail and count', () => {
    const r = renderReport(
      input({
        snapshots: [
          snapshot({
            patterns: [
              {
                id: 'flapping',
                title: 'Flapping',
                detail: '4 losses within 10 minutes',
                firstSeen: '2026-11-20T08:10:00.000Z',
                lastSeen: '2026-11-20T08:50:00.000Z',
                count: 6,
              },
              {
                id: 'soon-after-restart',
                title: 'Failures soon after a server restart',
                detail: 'failure (unknown-session) 12 s after the server started',
                firstSeen: '2026-11-20T08:20:00.000Z',
                lastSeen: '2026-11-20T08:20:00.000Z',
                count: 1,
              },
            ],
          }),
        ],
      }),
    );
    assert.ok(r.includes('**Patterns**'));
    assert.ok(r.includes('- Flapping: 4 losses within 10 minutes (6×, since 2026-11-20T08:10:00.000Z)'));
    assert.ok(
      r.includes('- Failures soon after a server restart: failure (unknown-session) 12 s after the server started (1×'),
    );
  });

  it('has no Patterns or failures headings when there are none', () => {
    const r = renderReport(input());
    assert.ok(!r.includes('**Patterns**'));
    assert.ok(!r.includes('**Recent failures**'));
    assert.ok(!r.includes('**Recent transitions**'));
  });

  it("lists each server's recent failures (the newest 10) with kind, status and message", () => {
    const failures = Array.from({ length: 15 }, (_, i) => failureRecord(i));
    const r = renderReport(input({ recentFailures: (name) => (name === 'Archon' ? failures : []) }));
    assert.ok(r.includes('**Recent failures**'));
    assert.ok(r.includes('| Time | Kind | HTTP | Message |'));
    assert.ok(r.includes('| 2026-11-20T08:14:00.000Z | unknown-session | 400 | failure number 14. |'));
    assert.ok(r.includes('failure number 5.'));
    assert.ok(!r.includes('failure number 4.'), 'only the newest 10');
    assert.equal((r.match(/failure number/g) ?? []).length, 10);
    const archon = r.slice(r.indexOf('### Archon'), r.indexOf('### Everything'));
    assert.ok(archon.includes('**Recent failures**'), 'failures are in their server section');
  });

  it('a failure without a status shows a dash; pipes and newlines in messages do not break the table', () => {
    const f = failureRecord(1, { kind: 'unreachable', httpStatus: undefined, message: 'a | b\nc' });
    const r = renderReport(input({ recentFailures: (n) => (n === 'Archon' ? [f] : []) }));
    assert.ok(r.includes('| 2026-11-20T08:01:00.000Z | unreachable | — | a \\| b c |'), r);
  });

  it('lists the newest 10 transitions', () => {
    const transitions = Array.from({ length: 12 }, (_, i) => ({
      at: `2026-11-20T08:${String(i).padStart(2, '0')}:30.000Z`,
      from: 'healthy' as const,
      to: 'session-lost' as const,
      reason: 'ping-failed' as const,
      loss: {
        at: `2026-11-20T08:${String(i).padStart(2, '0')}:30.000Z`,
        cause: 'unknown' as const,
        label: `cause-${i}`,
        evidence: [],
      },
      evidence: [],
    }));
    const r = renderReport(input({ snapshots: [snapshot({ transitions })] }));
    assert.ok(r.includes('- 2026-11-20T08:11:30.000Z healthy → session-lost (ping-failed: cause-11)'));
    assert.ok(!r.includes(': cause-1)'));
    assert.equal((r.match(/: cause-\d+\)/g) ?? []).length, 10);
  });

  it('appends extra sections (Docker, gateway) before the settings', () => {
    const r = renderReport(input({ sections: ['## Docker\n\nengine 20.10'] }));
    assert.ok(r.includes('## Docker\n\nengine 20.10'));
    assert.ok(r.indexOf('## Docker') < r.indexOf('## Settings'));
  });
});

describe('renderReport: settings and secrets', () => {
  it('includes the settings as JSON with every server and every value', () => {
    const json = settingsJson(renderReport(input()));
    assert.equal(json.pingIntervalSeconds, 10);
    assert.equal(json['statusBar.clickAction'], 'reconnect');
    assert.deepEqual(
      json.servers.map((s) => s.name),
      ['Archon', 'Everything'],
    );
    assert.equal(json.servers[0].healthUrl, 'http://localhost:8051/health');
    assert.equal(json.servers[0].container, 'archon-mcp');
  });

  it('hides secret header values but keeps their names and the harmless headers', () => {
    const json = settingsJson(renderReport(input()));
    assert.deepEqual(json.servers[0].headers, {
      Authorization: '«hidden»',
      'X-Api-Key': '«hidden»',
      Cookie: '«hidden»',
      'X-Trace': 'trace-on',
    });
    assert.equal(json.servers[1].headers, undefined);
  });

  it('does not change the servers it was given', () => {
    renderReport(input());
    assert.equal(SERVERS[0].headers?.Authorization, `Bearer ${TOKEN}`);
  });

  it('has no token text anywhere, even with failures made from bodies that echo the token', () => {
    const body = `{"error":"invalid_token","detail":"Authorization: Bearer ${TOKEN}","token":"${TOKEN}"}`;
    const classified = classifyError(
      new SdkHttpError(SdkErrorCode.ClientHttpNotImplemented, `Error POSTing to endpoint: ${body}`, {
        status: 401,
        text: body,
      }),
      { holdingSession: true },
    );
    const record: FailureRecord = { ...classified, at: '2026-11-20T08:58:00.000Z', sessionId: SESSION };
    const r = renderReport(
      input({
        snapshots: [
          snapshot({
            state: 'needs-attention',
            lastFailure: record,
            health: { at: '2026-11-20T08:58:00.000Z', ok: false, error: classified.message },
            transitions: [
              {
                at: record.at,
                from: 'healthy',
                to: 'needs-attention',
                reason: 'heal-budget-spent',
                failure: record,
                evidence: [{ at: record.at, source: 'mcp', detail: classified.message }],
              },
            ],
            lastLoss: {
              at: record.at,
              cause: 'unknown',
              evidence: [{ at: record.at, source: 'mcp', detail: classified.message }],
            },
          }),
        ],
        recentFailures: () => [record],
      }),
    );
    assert.ok(r.includes('needs-attention'));
    assert.ok(r.includes('| auth | 401 |'), 'the auth failure is listed');
    assert.ok(!r.includes(TOKEN), 'token leaked');
    assert.ok(!r.includes(TOKEN.slice(0, 16)), 'part of the token leaked');
    assert.ok(!r.includes('COOKIE-SECRET'), 'cookie leaked');
    assert.ok(!r.includes(SESSION), 'full session id leaked');
  });

  it('has no credentials from a server URL (user:password@ or ?api_key=) anywhere', () => {
    // Some hosted MCP servers take their key in the URL; the report is meant to be pasted into issues.
    const url = `https://user:PASSWORD-IN-URL-42@mcp.example.com/mcp?api_key=${TOKEN}`;
    const servers: ServerConfig[] = [{ name: 'Hosted', url, transport: 'auto' }];
    const r = renderReport(input({ servers, snapshots: [snapshot({ name: 'Hosted', url })] }));
    assert.ok(r.includes('mcp.example.com'), 'the host is still shown');
    assert.ok(!r.includes('PASSWORD-IN-URL-42'), 'URL password leaked');
    assert.ok(!r.includes(TOKEN), 'URL api_key leaked');
  });
});
