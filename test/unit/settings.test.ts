// Unit tests for src/core/settings.ts: defaults, invalid entries reported with the valid ones kept.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_BASE_IMAGE } from '../../src/core/always-on/sidecar-vocabulary';
import { CLICK_ACTIONS, DEFAULT_SERVER, MIN_PING_INTERVAL_S, validateSettings } from '../../src/core/settings';

const ARCHON = { name: 'Archon', url: 'http://localhost:8051/mcp' };

describe('validateSettings: defaults', () => {
  it('no settings at all: one server Archon with its health URL and container, no problems', () => {
    const { settings, problems } = validateSettings({});
    assert.deepEqual(problems, []);
    assert.equal(settings.servers.length, 1);
    assert.deepEqual(settings.servers[0], {
      name: 'Archon',
      url: 'http://localhost:8051/mcp',
      transport: 'auto',
      healthUrl: 'http://localhost:8051/health',
      container: 'archon-mcp',
    });
  });

  it('DEFAULT_SERVER matches the issue and package.json default', () => {
    assert.equal(DEFAULT_SERVER.name, 'Archon');
    assert.equal(DEFAULT_SERVER.url, 'http://localhost:8051/mcp');
    assert.equal(DEFAULT_SERVER.healthUrl, 'http://localhost:8051/health');
    assert.equal(DEFAULT_SERVER.container, 'archon-mcp');
    assert.equal(DEFAULT_SERVER.transport, 'auto');
  });

  it('null servers also fall back to the default', () => {
    assert.equal(validateSettings({ servers: null }).settings.servers[0].name, 'Archon');
  });

  it('default monitor options: 10 s ping, 5 s timeout, autoHeal on, 5 attempts, 1000 ms degraded; click reconnects', () => {
    const { settings } = validateSettings({});
    assert.deepEqual(settings.monitor, {
      pingIntervalMs: 10_000,
      pingTimeoutMs: 5_000,
      autoHeal: true,
      maxAutoHealAttempts: 5,
      degradedLatencyMs: 1_000,
    });
    assert.equal(settings.clickAction, 'reconnect');
  });

  it('an empty list means no server (the welcome view), not the default', () => {
    const { settings, problems } = validateSettings({ servers: [] });
    assert.deepEqual(settings.servers, []);
    assert.deepEqual(problems, []);
  });

  it('values are converted: seconds to milliseconds', () => {
    const { settings, problems } = validateSettings({
      pingIntervalSeconds: 3,
      pingTimeoutSeconds: 1.5,
      degradedLatencyMs: 250,
      maxAutoHealAttempts: 2,
      autoHeal: false,
    });
    assert.deepEqual(problems, []);
    assert.equal(settings.monitor.pingIntervalMs, 3_000);
    assert.equal(settings.monitor.pingTimeoutMs, 1_500);
    assert.equal(settings.monitor.degradedLatencyMs, 250);
    assert.equal(settings.monitor.maxAutoHealAttempts, 2);
    assert.equal(settings.monitor.autoHeal, false);
  });
});

describe('validateSettings: servers', () => {
  it('a full valid entry is kept with every field', () => {
    const { settings, problems } = validateSettings({
      servers: [
        {
          name: ' Remote ',
          url: 'https://mcp.example.com/mcp',
          transport: 'sse',
          healthUrl: 'https://mcp.example.com/health',
          container: ' c1 ',
          headers: { 'X-Trace': 'on' },
        },
      ],
    });
    assert.deepEqual(problems, []);
    assert.deepEqual(settings.servers, [
      {
        name: 'Remote',
        url: 'https://mcp.example.com/mcp',
        transport: 'sse',
        healthUrl: 'https://mcp.example.com/health',
        container: 'c1',
        headers: { 'X-Trace': 'on' },
      },
    ]);
  });

  it('transport defaults to auto', () => {
    assert.equal(validateSettings({ servers: [ARCHON] }).settings.servers[0].transport, 'auto');
  });

  it('streamable-http is accepted', () => {
    assert.equal(
      validateSettings({ servers: [{ ...ARCHON, transport: 'streamable-http' }] }).settings.servers[0].transport,
      'streamable-http',
    );
  });

  it('a missing name falls back to host:port', () => {
    const { settings, problems } = validateSettings({ servers: [{ url: 'http://127.0.0.1:3001/mcp' }] });
    assert.deepEqual(problems, []);
    assert.equal(settings.servers[0].name, '127.0.0.1:3001');
  });

  for (const url of ['not a url', 'ftp://host/mcp', 'file:///etc/passwd', '', 42, undefined]) {
    it(`an invalid URL (${JSON.stringify(url)}) is listed as a problem and the valid server is kept`, () => {
      const { settings, problems } = validateSettings({ servers: [{ name: 'Bad', url }, ARCHON] });
      assert.deepEqual(
        settings.servers.map((s) => s.name),
        ['Archon'],
      );
      assert.equal(problems.length, 1);
      assert.match(problems[0], /archonMcp\.servers\[0\]/);
      assert.match(problems[0], /"Bad"/);
      assert.match(problems[0], /not an http\(s\) URL/);
      assert.match(problems[0], /ignored/);
    });
  }

  it('an unknown transport is listed and the server ignored; others kept', () => {
    const { settings, problems } = validateSettings({
      servers: [ARCHON, { name: 'WS', url: 'http://localhost:9000/mcp', transport: 'websocket' }],
    });
    assert.deepEqual(
      settings.servers.map((s) => s.name),
      ['Archon'],
    );
    assert.equal(problems.length, 1);
    assert.match(problems[0], /servers\[1\]/);
    assert.match(problems[0], /unknown transport "websocket"/);
    assert.match(problems[0], /auto, streamable-http or sse/);
  });

  for (const [label, entry] of [
    ['a string', 'http://localhost:8051/mcp'],
    ['null', null],
    ['a number', 7],
    ['an array', [ARCHON]],
  ] as const) {
    it(`a non-object entry (${label}) is listed and ignored; the valid ones are kept`, () => {
      const { settings, problems } = validateSettings({ servers: [entry, ARCHON] });
      assert.deepEqual(
        settings.servers.map((s) => s.name),
        ['Archon'],
      );
      assert.equal(problems.length, 1);
      assert.match(problems[0], /servers\[0\] is not an object/);
    });
  }

  it('servers that is not a list is a problem and watches nothing', () => {
    const { settings, problems } = validateSettings({ servers: { name: 'Archon', url: 'http://localhost:8051/mcp' } });
    assert.deepEqual(settings.servers, []);
    assert.equal(problems.length, 1);
    assert.match(problems[0], /must be a list/);
  });

  it('duplicate names: the second is listed and ignored, the first kept', () => {
    const { settings, problems } = validateSettings({
      servers: [
        ARCHON,
        { name: 'Archon', url: 'http://localhost:9999/mcp' },
        { name: 'Other', url: 'http://localhost:3001/mcp' },
      ],
    });
    assert.deepEqual(
      settings.servers.map((s) => [s.name, s.url]),
      [
        ['Archon', 'http://localhost:8051/mcp'],
        ['Other', 'http://localhost:3001/mcp'],
      ],
    );
    assert.equal(problems.length, 1);
    assert.match(problems[0], /"Archon" is used twice/);
  });

  it('names that differ only by surrounding spaces are duplicates', () => {
    const { settings, problems } = validateSettings({
      servers: [ARCHON, { name: '  Archon ', url: 'http://localhost:9999/mcp' }],
    });
    assert.equal(settings.servers.length, 1);
    assert.equal(problems.length, 1);
  });

  it('several bad entries: every one is listed, every good one kept', () => {
    const { settings, problems } = validateSettings({
      servers: [
        'x',
        { name: 'A', url: 'nope' },
        ARCHON,
        { name: 'B', url: 'http://h/mcp', transport: 'grpc' },
        { name: 'C', url: 'http://c:1/mcp' },
      ],
    });
    assert.deepEqual(
      settings.servers.map((s) => s.name),
      ['Archon', 'C'],
    );
    assert.equal(problems.length, 3);
  });

  it('an invalid healthUrl keeps the server, turns health probing off and says so', () => {
    const { settings, problems } = validateSettings({ servers: [{ ...ARCHON, healthUrl: 'localhost:8051/health' }] });
    assert.equal(settings.servers.length, 1);
    assert.equal(settings.servers[0].healthUrl, undefined);
    assert.equal(problems.length, 1);
    assert.match(problems[0], /healthUrl/);
  });

  it('an empty healthUrl is simply off, without a problem', () => {
    const { settings, problems } = validateSettings({ servers: [{ ...ARCHON, healthUrl: '' }] });
    assert.equal(settings.servers[0].healthUrl, undefined);
    assert.deepEqual(problems, []);
  });

  it('a blank container is dropped', () => {
    assert.equal(
      validateSettings({ servers: [{ ...ARCHON, container: '   ' }] }).settings.servers[0].container,
      undefined,
    );
  });

  it('headers with non-string values are ignored with a problem', () => {
    const { settings, problems } = validateSettings({ servers: [{ ...ARCHON, headers: { 'X-N': 5 } }] });
    assert.equal(settings.servers[0].headers, undefined);
    assert.equal(problems.length, 1);
    assert.match(problems[0], /headers must map names to strings/);
  });

  it('an Authorization header is kept but warns that it is plain text, without echoing its value', () => {
    const secret = 'Bearer sk-settings-SECRET-0001';
    for (const name of ['Authorization', 'authorization', 'AUTHORIZATION']) {
      const { settings, problems } = validateSettings({ servers: [{ ...ARCHON, headers: { [name]: secret } }] });
      assert.equal(settings.servers[0].headers?.[name], secret);
      assert.equal(problems.length, 1, name);
      assert.match(problems[0], /Authorization header/);
      assert.match(problems[0], /Set Server Token/);
      assert.ok(!problems[0].includes('sk-settings-SECRET-0001'));
    }
  });

  it('the headers object is copied, not shared with the raw settings', () => {
    const headers = { 'X-A': '1' };
    const { settings } = validateSettings({ servers: [{ ...ARCHON, headers }] });
    headers['X-A'] = 'changed';
    assert.equal(settings.servers[0].headers?.['X-A'], '1');
  });
});

describe('validateSettings: numbers', () => {
  it(`a ping interval below the minimum clamps to ${MIN_PING_INTERVAL_S} s with a problem`, () => {
    const { settings, problems } = validateSettings({ pingIntervalSeconds: 0.5 });
    assert.equal(MIN_PING_INTERVAL_S, 2);
    assert.equal(settings.monitor.pingIntervalMs, 2_000);
    assert.equal(problems.length, 1);
    assert.match(problems[0], /pingIntervalSeconds is 0\.5, below the minimum 2; using 2/);
  });

  it('a negative ping interval clamps too', () => {
    const { settings, problems } = validateSettings({ pingIntervalSeconds: -10 });
    assert.equal(settings.monitor.pingIntervalMs, 2_000);
    assert.equal(problems.length, 1);
  });

  it('the minimum itself is accepted silently', () => {
    const { settings, problems } = validateSettings({ pingIntervalSeconds: 2 });
    assert.equal(settings.monitor.pingIntervalMs, 2_000);
    assert.deepEqual(problems, []);
  });

  for (const value of ['10', true, NaN, Infinity, {}, [5]]) {
    it(`a non-number interval (${String(value)}) falls back to 10 s with a problem`, () => {
      const { settings, problems } = validateSettings({ pingIntervalSeconds: value });
      assert.equal(settings.monitor.pingIntervalMs, 10_000);
      assert.equal(problems.length, 1);
      assert.match(problems[0], /pingIntervalSeconds must be a number; using 10/);
    });
  }

  it('pingTimeoutSeconds below 0.5 clamps to 0.5', () => {
    const { settings, problems } = validateSettings({ pingTimeoutSeconds: 0.1 });
    assert.equal(settings.monitor.pingTimeoutMs, 500);
    assert.equal(problems.length, 1);
  });

  it('maxAutoHealAttempts is rounded and at least 1', () => {
    assert.equal(validateSettings({ maxAutoHealAttempts: 2.6 }).settings.monitor.maxAutoHealAttempts, 3);
    const zero = validateSettings({ maxAutoHealAttempts: 0 });
    assert.equal(zero.settings.monitor.maxAutoHealAttempts, 1);
    assert.equal(zero.problems.length, 1);
    const str = validateSettings({ maxAutoHealAttempts: 'five' });
    assert.equal(str.settings.monitor.maxAutoHealAttempts, 5);
    assert.match(str.problems[0], /maxAutoHealAttempts must be a number/);
  });

  it('degradedLatencyMs below 1 clamps, non-numbers fall back to 1000', () => {
    assert.equal(validateSettings({ degradedLatencyMs: 0 }).settings.monitor.degradedLatencyMs, 1);
    assert.equal(validateSettings({ degradedLatencyMs: 'slow' }).settings.monitor.degradedLatencyMs, 1000);
  });

  it('autoHeal must be a boolean', () => {
    const { settings, problems } = validateSettings({ autoHeal: 'no' });
    assert.equal(settings.monitor.autoHeal, true);
    assert.equal(problems.length, 1);
    assert.match(problems[0], /autoHeal must be true or false/);
  });

  it('problems in numbers do not drop the servers', () => {
    const { settings, problems } = validateSettings({
      servers: [ARCHON],
      pingIntervalSeconds: 1,
      pingTimeoutSeconds: 'x',
    });
    assert.equal(settings.servers.length, 1);
    assert.equal(problems.length, 2);
  });
});

describe('validateSettings: clickAction', () => {
  for (const action of CLICK_ACTIONS) {
    it(`"${action}" is accepted`, () => {
      const { settings, problems } = validateSettings({ clickAction: action });
      assert.equal(settings.clickAction, action);
      assert.deepEqual(problems, []);
    });
  }

  for (const bad of ['openLog', 'Reconnect', 3, true]) {
    it(`${JSON.stringify(bad)} falls back to reconnect with a problem`, () => {
      const { settings, problems } = validateSettings({ clickAction: bad });
      assert.equal(settings.clickAction, 'reconnect');
      assert.equal(problems.length, 1);
      assert.match(problems[0], /statusBar\.clickAction/);
      assert.match(problems[0], /reconnect, showLog, showView/);
    });
  }

  it('the three actions are exactly those of package.json', () => {
    assert.deepEqual([...CLICK_ACTIONS], ['reconnect', 'showLog', 'showView']);
  });
});

describe('validateSettings: gateway.responseTimeoutSeconds', () => {
  it('defaults to 120 s, separate from the hold timeout', () => {
    const { settings } = validateSettings({});
    assert.equal(settings.gateway.responseTimeoutMs, 120_000);
    assert.equal(settings.gateway.holdTimeoutMs, 30_000);
  });
  it('takes a valid value and reports an invalid one, keeping the default', () => {
    assert.equal(
      validateSettings({ gateway: { responseTimeoutSeconds: 5 } }).settings.gateway.responseTimeoutMs,
      5_000,
    );
    const bad = validateSettings({ gateway: { responseTimeoutSeconds: 'soon' } });
    assert.equal(bad.settings.gateway.responseTimeoutMs, 120_000);
    assert.ok(
      bad.problems.some((p) => p.includes('gateway.responseTimeoutSeconds')),
      bad.problems.join('\n'),
    );
  });
});

describe('validateSettings: gateway.dockerBaseImage', () => {
  it('defaults to the official Node LTS image the CLI uses too', () => {
    assert.equal(validateSettings({}).settings.gateway.dockerBaseImage, DEFAULT_BASE_IMAGE);
  });
  it('takes image references with a registry, a tag or a digest; reports anything else and keeps the default', () => {
    for (const ok of [
      'node:22-bookworm-slim',
      'registry.example.com:5000/team/node:24',
      `node@sha256:${'a'.repeat(64)}`,
    ]) {
      const v = validateSettings({ gateway: { dockerBaseImage: ok } });
      assert.deepEqual(v.problems, [], ok);
      assert.equal(v.settings.gateway.dockerBaseImage, ok);
    }
    for (const bad of ['node 24', 42, '--privileged', 'node:24;rm -rf /']) {
      const v = validateSettings({ gateway: { dockerBaseImage: bad } });
      assert.equal(v.settings.gateway.dockerBaseImage, DEFAULT_BASE_IMAGE, String(bad));
      assert.ok(
        v.problems.some((p) => p.includes('gateway.dockerBaseImage')),
        `${String(bad)}: ${v.problems.join('\n')}`,
      );
    }
  });
});
