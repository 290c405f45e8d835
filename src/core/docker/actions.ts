// What the VS Code layer (and the CLI) can ask of a container, through dockerode. No VS Code imports.
import type Dockerode from 'dockerode';
import { parseLogs, type ContainerLogs } from './logs';
import { isEngineStatus } from './engine-address';

/** `docker restart`: stop (SIGTERM, then SIGKILL after `timeoutSeconds`), then start. */
export async function restartContainer(
  docker: Dockerode,
  nameOrId: string,
  opts: { timeoutSeconds?: number } = {},
): Promise<void> {
  await docker.getContainer(nameOrId).restart({ t: opts.timeoutSeconds ?? 10 });
}

/** `docker start`. Starting a container that already runs is not an error (the engine answers 304). */
export async function startContainer(docker: Dockerode, nameOrId: string): Promise<void> {
  try {
    await docker.getContainer(nameOrId).start();
  } catch (err) {
    if (!isEngineStatus(err, 304)) throw err;
  }
}

/**
 * The last `tail` lines of a container's output, stdout and stderr separated. Non-TTY containers
 * multiplex both streams with 8-byte frame headers; TTY containers have one raw stream (all stdout).
 */
export async function containerLogs(
  docker: Dockerode,
  nameOrId: string,
  opts: { tail?: number; timestamps?: boolean } = {},
): Promise<ContainerLogs> {
  const c = docker.getContainer(nameOrId);
  const info = await c.inspect();
  const tty = !!info.Config?.Tty;
  const timestamps = opts.timestamps ?? true;
  // Typed a Buffer; the engine's answer to a TTY container can arrive as a string all the same.
  const data: unknown = await c.logs({ stdout: true, stderr: true, tail: opts.tail ?? 200, timestamps, follow: false });
  const buf = Buffer.isBuffer(data) ? data : Buffer.from(String(data ?? ''), 'utf8');
  return parseLogs(buf, { tty, timestamps });
}
