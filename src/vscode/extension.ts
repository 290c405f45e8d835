// Entry point: wires the core to VS Code. Everything here renders or forwards; the logic lives in src/core.
import * as vscode from 'vscode';
import { createApi, type ArchonMcpApi } from './api';
import { registerCommands } from './commands';
import { SECTION } from './config';
import { DoctorContext } from './context';
import { dockerReportSection, registerDocker } from './docker';
import { registerGateway } from './gateway';

let doctor: DoctorContext | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<ArchonMcpApi> {
  const ctx = new DoctorContext(context);
  doctor = ctx;
  const reportSections = () => [dockerReportSection(ctx.docker, ctx.snapshots())];
  context.subscriptions.push(ctx, ...registerCommands(ctx, reportSections), ...registerDocker(ctx, ctx.docker), ...registerGateway(ctx, ctx.gateway));
  context.subscriptions.push(
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration(SECTION)) ctx.applySettings().catch((err: Error) => ctx.log.error(`applying settings failed: ${err.message}`));
    }),
  );
  ctx.log.info(`Archon MCP Doctor ${context.extension.packageJSON.version} started`);
  await ctx.applySettings();
  return createApi(ctx);
}

export async function deactivate(): Promise<void> {
  const ctx = doctor;
  doctor = undefined;
  await ctx?.gateway.dispose();
  await ctx?.fleet.dispose();
}
