// Reads the archonMcp.* settings and validates them with the core's rules.
import * as vscode from 'vscode';
import { validateSettings, type Validated } from '../core/settings';

export const SECTION = 'archonMcp';
/** Settings the issue tracker named under the product's full name (the repeat policy). */
export const DOCTOR_SECTION = 'archonMcpDoctor';

export function readSettings(): Validated {
  const c = vscode.workspace.getConfiguration(SECTION);
  return validateSettings({
    servers: c.get('servers'),
    pingIntervalSeconds: c.get('pingIntervalSeconds'),
    pingTimeoutSeconds: c.get('pingTimeoutSeconds'),
    autoHeal: c.get('autoHeal'),
    maxAutoHealAttempts: c.get('maxAutoHealAttempts'),
    degradedLatencyMs: c.get('degradedLatencyMs'),
    clickAction: c.get('statusBar.clickAction'),
    docker: {
      enabled: c.get('docker.enabled'),
      socketPath: c.get('docker.socketPath'),
      memoryPressurePercent: c.get('docker.memoryPressurePercent'),
      serverMemoryWarnMb: c.get('docker.serverMemoryWarnMb'),
      memoryAlerts: c.get('docker.memoryAlerts'),
    },
    gateway: {
      enabled: c.get('gateway.enabled'),
      port: c.get('gateway.port'),
      holdTimeoutSeconds: c.get('gateway.holdTimeoutSeconds'),
      responseTimeoutSeconds: c.get('gateway.responseTimeoutSeconds'),
      registerWithVSCode: c.get('gateway.registerWithVSCode'),
      dockerBaseImage: c.get('gateway.dockerBaseImage'),
    },
    repeatSafeTools: vscode.workspace.getConfiguration(DOCTOR_SECTION).get('repeatSafeTools'),
    neverRepeatTools: vscode.workspace.getConfiguration(DOCTOR_SECTION).get('neverRepeatTools'),
  });
}

/** The settings as the user wrote them, for the diagnostics report (server headers are redacted there). */
export function rawSettingsForReport(): Record<string, unknown> {
  const c = vscode.workspace.getConfiguration(SECTION);
  const keys = [
    'pingIntervalSeconds',
    'pingTimeoutSeconds',
    'autoHeal',
    'maxAutoHealAttempts',
    'degradedLatencyMs',
    'statusBar.clickAction',
    'docker.enabled',
    'docker.socketPath',
    'docker.memoryPressurePercent',
    'docker.serverMemoryWarnMb',
    'docker.memoryAlerts',
    'gateway.enabled',
    'gateway.port',
    'gateway.holdTimeoutSeconds',
    'gateway.responseTimeoutSeconds',
    'gateway.registerWithVSCode',
    'gateway.dockerBaseImage',
  ];
  const doctor = vscode.workspace.getConfiguration(DOCTOR_SECTION);
  return {
    ...Object.fromEntries(keys.map((k) => [k, c.get(k)])),
    repeatSafeTools: doctor.get('repeatSafeTools'),
    neverRepeatTools: doctor.get('neverRepeatTools'),
  };
}
