// Each default lives in src/core/defaults.ts; package.json's setting defaults and the defaults the
// core runs on must say the same.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { SETTING_DEFAULTS } from '../../src/core/defaults';
import { DEFAULT_DOCKER_LINK_OPTIONS } from '../../src/core/docker';
import { GATEWAY_DEFAULTS } from '../../src/core/gateway';
import { validateSettings } from '../../src/core/settings';
import { DEFAULT_MONITOR_OPTIONS } from '../../src/core/server-state';

const manifest = JSON.parse(readFileSync('package.json', 'utf8')) as {
  contributes: { configuration: { properties: Record<string, { default?: unknown }> } };
};
const properties = manifest.contributes.configuration.properties;

describe('setting defaults', () => {
  it('package.json declares exactly the settings that have a default, each with the same value', () => {
    const declared = Object.keys(properties)
      .map((k) => k.replace(/^archonMcp\./, ''))
      .sort();
    assert.deepEqual(declared, Object.keys(SETTING_DEFAULTS).sort());
    for (const [key, value] of Object.entries(SETTING_DEFAULTS)) {
      assert.deepEqual(properties[key.startsWith('archonMcpDoctor.') ? key : `archonMcp.${key}`]!.default, value, key);
    }
  });

  it('empty settings validate to the defaults, and the defaults of the core agree', () => {
    const { settings, problems } = validateSettings({});
    assert.deepEqual(problems, []);
    assert.deepEqual(settings.servers, SETTING_DEFAULTS.servers);
    assert.deepEqual(settings.monitor, DEFAULT_MONITOR_OPTIONS);
    assert.equal(settings.clickAction, SETTING_DEFAULTS['statusBar.clickAction']);
    const { enabled, socketPath, ...link } = settings.docker;
    assert.equal(enabled, SETTING_DEFAULTS['docker.enabled']);
    assert.equal(socketPath, undefined, 'an empty socket path means DOCKER_HOST or the platform default');
    assert.deepEqual(link, DEFAULT_DOCKER_LINK_OPTIONS);
    assert.equal(settings.gateway.port, GATEWAY_DEFAULTS.port);
    assert.equal(settings.gateway.holdTimeoutMs, GATEWAY_DEFAULTS.holdTimeoutMs);
    assert.equal(settings.gateway.enabled, SETTING_DEFAULTS['gateway.enabled']);
    assert.equal(settings.gateway.registerWithVSCode, SETTING_DEFAULTS['gateway.registerWithVSCode']);
  });
});
