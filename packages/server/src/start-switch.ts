/**
 * The switch every process of a server starts: an in-memory catalog with the default TCP entries
 * (IPv4 and IPv6) over `@sanshare/provider`, all in one runtime directory, so that the processes of
 * one server find each other's hand-off endpoints by pid.
 */
import { defaultRuntimeDir } from '@sanshare/provider';
import { createCatalog, defaultCatalogEntries, WSAStartup, type Switch } from '@sanshare/switch';
import { listenControl, type ControlListener } from './control-channel.js';
import { ServerError, firstLine } from './errors.js';

/** Options of the provider every process of a server runs (`WSPStartup`'s options). */
export interface ProviderSettings {
  /** Unclaimed imports a process holds (the provider's default, 16,384). Raise it above the number of connections moved at once. */
  maxPendingExports?: number;
  /** How long an unclaimed import lives, in ms (default 30,000). */
  importTimeoutMs?: number;
  /** How long a duplication waits for the target's endpoint, in ms (default 10,000). */
  handoffTimeoutMs?: number;
}

/** The runtime directory to use: `runtimeDir`, else the provider's default (`$XDG_RUNTIME_DIR/sanshare`, else `<tmpdir>/sanshare-<uid>`). */
export function resolveRuntimeDir(runtimeDir: string | undefined): string {
  return runtimeDir ?? defaultRuntimeDir();
}

/** Starts the switch; rejects with `ERR_INVALID_ARGUMENT` when the provider refuses the settings or cannot start. */
export async function startSwitch(runtimeDir: string, provider: ProviderSettings = {}): Promise<Switch> {
  const catalog = await createCatalog();
  for (const entry of defaultCatalogEntries('@sanshare/provider', { runtimeDir, ...provider })) await catalog.install(entry);
  const sw = await WSAStartup({ catalog });
  const failure = sw.loadFailures[0];
  if (failure !== undefined) {
    await sw.WSACleanup();
    throw new ServerError(
      'ERR_INVALID_ARGUMENT',
      `the provider could not start in ${runtimeDir}: ${firstLine(failure.error)}; check the runtime directory (owned by this user, mode 0700) and the provider options`,
      { cause: failure.error },
    );
  }
  return sw;
}

/**
 * What a restarter and a worker pool both start: the switch, then this process's control socket; if
 * the control socket cannot listen, the switch is cleaned up before the error goes on.
 */
export async function startSwitchAndControl(runtimeDir: string, provider: ProviderSettings | undefined): Promise<{ sw: Switch; control: ControlListener }> {
  const sw = await startSwitch(runtimeDir, provider);
  try {
    return { sw, control: await listenControl(runtimeDir) };
  } catch (error) {
    await sw.WSACleanup();
    throw error;
  }
}
