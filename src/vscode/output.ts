// The "Archon MCP" log channel as the core's Logger. Messages reaching here are already redacted.
import * as vscode from 'vscode';
import type { Logger } from '../core/logger';
import { redactText } from '../core/redact';

export function createOutput(): { channel: vscode.LogOutputChannel; logger: Logger } {
  const channel = vscode.window.createOutputChannel('Archon MCP', { log: true });
  // Last line of defence: even a message built carelessly never carries a bearer token.
  const logger: Logger = {
    debug: (m) => channel.debug(redactText(m)),
    info: (m) => channel.info(redactText(m)),
    warn: (m) => channel.warn(redactText(m)),
    error: (m) => channel.error(redactText(m)),
  };
  return { channel, logger };
}
