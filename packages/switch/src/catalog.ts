import { BASE_PROTOCOL, type ProtocolInfo } from '@sanshare/protocol-info';
import { FIRST_CATALOG_ENTRY_ID } from './constants.js';
import { SwitchError } from './errors.js';
import { firstLine } from './explain.js';
import { type CatalogState, readCatalogFile, removeStaleTempFiles, writeCatalogFile } from './catalog-file.js';
import { toCatalogProtocolInfo } from './protocol-info-json.js';

/** An installed provider entry: what `WSAEnumProtocols` lists, plus the module that implements it. */
export interface CatalogEntry {
  /** Unique in this catalog and stable: never changes, never reused after `remove`. */
  readonly catalogEntryId: number;
  /** The entry's `WSAPROTOCOL_INFOW`; its `dwCatalogEntryId` is `catalogEntryId`. */
  readonly protocolInfo: ProtocolInfo;
  readonly providerModule: string;
  readonly providerOptions?: Record<string, unknown>;
}

/** What `Catalog.install` takes: a protocol info, the module implementing it, its options. */
export interface CatalogEntryInit {
  protocolInfo: ProtocolInfo;
  /**
   * The provider module: an absolute path, a `file:` URL, or a package name (resolved from the
   * switch's own location first, then from the current working directory).
   */
  providerModule: string;
  /** Passed to the provider's `WSPStartup` as its `options` (JSON values only: the catalog may be a file). */
  providerOptions?: Record<string, unknown>;
}

/** Options of `createCatalog`. */
export interface CatalogOptions {
  /**
   * Persist the catalog to this JSON file (created on first `install`; replaced atomically on every
   * change). Without it the catalog lives in memory only.
   */
  file?: string;
}

/** The protocol catalog of a switch (the Winsock catalog of ws2_32). */
export interface Catalog {
  /** The file the catalog persists to, or `undefined` when it lives in memory. */
  readonly file: string | undefined;
  /**
   * Installs a provider entry and returns it with its new catalog entry id (which is also written
   * to `protocolInfo.dwCatalogEntryId`, and, for a base protocol, as its one chain entry).
   * Throws `ERR_CATALOG_INVALID_ENTRY` on a malformed entry; the catalog is then unchanged.
   */
  install(entry: CatalogEntryInit): Promise<CatalogEntry>;
  /** Removes an entry; `ERR_CATALOG_UNKNOWN_ENTRY` when no entry has that id. */
  remove(catalogEntryId: number): Promise<void>;
  /** Every entry in installation order (`WSAEnumProtocols`); copies, safe to change. */
  list(): CatalogEntry[];
  /** The entry with this id, if installed. */
  get(catalogEntryId: number): CatalogEntry | undefined;
}

/**
 * Opens a catalog: the JSON file `options.file` (a missing file is an empty catalog; a corrupt one
 * rejects with `ERR_CATALOG_CORRUPT`), or an in-memory catalog.
 *
 * One process should write a given catalog file at a time; readers may open it at any moment and
 * always see a whole catalog.
 */
export async function createCatalog(options: CatalogOptions = {}): Promise<Catalog> {
  const { file } = options;
  let state: CatalogState = { nextCatalogEntryId: FIRST_CATALOG_ENTRY_ID, entries: [] };
  if (file !== undefined) {
    await removeStaleTempFiles(file);
    state = await readCatalogFile(file, FIRST_CATALOG_ENTRY_ID);
  }
  // Changes are applied one at a time, and to memory only once the file holds them, so memory and
  // file never disagree even when a write fails.
  let queue: Promise<unknown> = Promise.resolve();
  const commit = <T>(change: () => { next: CatalogState; result: T }): Promise<T> => {
    const run = queue.then(async () => {
      const { next, result } = change();
      if (file !== undefined) await writeCatalogFile(file, next);
      state = next;
      return result;
    });
    queue = run.catch(() => undefined);
    return run;
  };

  return {
    file,
    install(init) {
      return commit(() => {
        const entry = checkEntry(init, state.nextCatalogEntryId);
        return { next: { nextCatalogEntryId: state.nextCatalogEntryId + 1, entries: [...state.entries, entry] }, result: copyEntry(entry) };
      });
    },
    remove(catalogEntryId) {
      return commit(() => {
        if (!state.entries.some((e) => e.catalogEntryId === catalogEntryId)) {
          throw new SwitchError(
            'ERR_CATALOG_UNKNOWN_ENTRY',
            `remove: no catalog entry has id ${String(catalogEntryId)} (never installed, or removed already); catalog.list() gives the installed ids`,
          );
        }
        return { next: { ...state, entries: state.entries.filter((e) => e.catalogEntryId !== catalogEntryId) }, result: undefined };
      });
    },
    list: () => state.entries.map(copyEntry),
    get(catalogEntryId) {
      const entry = state.entries.find((e) => e.catalogEntryId === catalogEntryId);
      return entry === undefined ? undefined : copyEntry(entry);
    },
  };
}

function checkEntry(init: CatalogEntryInit, catalogEntryId: number): CatalogEntry {
  const invalid = (why: string, cause?: unknown): SwitchError =>
    new SwitchError(
      'ERR_CATALOG_INVALID_ENTRY',
      `install: the entry was refused: ${why}; the catalog is unchanged. Pass { protocolInfo, providerModule, providerOptions? } (defaultCatalogEntry makes a valid one)`,
      cause === undefined ? undefined : { cause },
    );
  if (typeof init !== 'object' || init === null) throw invalid('the entry is not an object');
  if (typeof init.providerModule !== 'string' || init.providerModule === '') throw invalid('providerModule is not a module name');
  if (catalogEntryId > 0xffffffff) throw invalid('no catalog entry ids are left');
  const info = toCatalogProtocolInfo(init.protocolInfo);
  if (typeof info === 'string') throw invalid(info);
  info.dwCatalogEntryId = catalogEntryId;
  // A base protocol's chain is itself (as Windows writes it).
  if (info.ProtocolChain.chainLen === BASE_PROTOCOL) info.ProtocolChain = { chainLen: BASE_PROTOCOL, chainEntries: [catalogEntryId] };
  const entry: CatalogEntry = { catalogEntryId, protocolInfo: info, providerModule: init.providerModule };
  if (init.providerOptions === undefined) return entry;
  let options: unknown;
  try {
    // Options travel through JSON (the catalog file), so only JSON values are accepted, even in memory.
    options = JSON.parse(JSON.stringify(init.providerOptions));
  } catch (error) {
    throw invalid(`providerOptions is not JSON-serialisable (${firstLine(error)})`, error);
  }
  if (typeof options !== 'object' || options === null || Array.isArray(options)) throw invalid('providerOptions is not an object');
  return { ...entry, providerOptions: options as Record<string, unknown> };
}

function copyEntry(entry: CatalogEntry): CatalogEntry {
  return structuredClone(entry);
}
