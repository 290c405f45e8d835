import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { lossCauseOf, serverLabelOf } from '../../src/core/stdio';

describe("a supervised server's name and cause in the incident journal", () => {
  it('is named after the package or script it runs', () => {
    assert.equal(
      serverLabelOf(['node', '/x/node_modules/@modelcontextprotocol/server-memory/dist/index.js']),
      'server-memory',
    );
    assert.equal(serverLabelOf(['npx', '-y', '@playwright/mcp@latest']), 'playwright/mcp');
    assert.equal(serverLabelOf(['uvx', 'mcp-server-fetch']), 'mcp-server-fetch');
    assert.equal(serverLabelOf(['python', '/srv/archon_server.py']), 'archon_server');
    assert.equal(serverLabelOf(['/usr/local/bin/my-server']), 'my-server');
  });
  it('a crash is a crash; a wedge or a command that cannot start names no cause it cannot know', () => {
    assert.equal(lossCauseOf('signal'), 'crash');
    assert.equal(lossCauseOf('oom-like'), 'crash', 'a SIGKILL may be the OOM killer, but nothing proves it');
    assert.equal(lossCauseOf('wedge'), 'unknown');
    assert.equal(lossCauseOf('spawn-error'), 'unknown');
  });
});
