import { createRequire } from 'node:module';
import { isAbsolute, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { WspExtensions, WspProcTable, WspStartup, WspStartupResult, WspUpcallTable } from '@sanshare/protocol-info';
import type { CatalogEntry } from './catalog.js';
import { copyProtocolInfo } from './copy-protocol-info.js';
import { SwitchError } from './errors.js';
import { reasonOf } from './explain.js';

/** Every `WSPPROC_TABLE` entry point a provider must supply (`spi.ts`). */
export const PROC_TABLE_ENTRIES = [
  'WSPSocket',
  'WSPBind',
  'WSPListen',
  'WSPAccept',
  'WSPConnect',
  'WSPSend',
  'WSPRecv',
  'WSPShutdown',
  'WSPSetSockOpt',
  'WSPGetSockOpt',
  'WSPGetSockName',
  'WSPGetPeerName',
  'WSPCloseSocket',
  'WSPDuplicateSocket',
  'WSPCleanup',
] as const satisfies readonly (keyof WspProcTable)[];

/**
 * sanshare's extensions (not part of the SPI; a provider may offer none: `extensions` undefined).
 * A provider that offers extensions offers these three bridge functions together: the switch's
 * `adoptNetSocket`, `toNetSocket` and `socketCookie` each need one of them.
 */
export const EXTENSION_ENTRIES = ['WSPAdoptDescriptor', 'WSPDetachDescriptor', 'WSPGetSocketCookie'] as const satisfies readonly (keyof WspExtensions)[];

/**
 * The optional pair of extensions, offered both or neither: a socket sent with
 * `WSPDuplicateSocketWithMessage` is received by the same provider module's `WSPReceiveDuplicate`
 * in the target, so a provider with only one half could send what it cannot receive, or wait for
 * what it never sends.
 */
export const MESSAGE_EXTENSION_ENTRIES = ['WSPDuplicateSocketWithMessage', 'WSPReceiveDuplicate'] as const satisfies readonly (keyof WspExtensions)[];

/**
 * The optional batch pair, offered both or neither, and only on top of the message pair: the sockets
 * `WSPDuplicateSocketBatch` sends with a message are received by the target's `WSPReceiveDuplicates`
 * (or `WSPReceiveDuplicate`, one at a time), and a batch item with a message is what
 * `WSPDuplicateSocketWithMessage` sends, so a provider with the batch and without the message pair
 * could send what the target's switch never asks for.
 */
export const BATCH_EXTENSION_ENTRIES = ['WSPDuplicateSocketBatch', 'WSPReceiveDuplicates'] as const satisfies readonly (keyof WspExtensions)[];

/**
 * Optional extensions that stand alone: each is a faster way to make calls the switch can make
 * without it (`WSPSocketBatch`: one `WSPSocket` per protocol info; `WSPAdoptDescriptors`: one
 * `WSPAdoptDescriptor` per descriptor), so a provider offers any of them or none, independently of
 * the others; offered, it must be a function.
 */
export const STANDALONE_EXTENSION_ENTRIES = ['WSPSocketBatch', 'WSPAdoptDescriptors'] as const satisfies readonly (keyof WspExtensions)[];

/** A started provider, as the switch keeps it. */
export interface StartedProvider {
  version: number;
  highVersion: number;
  description: string;
  procTable: WspProcTable;
  extensions: WspExtensions | undefined;
}

/**
 * Imports a provider module named by a catalog entry. A package name is resolved from this module's
 * location first (a dependency of the app that installed the switch) and then from the current
 * working directory (the app itself), as a DLL path in the Windows catalog names the DLL wherever it is.
 * (Exported for the tests' agents, which load a catalog's modules before a descriptor baseline.)
 */
export async function importProviderModule(spec: string): Promise<unknown> {
  if (spec.startsWith('file:')) return import(spec);
  if (isAbsolute(spec)) return import(pathToFileURL(spec).href);
  try {
    return await import(spec);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ERR_MODULE_NOT_FOUND' && (error as NodeJS.ErrnoException).code !== 'MODULE_NOT_FOUND') throw error;
    let resolved: string;
    try {
      resolved = createRequire(join(process.cwd(), 'noop.js')).resolve(spec);
    } catch {
      throw error;
    }
    return import(pathToFileURL(resolved).href);
  }
}

function isFunction(value: unknown): value is (...args: never[]) => unknown {
  return typeof value === 'function';
}

/** Finds `WSPStartup` among a module's exports (named, or on a CommonJS default export). */
function startupOf(mod: unknown): WspStartup | undefined {
  if (typeof mod !== 'object' || mod === null) return undefined;
  const named = (mod as { WSPStartup?: unknown }).WSPStartup;
  if (isFunction(named)) return named as WspStartup;
  const fallback = (mod as { default?: unknown }).default;
  if (typeof fallback === 'object' && fallback !== null) {
    const inner = (fallback as { WSPStartup?: unknown }).WSPStartup;
    if (isFunction(inner)) return inner as WspStartup;
  }
  return undefined;
}

/** Returns the first problem of a `WSPStartup` result, or `undefined` when it is whole. */
function tableProblem(result: unknown): string | undefined {
  if (typeof result !== 'object' || result === null) return 'WSPStartup did not return an object';
  const r = result as Partial<Record<keyof WspStartupResult, unknown>>;
  if (typeof r.procTable !== 'object' || r.procTable === null) return 'WSPStartup returned no procTable';
  const table = r.procTable as Record<string, unknown>;
  const missing = PROC_TABLE_ENTRIES.filter((name) => !isFunction(table[name]));
  if (missing.length > 0) return `procTable lacks ${missing.join(', ')}`;
  if (r.extensions !== undefined) {
    if (typeof r.extensions !== 'object' || r.extensions === null) return 'extensions is not an object';
    const ext = r.extensions as Record<string, unknown>;
    const missingExt = EXTENSION_ENTRIES.filter((name) => !isFunction(ext[name]));
    if (missingExt.length > 0) return `extensions lack ${missingExt.join(', ')} (the three bridge extensions come together)`;
    const pairProblem = (pair: readonly string[]): string | undefined => {
      const offered = pair.filter((name) => ext[name] !== undefined);
      const notFunctions = offered.filter((name) => !isFunction(ext[name]));
      if (notFunctions.length > 0) return `extensions ${notFunctions.join(', ')} are not functions`;
      if (offered.length === 1) {
        const missing = pair.find((name) => !offered.includes(name));
        return `extensions offer ${offered[0]} without ${missing} (the two come together, or neither)`;
      }
      return undefined;
    };
    const notFunctions = STANDALONE_EXTENSION_ENTRIES.filter((name) => ext[name] !== undefined && !isFunction(ext[name]));
    if (notFunctions.length > 0) return `extensions ${notFunctions.join(', ')} are not functions`;
    const problem = pairProblem(MESSAGE_EXTENSION_ENTRIES) ?? pairProblem(BATCH_EXTENSION_ENTRIES);
    if (problem !== undefined) return problem;
    if (ext['WSPDuplicateSocketBatch'] !== undefined && ext['WSPDuplicateSocketWithMessage'] === undefined) {
      return 'extensions offer the batch pair (WSPDuplicateSocketBatch, WSPReceiveDuplicates) without the message pair (WSPDuplicateSocketWithMessage, WSPReceiveDuplicate), which the batch builds on';
    }
  }
  if (!Number.isInteger(r.version) || !Number.isInteger(r.highVersion)) return 'version and highVersion are not integers';
  return undefined;
}

/**
 * Loads the provider of a catalog entry and starts it: imports `entry.providerModule`, calls its
 * `WSPStartup(versionRequested, entry.protocolInfo, upcalls, entry.providerOptions)`, and checks what
 * comes back. Rejects with a `SwitchError`: `WSAEPROVIDERFAILEDINIT` when the module is missing, has
 * no `WSPStartup`, or its startup throws; `WSAEINVALIDPROCTABLE` on a malformed table;
 * `WSAVERNOTSUPPORTED` on a version other than the one requested. A provider started but rejected
 * is cleaned up again, so nothing it opened leaks.
 */
export async function loadProvider(entry: CatalogEntry, upcalls: WspUpcallTable, versionRequested: number): Promise<StartedProvider> {
  const where = `catalog entry ${entry.catalogEntryId} (${entry.providerModule})`;
  let mod: unknown;
  try {
    mod = await importProviderModule(entry.providerModule);
  } catch (error) {
    throw new SwitchError(
      'WSAEPROVIDERFAILEDINIT',
      `${where}: the provider module cannot be loaded: ${reasonOf(error)}; install it, or fix providerModule in the catalog entry (an absolute path, a file: URL or a package name)`,
      { cause: error },
    );
  }
  const startup = startupOf(mod);
  if (startup === undefined) {
    throw new SwitchError(
      'WSAEPROVIDERFAILEDINIT',
      `${where}: the module exports no WSPStartup function, so it is no service provider; point providerModule at a module that exports WSPStartup`,
    );
  }
  let result: unknown;
  try {
    result = await startup(versionRequested, copyProtocolInfo(entry.protocolInfo), upcalls, entry.providerOptions ?? {});
  } catch (error) {
    throw new SwitchError('WSAEPROVIDERFAILEDINIT', `${where}: WSPStartup failed: ${reasonOf(error)}; fix what it names (the provider's options are the catalog entry's providerOptions)`, {
      cause: error,
    });
  }
  const problem = tableProblem(result);
  const started = result as WspStartupResult;
  const reject = async (error: SwitchError): Promise<never> => {
    const cleanup = (started?.procTable as Partial<WspProcTable> | undefined)?.WSPCleanup;
    if (isFunction(cleanup)) await Promise.resolve(cleanup.call(started.procTable)).catch(() => undefined);
    throw error;
  };
  if (problem !== undefined) {
    return reject(new SwitchError('WSAEINVALIDPROCTABLE', `${where}: ${problem}; the provider is broken (its WSPStartup must return a whole procedure table): fix it or use another one`));
  }
  if (started.version !== versionRequested) {
    return reject(
      new SwitchError(
        'WSAVERNOTSUPPORTED',
        `${where}: the provider answered version 0x${started.version.toString(16)}, the switch asked for 0x${versionRequested.toString(16)}; use a provider that speaks Winsock 2.2`,
      ),
    );
  }
  return {
    version: started.version,
    highVersion: started.highVersion,
    description: typeof started.description === 'string' ? started.description : '',
    procTable: started.procTable,
    extensions: started.extensions,
  };
}
