/**
 * The catalog's file form: JSON, replaced atomically (write a temporary file in the same directory,
 * fsync it, rename it over the old one, fsync the directory), so that a crash at any point leaves
 * either the old catalog or the new one, never a mix (rename(2) is atomic within a file system).
 */
import { randomBytes } from 'node:crypto';
import { open, readFile, readdir, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { CATALOG_FILE_FORMAT, CATALOG_FILE_VERSION } from './constants.js';
import { SwitchError } from './errors.js';
import { reasonOf } from './explain.js';
import type { CatalogEntry } from './catalog.js';
import { toCatalogProtocolInfo } from './protocol-info-json.js';

/** What a catalog file holds. */
export interface CatalogState {
  /** The id the next `install` gets; ids only grow, so a removed entry's id is never given again. */
  nextCatalogEntryId: number;
  entries: CatalogEntry[];
}

const tempPrefix = (file: string): string => `.${basename(file)}.`;
const TEMP_SUFFIX = '.tmp';

/** Serialises `state` to the file's JSON text. */
export function catalogToJson(state: CatalogState): string {
  return `${JSON.stringify(
    {
      format: CATALOG_FILE_FORMAT,
      version: CATALOG_FILE_VERSION,
      nextCatalogEntryId: state.nextCatalogEntryId,
      entries: state.entries,
    },
    null,
    2,
  )}\n`;
}

/** What to do about a catalog file that is not a catalog. */
const REPAIR = 'repair it, or move it away to start from an empty catalog (a missing file is one)';

function corrupt(file: string, why: string, cause?: unknown, todo = REPAIR): SwitchError {
  return new SwitchError('ERR_CATALOG_CORRUPT', `catalog file ${file} is not a usable catalog: ${why}; ${todo}`, cause === undefined ? undefined : { cause });
}

/** Parses and checks a catalog file's text; throws `ERR_CATALOG_CORRUPT` naming the first problem. */
export function catalogFromJson(file: string, text: string): CatalogState {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (error) {
    throw corrupt(file, 'not valid JSON (truncated or overwritten?)', error);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw corrupt(file, 'not a JSON object');
  const d = doc as Record<string, unknown>;
  if (d['format'] !== CATALOG_FILE_FORMAT) throw corrupt(file, `"format" is not "${CATALOG_FILE_FORMAT}"`);
  if (d['version'] !== CATALOG_FILE_VERSION) throw corrupt(file, `unsupported "version" ${String(d['version'])} (this switch reads ${CATALOG_FILE_VERSION})`);
  const next = d['nextCatalogEntryId'];
  if (!Number.isInteger(next) || (next as number) < 1 || (next as number) > 0xffffffff) throw corrupt(file, '"nextCatalogEntryId" is not a uint32');
  if (!Array.isArray(d['entries'])) throw corrupt(file, '"entries" is not a list');
  const seen = new Set<number>();
  const entries = d['entries'].map((raw: unknown, i: number): CatalogEntry => {
    if (typeof raw !== 'object' || raw === null) throw corrupt(file, `entries[${i}] is not an object`);
    const e = raw as Record<string, unknown>;
    const id = e['catalogEntryId'];
    if (!Number.isInteger(id) || (id as number) < 1 || (id as number) >= (next as number)) throw corrupt(file, `entries[${i}].catalogEntryId is not an id below nextCatalogEntryId`);
    if (seen.has(id as number)) throw corrupt(file, `catalog entry id ${String(id)} appears twice`);
    seen.add(id as number);
    if (typeof e['providerModule'] !== 'string' || e['providerModule'] === '') throw corrupt(file, `entries[${i}].providerModule is not a module name`);
    const options = e['providerOptions'];
    if (options !== undefined && (typeof options !== 'object' || options === null || Array.isArray(options))) {
      throw corrupt(file, `entries[${i}].providerOptions is not an object`);
    }
    const info = toCatalogProtocolInfo(e['protocolInfo']);
    if (typeof info === 'string') throw corrupt(file, `entries[${i}]: ${info}`);
    if (info.dwCatalogEntryId !== id) throw corrupt(file, `entries[${i}].protocolInfo.dwCatalogEntryId differs from its catalogEntryId`);
    const entry: CatalogEntry = { catalogEntryId: id as number, protocolInfo: info, providerModule: e['providerModule'] };
    return options === undefined ? entry : { ...entry, providerOptions: options as Record<string, unknown> };
  });
  return { nextCatalogEntryId: next as number, entries };
}

/** Reads the catalog file; a missing file is an empty catalog. */
export async function readCatalogFile(file: string, firstId: number): Promise<CatalogState> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { nextCatalogEntryId: firstId, entries: [] };
    throw corrupt(file, `it cannot be read: ${reasonOf(error)}`, error, 'check the path and its permissions');
  }
  return catalogFromJson(file, text);
}

/**
 * Replaces the catalog file with `state`, atomically (see the file comment). Rejects with
 * `ERR_CATALOG_WRITE` (the file is as it was) when the directory cannot be written.
 */
export async function writeCatalogFile(file: string, state: CatalogState): Promise<void> {
  try {
    await replaceFile(file, state);
  } catch (error) {
    throw new SwitchError(
      'ERR_CATALOG_WRITE',
      `catalog file ${file} cannot be written: ${reasonOf(error)}; the catalog is unchanged: make its directory writable (or free space) and try again`,
      { cause: error },
    );
  }
}

async function replaceFile(file: string, state: CatalogState): Promise<void> {
  const dir = dirname(file);
  const temp = join(dir, `${tempPrefix(file)}${process.pid}.${randomBytes(6).toString('hex')}${TEMP_SUFFIX}`);
  const handle = await open(temp, 'wx', 0o644);
  try {
    try {
      await handle.writeFile(catalogToJson(state), 'utf8');
      // The data must be on disk before the rename makes it the catalog: otherwise a power loss
      // after the rename could leave an empty file under the catalog's name.
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, file);
  } catch (error) {
    await unlink(temp).catch(() => undefined);
    throw error;
  }
  // Make the rename itself durable.
  const dirHandle = await open(dir, 'r');
  try {
    await dirHandle.sync();
  } finally {
    await dirHandle.close();
  }
}

/**
 * Removes temporary files left by writers that crashed mid-write (their pid no longer runs). The
 * catalog itself is never affected by them: they were never renamed into place.
 */
export async function removeStaleTempFiles(file: string): Promise<void> {
  const prefix = tempPrefix(file);
  let names: string[];
  try {
    names = await readdir(dirname(file));
  } catch {
    return;
  }
  for (const name of names) {
    if (!name.startsWith(prefix) || !name.endsWith(TEMP_SUFFIX)) continue;
    const pid = Number(name.slice(prefix.length).split('.')[0]);
    if (!Number.isInteger(pid) || pid <= 0 || isAlive(pid)) continue;
    await unlink(join(dirname(file), name)).catch(() => undefined);
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
