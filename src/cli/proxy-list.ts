// `proxy` with no --upstream: serves every server of the shared server list, and follows its edits
// (a changed list changes the gateway's endpoints in place: the servers it does not touch keep their clients).
import * as path from 'node:path';
import { SERVERS_FILE_ENV } from '../core/always-on';
import {
  SERVER_LIST_FILE,
  ServerListStore,
  configDir,
  currentLocationEnv,
  listRepeatRules,
  shownUrl,
  watchFiles,
  type ListedServer,
} from '../core/clients';
import { GatewayPortTaken, startGateway } from '../core/gateway';
import type { Gateway, GatewayEvent, GatewayLogger, GatewayOptions } from '../core/gateway';
import { jsonLine } from '../core/json-lines';
import { errorMessage } from '../core/narrow';

export interface ListProxyOptions extends Omit<GatewayOptions, 'upstreams' | 'logger' | 'onEvent'> {
  json: boolean;
}

export async function proxyFromList(o: ListProxyOptions): Promise<number> {
  const { json, ...gatewayOptions } = o;
  // In the always-on container (docker-gateway up with several upstreams) the list is a file put there
  // for it, in the shared list's format; elsewhere the user's list.
  const given = process.env[SERVERS_FILE_ENV];
  const store = new ServerListStore(given ? path.dirname(given) : configDir(currentLocationEnv()));
  const load = async () =>
    given && path.resolve(given) !== store.file
      ? { servers: [], problems: [`${SERVERS_FILE_ENV} must name a file called ${SERVER_LIST_FILE}, not ${given}`] }
      : store.load();
  const out = (line: string) => process.stdout.write(`${line}\n`);
  const logger: GatewayLogger = json
    ? { info: () => undefined, warn: () => undefined, error: (m) => process.stderr.write(`${m}\n`) }
    : {
        info: () => undefined,
        warn: (m) => process.stderr.write(`warn: ${m}\n`),
        error: (m) => process.stderr.write(`error: ${m}\n`),
      };
  const onEvent = (e: GatewayEvent) => {
    const { at, event, ...fields } = e;
    if (event === 'listening' || event === 'deferred') return;
    out(
      json
        ? JSON.stringify(jsonLine(event, { t: at, ...fields }))
        : `${at} ${event}${e.session ? ` [${e.session}]` : ''}: ${e.message}`,
    );
  };
  let gateway: Gateway | undefined;
  let key: string | undefined;
  let stopped = false;
  let applying = Promise.resolve();
  const upstreamText = (list: ListedServer[]) => list.map((s) => `${s.slug}=${shownUrl(s.url)}`).join(' ');

  const apply = async (first: boolean): Promise<boolean> => {
    const read = await load();
    for (const p of read.problems)
      out(json ? JSON.stringify(jsonLine('server-list-problem', { file: store.file, message: p })) : `warning: ${p}`);
    const next = JSON.stringify(read.servers);
    if (next === key || stopped) return true;
    key = next;
    if (read.servers.length === 0) {
      await gateway?.stop();
      gateway = undefined;
      const message = `no servers in ${store.file}: waiting for some (archon-mcp-doctor servers add <name> <url>)`;
      out(json ? JSON.stringify(jsonLine('server-list-problem', { file: store.file, message })) : message);
      return true;
    }
    const upstreams = read.servers.map((s) => ({
      name: s.name,
      slug: s.slug,
      url: s.url,
      ...(s.headers ? { headers: s.headers } : {}),
      repeat: listRepeatRules(s),
    }));
    try {
      // An edit changes only the servers it touches: the others keep their clients and calls in flight.
      if (gateway) await gateway.setUpstreams(upstreams);
      else gateway = await startGateway({ ...gatewayOptions, upstreams, logger, onEvent });
    } catch (err) {
      const hint =
        err instanceof GatewayPortTaken ? '; choose another port with --port P (clients must then use that port)' : '';
      process.stderr.write(`proxy: cannot start the gateway: ${errorMessage(err)}${hint}\n`);
      return !first;
    }
    const line = jsonLine(gateway.mode === 'deferred' ? 'deferred' : 'listening', {
      url: gateway.baseUrl,
      mode: gateway.mode,
      upstream: upstreamText(read.servers),
    });
    if (json) out(JSON.stringify(line));
    else for (const s of read.servers) out(`${gateway.url(s.slug)}  →  ${shownUrl(s.url)}`);
    return true;
  };

  if (!(await apply(true))) return 1;
  // Editors replace the file (rename) or write it in place: watch the folder, re-read on any change.
  let watch = watchFiles([store.file], () => {
    applying = applying.then(() => apply(false).then(() => undefined));
  });
  // The folder may not exist yet when the list is empty: look again now and then.
  const poll = setInterval(() => {
    watch.close();
    watch = watchFiles([store.file], () => {
      applying = applying.then(() => apply(false).then(() => undefined));
    });
    applying = applying.then(() => apply(false).then(() => undefined));
  }, 5_000);
  return new Promise<number>((resolve) => {
    const stop = () => {
      if (stopped) return;
      stopped = true;
      clearInterval(poll);
      watch.close();
      void applying
        .then(() => gateway?.stop())
        .then(
          () => resolve(0),
          () => resolve(0),
        );
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}
