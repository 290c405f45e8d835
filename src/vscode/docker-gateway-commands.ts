// "Archon: Run / Stop Healing Gateway in Docker": the same core as `archon-mcp-doctor docker-gateway`.
// This window's own gateway steps aside for it and then uses it (see GatewayRunner).
import * as path from 'node:path';
import * as vscode from 'vscode';
import { asDockerGatewayError, dockerGatewayDown, dockerGatewayUp } from '../core/always-on';
import { createDockerClient } from '../core/docker';
import type { ServerConfig } from '../core/server-state';
import { repeatRulesFor } from '../core/settings';
import { listRepeatRules, listedByUrl } from '../core/clients';
import type { DoctorContext } from './context';
import type { GatewayRunner } from '../core/gateway';

async function pickServer(ctx: DoctorContext): Promise<ServerConfig | undefined> {
  const inDocker = ctx.settings.servers.filter((s) => s.container && s.transport !== 'sse');
  if (inDocker.length === 0) {
    void vscode.window
      .showErrorMessage(
        'Archon MCP: no server in archonMcp.servers names its Docker "container" (Archon\'s is archon-mcp); the gateway in Docker runs beside that container.',
        'Open Settings',
      )
      .then((a) => a && vscode.commands.executeCommand('archonMcp.openSettings'));
    return undefined;
  }
  if (inDocker.length === 1) return inDocker[0];
  const pick = await vscode.window.showQuickPick(
    inDocker.map((s) => ({ label: s.name, description: `${s.url} (container ${s.container})`, s })),
    { placeHolder: 'Run the healing gateway in Docker for which server?' },
  );
  return pick?.s;
}

export function registerDockerGateway(ctx: DoctorContext, host: GatewayRunner): vscode.Disposable[] {
  const connection = () => createDockerClient({ socketPath: ctx.settings.docker.socketPath || undefined });
  return [
    vscode.commands.registerCommand('archonMcp.runGatewayInDocker', async () => {
      const server = await pickServer(ctx);
      if (!server?.container) return;
      const conn = connection();
      const port = ctx.settings.gateway.port;
      await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: 'Archon: healing gateway in Docker' },
        async (progress) => {
          // This window's gateway holds the port: free it for the container, then use the container's.
          progress.report({ message: `freeing port ${port}` });
          await host.release();
          try {
            const r = await dockerGatewayUp(conn, {
              upstream: server.url,
              upstreamContainer: server.container!,
              port,
              name: server.name,
              baseImage: ctx.settings.gateway.dockerBaseImage,
              repeat: listRepeatRules(
                listedByUrl(ctx.listed, server.url),
                repeatRulesFor(server.name, ctx.settings.gateway),
              ),
              cliBundlePath: path.join(ctx.extension.extensionPath, 'dist', 'cli.js'),
              version: String(ctx.extension.extension.packageJSON.version),
              onProgress: (m) => {
                ctx.log.info(`docker gateway: ${m}`);
                progress.report({ message: m });
              },
            });
            ctx.log.info(
              `docker gateway: ${r.change}, ${r.state} at ${r.url}, forwarding to ${r.innerUpstream} on ${r.network}`,
            );
            void vscode.window.showInformationMessage(
              `Archon MCP: the healing gateway runs in Docker at ${r.url}${r.change === 'unchanged' ? ' (it already did)' : ''}. It stays up without VS Code.`,
            );
          } catch (err) {
            const e = asDockerGatewayError(err, conn.target);
            ctx.log.error(`docker gateway: ${e.code}: ${e.message}`);
            void vscode.window
              .showErrorMessage(`Archon MCP: could not run the healing gateway in Docker: ${e.message}`, 'Show Log')
              .then((a) => a && ctx.channel.show(true));
          } finally {
            await ctx.applySettings();
          }
        },
      );
    }),
    vscode.commands.registerCommand('archonMcp.stopGatewayInDocker', async () => {
      const conn = connection();
      await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: 'Archon: stopping the healing gateway in Docker' },
        async () => {
          try {
            const r = await dockerGatewayDown(conn);
            ctx.log.info(
              `docker gateway: ${r.removed ? `removed ${r.container}; sessions stay in volume ${r.volume}` : `${r.container} was not there`}`,
            );
            // This window's gateway takes the port back (it deferred to the container's).
            await host.release();
            await ctx.applySettings();
            void vscode.window.showInformationMessage(
              r.removed
                ? 'Archon MCP: the healing gateway in Docker is stopped; this window serves the port again.'
                : 'Archon MCP: no healing gateway runs in Docker.',
            );
          } catch (err) {
            const e = asDockerGatewayError(err, conn.target);
            ctx.log.error(`docker gateway: ${e.code}: ${e.message}`);
            void vscode.window.showErrorMessage(
              `Archon MCP: could not stop the healing gateway in Docker: ${e.message}`,
            );
          }
        },
      );
    }),
  ];
}
