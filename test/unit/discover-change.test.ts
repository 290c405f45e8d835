// describeDiscoverChange: which differences between two server/discover answers show a different server build.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { DiscoverResult } from '@modelcontextprotocol/client';
import { describeDiscoverChange } from '../../src/core/mcp-connection';

// The shape the v2 server sends (recorded in test/fixtures/modern-errors.json, "stale-session-header").
const discover = (version: string, extra: Partial<DiscoverResult> = {}): DiscoverResult =>
  ({
    supportedVersions: ['2026-07-28'],
    capabilities: { tools: { listChanged: true } },
    resultType: 'complete',
    ttlMs: 0,
    cacheScope: 'private',
    _meta: { 'io.modelcontextprotocol/serverInfo': { name: 'modern-mcp', version } },
    ...extra,
  }) as DiscoverResult;

describe('describeDiscoverChange', () => {
  it('the same answer is no change, whatever its cache hints say', () => {
    assert.equal(
      describeDiscoverChange(discover('1.0.0'), discover('1.0.0', { ttlMs: 60_000 } as Partial<DiscoverResult>)),
      undefined,
    );
  });

  it('a new version names both builds', () => {
    assert.equal(
      describeDiscoverChange(discover('1.0.0'), discover('1.1.0')),
      'server/discover names modern-mcp 1.1.0, it named modern-mcp 1.0.0',
    );
  });

  it('other capabilities or revisions say what changed', () => {
    const more = discover('1.0.0', {
      capabilities: { tools: { listChanged: true }, prompts: {} },
    } as Partial<DiscoverResult>);
    assert.match(describeDiscoverChange(discover('1.0.0'), more) ?? '', /capabilities changed/);
    const revisions = discover('1.0.0', { supportedVersions: ['2026-07-28', '2027-01-01'] } as Partial<DiscoverResult>);
    assert.match(describeDiscoverChange(discover('1.0.0'), revisions) ?? '', /versions changed/);
  });

  it('nothing known before (a 2025 connection) compared with nothing is no change', () => {
    assert.equal(describeDiscoverChange(undefined, undefined), undefined);
  });
});
