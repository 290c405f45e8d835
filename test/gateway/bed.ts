// A server and a gateway in front of it: the set-up almost every gateway test starts from.
import { startGateway, type Gateway, type GatewayOptions, type GatewayUpstream } from '../../src/core/gateway';
import { startServer, type RunningServer, type ServerKind, type StartOptions } from '../helpers/servers';

export interface Bed {
  server: RunningServer;
  gw: Gateway;
}

export type BedGatewayOptions = Partial<Omit<GatewayOptions, 'upstreams'>> & {
  /** The upstream's name (its slug in the URL); default 'archon'. */
  name?: string;
  /** More fields of the one upstream (headers, repeat rules, publicUrl). */
  upstream?: Partial<Omit<GatewayUpstream, 'url'>>;
};

/** Starts a server of `kind`, then a gateway on a free port with that server as its one upstream. */
export async function serverAndGateway(
  kind: ServerKind,
  serverOptions: StartOptions = {},
  gateway: BedGatewayOptions = {},
): Promise<Bed> {
  const server = await startServer(kind, serverOptions);
  const { name = 'archon', upstream, ...options } = gateway;
  try {
    const gw = await startGateway({ port: 0, ...options, upstreams: [{ name, url: server.url, ...upstream }] });
    return { server, gw };
  } catch (err) {
    await server.stop();
    throw err;
  }
}

/** Stops what a bed started (the gateway first), whatever of it started. */
export async function stopBed(bed: Partial<Bed>): Promise<void> {
  await bed.gw?.stop();
  await bed.server?.stop();
}
