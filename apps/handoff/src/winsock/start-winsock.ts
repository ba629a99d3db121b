import { WSAStartup, createCatalog, defaultCatalogEntries, type Switch } from '@sanshare/switch';
import type { SocketView } from '../trace/trace-event.js';
import type { AppWinsock } from './app-winsock.js';
import { QUICK_TIMEOUT_MS } from '../constants.js';

/** The provider the catalog names: loaded by the switch, by module name, as ws2_32 loads a DLL. */
export const PROVIDER_MODULE = '@sanshare/provider';

/**
 * Starts this process's switch the Winsock way: an in-memory catalog with the switch's default entries
 * (TCP over IPv4 and over IPv6, both implemented by `@sanshare/provider`, one instance), then
 * `WSAStartup`. `runtimeDir` is where the providers of the run meet (their endpoints); the app puts it
 * in its own temp dir so nothing outlives a run.
 */
export async function startWinsock(runtimeDir?: string): Promise<AppWinsock & { readonly sw: Switch }> {
  const catalog = await createCatalog();
  for (const entry of defaultCatalogEntries(PROVIDER_MODULE, runtimeDir === undefined ? undefined : { runtimeDir })) await catalog.install(entry);
  const sw = await WSAStartup({ catalog });
  const failure = sw.loadFailures[0];
  if (failure !== undefined) {
    await sw.WSACleanup().catch(() => undefined);
    throw failure.error;
  }
  const provider = sw.providers[0];
  return wrapSwitch(sw, provider ? `${provider.providerModule} (${provider.description})` : PROVIDER_MODULE);
}

/** The sample's view of a started switch (see `AppWinsock`): the switch's calls, under their own names. */
export function wrapSwitch(sw: Switch, providerDescription: string): AppWinsock & { readonly sw: Switch } {
  return {
    sw,
    providerDescription,
    pid: sw.pid,
    WSASocket: (af, type, protocol, protocolInfo) => sw.WSASocket(af, type, protocol, protocolInfo ?? null),
    connect: (s, address, port) => sw.connect(s, { address, port }, { timeoutMs: QUICK_TIMEOUT_MS }),
    bind: (s, address, port) => sw.bind(s, { address, port }),
    listen: (s, backlog) => sw.listen(s, backlog),
    accept: (s, signal) => sw.accept(s, signal ? { signal } : {}),
    send: (s, data) => sw.send(s, data),
    recv: (s, options) => sw.recv(s, options ?? {}),
    shutdown: (s, how) => sw.shutdown(s, how),
    closesocket: (s) => sw.closesocket(s),
    WSADuplicateSocket: (s, dwProcessId) => sw.WSADuplicateSocket(s, dwProcessId),
    view: (s) => viewOf(sw, s),
    WSACleanup: () => sw.WSACleanup(),
  };
}

/** Everything the trace shows of `s`; each part is left out when the switch refuses it (a handed-off socket). */
function viewOf(sw: Switch, s: number): SocketView {
  const view: SocketView = { switchSocket: s };
  const attempt = <T>(get: () => T): T | undefined => {
    try {
      return get();
    } catch {
      return undefined;
    }
  };
  const provider = attempt(() => sw.providerSocketOf(s));
  if (provider !== undefined) view.providerSocket = provider;
  const cookie = attempt(() => sw.socketCookie(s));
  if (cookie !== undefined) view.cookie = cookie.toString();
  const local = attempt(() => sw.getsockname(s));
  if (local !== undefined) view.local = `${local.address}:${local.port}`;
  const remote = attempt(() => sw.getpeername(s));
  if (remote !== undefined) view.remote = `${remote.address}:${remote.port}`;
  return view;
}
