// How the gateway addresses a 2026-07-28 upstream: the era read from a -32022 refusal, the standard
// request headers (Mcp-Name base64-encoded when not plain ASCII), the `_meta` envelope, and the
// initialize answer built from a server/discover result.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  CLIENT_CAPABILITIES_META_KEY,
  CLIENT_INFO_META_KEY,
  PROTOCOL_VERSION_META_KEY,
} from '@modelcontextprotocol/client';
import {
  encodeHeaderValue,
  initializeResultFrom,
  modernHeaders,
  readDiscover,
  refusalNamesModern,
  withEnvelope,
} from '../../src/core/gateway/era';

describe('gateway era helpers', () => {
  it('reads the era from a -32022 refusal only when it lists 2026-07-28', () => {
    const modern =
      '{"jsonrpc":"2.0","error":{"code":-32022,"message":"Unsupported protocol version: 2025-11-25","data":{"supported":["2026-07-28"],"requested":"2025-11-25"}},"id":0}';
    assert.equal(refusalNamesModern(modern), true);
    assert.equal(refusalNamesModern(modern.replace('2026-07-28', '2025-06-18')), false);
    assert.equal(
      refusalNamesModern(
        '{"jsonrpc":"2.0","error":{"code":-32000,"message":"Bad Request: Server not initialized"},"id":null}',
      ),
      false,
    );
    assert.equal(refusalNamesModern('Bad Request: Missing session ID'), false);
  });

  it('sets MCP-Protocol-Version, Mcp-Method and Mcp-Name (base64 when not plain ASCII)', () => {
    assert.deepEqual(
      modernHeaders({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'find_projects' } }),
      {
        'mcp-protocol-version': '2026-07-28',
        'mcp-method': 'tools/call',
        'mcp-name': 'find_projects',
      },
    );
    assert.equal(
      modernHeaders({ jsonrpc: '2.0', id: 1, method: 'resources/read', params: { uri: 'file:///x' } })['mcp-name'],
      'file:///x',
    );
    assert.equal(modernHeaders({ jsonrpc: '2.0', id: 1, method: 'tools/list' })['mcp-name'], undefined);
    assert.deepEqual(modernHeaders({ jsonrpc: '2.0', method: 'notifications/cancelled' }), {
      'mcp-protocol-version': '2026-07-28',
    });
    assert.equal(encodeHeaderValue('tâche'), `=?base64?${Buffer.from('tâche').toString('base64')}?=`);
    assert.equal(encodeHeaderValue(' padded'), `=?base64?${Buffer.from(' padded').toString('base64')}?=`);
  });

  it("puts the client's own info and capabilities in the envelope and keeps other _meta keys", () => {
    const init = {
      protocolVersion: '2025-06-18',
      clientInfo: { name: 'vscode', version: '1.139' },
      capabilities: { sampling: {} },
    };
    const out = withEnvelope(
      { jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 't', _meta: { progressToken: 3 } } },
      init,
    );
    assert.deepEqual(out.params?._meta, {
      [CLIENT_INFO_META_KEY]: init.clientInfo,
      [CLIENT_CAPABILITIES_META_KEY]: init.capabilities,
      progressToken: 3,
      [PROTOCOL_VERSION_META_KEY]: '2026-07-28',
    });
    assert.equal(out.id, 7);
    assert.equal(out.params?.name, 't');
  });

  it("answers initialize from discover in the client's revision when the gateway speaks it", () => {
    const d = readDiscover(
      {
        supportedVersions: ['2026-07-28'],
        capabilities: { tools: {} },
        instructions: 'hi',
        _meta: { 'io.modelcontextprotocol/serverInfo': { name: 'm', version: '2' } },
      },
      'fallback',
    );
    assert.ok(d);
    assert.deepEqual(initializeResultFrom(d, '2025-06-18'), {
      protocolVersion: '2025-06-18',
      capabilities: { tools: {} },
      serverInfo: { name: 'm', version: '2' },
      instructions: 'hi',
    });
    assert.equal(initializeResultFrom(d, '1999-01-01').protocolVersion, '2025-11-25');
    assert.equal(readDiscover({ tools: [] }, 'x'), undefined, 'not a discover result');
    assert.equal(readDiscover({ supportedVersions: [] }, 'fallback')?.serverInfo.name, 'fallback');
  });
});
