// Docker awareness for the gateway, shared by the extension and the CLI: a container `die` marks its
// server as restarting at once, so no client request is sent into a dying container.
import { ContainerWatcher } from '../docker';
import type { ContainerDown } from '../docker';
import type { DockerConnectionOptions } from '../docker';
import type { Gateway, GatewayLogger } from './gateway-api';

/** Anything that reports container deaths per server: the extension's DockerSupervisor, or one watcher. */
export interface ContainerDownSource {
  onContainerDown(listener: (serverName: string, down: ContainerDown) => void): () => void;
}

/** Wires container deaths to the gateway. `slugOf` maps a server name to its gateway endpoint (undefined: not served). */
export function holdOnContainerDown(
  source: ContainerDownSource,
  gateway: () => Pick<Gateway, 'notifyUpstreamRestarting'> | undefined,
  slugOf: (serverName: string) => string | undefined,
): () => void {
  return source.onContainerDown((serverName, down) => {
    const slug = slugOf(serverName);
    // Only an OOM kill is certain this early; a `die` may be a crash or a `docker restart`.
    if (slug) gateway()?.notifyUpstreamRestarting(slug, undefined, down?.oom ? 'oom-kill' : undefined);
  });
}

export interface UpstreamContainerOptions extends DockerConnectionOptions {
  /** The container that runs the upstream, e.g. `archon-mcp`. */
  container: string;
  logger: GatewayLogger;
}

/** The standalone gateway's Docker awareness (`proxy`/`stdio --container`): one watcher for one upstream. */
export function watchUpstreamContainer(
  gateway: Pick<Gateway, 'notifyUpstreamRestarting'>,
  slug: string,
  opts: UpstreamContainerOptions,
): { stop(): void } {
  const watcher = new ContainerWatcher({
    container: opts.container,
    socketPath: opts.socketPath,
    env: opts.env,
    memoryAlerting: false,
  });
  let lastProblem = '';
  watcher.on('problem', (p) => {
    if (p.message !== lastProblem) opts.logger.warn(`Docker: ${p.message}`);
    lastProblem = p.message;
  });
  watcher.on('problem-cleared', () => {
    lastProblem = '';
  });
  watcher.on('connected', (e) =>
    opts.logger.info(`watching container ${opts.container} through Docker ${e.version} at ${e.target}`),
  );
  watcher.on('down', (d) =>
    opts.logger.warn(
      `container ${opts.container} ${d.oom ? 'was OOM-killed' : 'died'}: holding requests until it is back`,
    ),
  );
  const source: ContainerDownSource = {
    onContainerDown(listener) {
      const onDown = (d: ContainerDown): void => listener(slug, d);
      watcher.on('down', onDown);
      return () => watcher.off('down', onDown);
    },
  };
  const unhold = holdOnContainerDown(
    source,
    () => gateway,
    (s) => s,
  );
  void watcher.start();
  return {
    stop() {
      unhold();
      watcher.removeAllListeners();
      watcher.stop();
    },
  };
}
