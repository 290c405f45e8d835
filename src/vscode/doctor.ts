// The extension once its core is loaded: context, commands, Docker and gateway wiring.
import * as vscode from 'vscode';
import { createApi, type ArchonMcpApi } from './api';
import { registerCommands } from './commands';
import { DOCTOR_SECTION, SECTION } from './config';
import { DoctorContext } from './context';
import { dockerReportSection, registerDocker } from './docker';
import { gatewayDefinitions, registerGateway } from './gateway';
import { ClientsHost, registerClients } from './clients-section';
import { EveryHost, registerEvery } from './every';
import { registerDockerGateway } from './docker-gateway-commands';
import { registerRehearsal } from './rehearsal';
import { openWalkthroughOnFirstInstall } from './walkthrough';
import { IncidentsHost } from './window-incidents';
import { registerTimeline } from './timeline';

export interface Doctor {
  api: ArchonMcpApi;
  /** Resolves when the settings were read and every monitor started. */
  ready: Promise<void>;
  mcpDefinitions(): vscode.McpServerDefinition[];
  dispose(): Promise<void>;
}

export function startDoctor(context: vscode.ExtensionContext, mcpDefinitionsChanged: () => void): Doctor {
  const ctx = new DoctorContext(context, mcpDefinitionsChanged);
  const incidents = new IncidentsHost(ctx);
  ctx.tree.addSection((s) => incidents.treeNodes(s));
  const reportSections = () => [dockerReportSection(ctx.docker, ctx.snapshots()), incidents.reportSection()];
  const clients = new ClientsHost(ctx);
  const every = new EveryHost();
  context.subscriptions.push(
    ctx,
    ...registerCommands(ctx, reportSections),
    ...registerDocker(ctx, ctx.docker),
    ...registerGateway(ctx, ctx.gateway),
    ...registerEvery(ctx, every, clients),
    ...registerClients(ctx, clients),
    ...registerDockerGateway(ctx, ctx.gateway),
    ...registerRehearsal(ctx, ctx.docker),
    incidents,
    ...registerTimeline(incidents),
  );
  context.subscriptions.push(
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration(SECTION) || e.affectsConfiguration(DOCTOR_SECTION))
        ctx
          .applySettings()
          .then(() => clients.refresh())
          .catch((err: Error) => ctx.log.error(`applying settings failed: ${err.message}`));
    }),
  );
  ctx.log.info(`Archon MCP Doctor ${context.extension.packageJSON.version} started`);
  openWalkthroughOnFirstInstall(context, ctx.log);
  const ready = ctx
    .applySettings()
    .then(() => clients.refresh())
    .catch((err: Error) => ctx.log.error(`reading the settings failed: ${err.stack ?? err.message}`));
  void ready.then(() => incidents.scheduleAwaySummary());
  return {
    api: createApi(ctx),
    ready,
    mcpDefinitions: () => gatewayDefinitions(ctx.gateway, ctx.settings.gateway.registerWithVSCode),
    dispose: () => ctx.dispose(),
  };
}
