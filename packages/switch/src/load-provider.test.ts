import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CatalogEntry } from './catalog.js';
import { defaultProtocolInfo } from './default-protocol-info.js';
import { DescriptorTable } from './descriptor-table.js';
import { isSwitchError } from './errors.js';
import { PROC_TABLE_ENTRIES, loadProvider } from './load-provider.js';

/** A throw-away provider module: a full table of stubs, changed by `tweak` (JS source run inside WSPStartup). */
function providerSource(tweak: string, cleanupMarker: string): string {
  const table = PROC_TABLE_ENTRIES.map((name) =>
    name === 'WSPCleanup' ? `WSPCleanup: async () => { (await import('node:fs')).writeFileSync(${JSON.stringify(cleanupMarker)}, 'x'); }` : `${name}: async () => 0`,
  ).join(',\n');
  return `export async function WSPStartup(version, info, upcalls, options) {
  const result = { version: 0x0202, highVersion: 0x0202, description: 'stub', procTable: { ${table} } };
  ${tweak}
  return result;
}\n`;
}

/** The three bridge extensions, as JS source: offered together. */
const BRIDGES = 'WSPAdoptDescriptor: async () => 0, WSPDetachDescriptor: async () => ({}), WSPGetSocketCookie: () => 1n';
/** The message pair, and the batch pair that builds on it, as JS source. */
const MESSAGES = 'WSPDuplicateSocketWithMessage: async () => ({}), WSPReceiveDuplicate: async () => ({})';
const BATCH = 'WSPDuplicateSocketBatch: async () => [], WSPReceiveDuplicates: async () => []';

describe('loadProvider', () => {
  let dir: string;
  const upcalls = new DescriptorTable<object>().upcalls({}, [1001]);
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'switch-loader-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function entryFor(name: string, source: string | undefined): Promise<CatalogEntry> {
    const file = join(dir, `${name}.mjs`);
    if (source !== undefined) await writeFile(file, source);
    return { catalogEntryId: 1001, protocolInfo: { ...defaultProtocolInfo('inet'), dwCatalogEntryId: 1001 }, providerModule: file };
  }

  it('should start a provider and return its table', async () => {
    const entry = await entryFor('good', providerSource('', join(dir, 'cleaned')));
    const started = await loadProvider(entry, upcalls, 0x0202);
    expect(started.version).toBe(0x0202);
    expect(started.description).toBe('stub');
    expect(started.extensions).toBeUndefined();
  });

  it('should accept a file: URL and pass the entry and options to WSPStartup', async () => {
    const entry = await entryFor('echo', providerSource('result.description = JSON.stringify([version, info.dwCatalogEntryId, options]);', join(dir, 'c')));
    const started = await loadProvider({ ...entry, providerModule: pathToFileURL(entry.providerModule).href, providerOptions: { a: 1 } }, upcalls, 0x0202);
    expect(JSON.parse(started.description)).toEqual([0x0202, 1001, { a: 1 }]);
  });

  it('should reject a missing module with WSAEPROVIDERFAILEDINIT', async () => {
    const entry = await entryFor('missing', undefined);
    const error = await loadProvider(entry, upcalls, 0x0202).catch((e: unknown) => e);
    expect(isSwitchError(error, 'WSAEPROVIDERFAILEDINIT')).toBe(true);
    expect((error as Error).message).toContain('cannot be loaded');
    const bare = await loadProvider({ ...entry, providerModule: '@sanshare/no-such-provider' }, upcalls, 0x0202).catch((e: unknown) => e);
    expect(isSwitchError(bare, 'WSAEPROVIDERFAILEDINIT')).toBe(true);
  });

  it('should reject a module without WSPStartup with WSAEPROVIDERFAILEDINIT', async () => {
    const entry = await entryFor('none', 'export const WSPStartup = 42;\n');
    await expect(loadProvider(entry, upcalls, 0x0202)).rejects.toSatisfy((e) => isSwitchError(e, 'WSAEPROVIDERFAILEDINIT'));
  });

  it('should reject a WSPStartup that throws with WSAEPROVIDERFAILEDINIT and keep the cause', async () => {
    const entry = await entryFor('throws', providerSource("throw new Error('no runtime dir');", join(dir, 'c')));
    const error = await loadProvider(entry, upcalls, 0x0202).catch((e: unknown) => e);
    expect(isSwitchError(error, 'WSAEPROVIDERFAILEDINIT')).toBe(true);
    expect(((error as Error).cause as Error).message).toBe('no runtime dir');
  });

  it.each([
    ['a missing entry point', 'delete result.procTable.WSPSend;', 'WSPSend'],
    ['no table', 'delete result.procTable;', 'no procTable'],
    ['half the extensions', 'result.extensions = { WSPGetSocketCookie: () => 1n };', 'WSPAdoptDescriptor'],
    ['one of the message extensions without the other', `result.extensions = { ${BRIDGES}, WSPDuplicateSocketWithMessage: async () => ({}) };`, 'without WSPReceiveDuplicate'],
    ['a message extension that is not a function', `result.extensions = { ${BRIDGES}, WSPDuplicateSocketWithMessage: 1, WSPReceiveDuplicate: async () => ({}) };`, 'not functions'],
    ['one of the batch extensions without the other', `result.extensions = { ${BRIDGES}, ${MESSAGES}, WSPDuplicateSocketBatch: async () => [] };`, 'WSPDuplicateSocketBatch without WSPReceiveDuplicates'],
    ['the other batch extension without the first', `result.extensions = { ${BRIDGES}, ${MESSAGES}, WSPReceiveDuplicates: async () => [] };`, 'WSPReceiveDuplicates without WSPDuplicateSocketBatch'],
    ['a batch extension that is not a function', `result.extensions = { ${BRIDGES}, ${MESSAGES}, WSPDuplicateSocketBatch: async () => [], WSPReceiveDuplicates: 'yes' };`, 'not functions'],
    ['the batch pair without the message pair', `result.extensions = { ${BRIDGES}, ${BATCH} };`, 'without the message pair'],
    ['a WSPSocketBatch that is not a function', `result.extensions = { ${BRIDGES}, WSPSocketBatch: true };`, 'WSPSocketBatch are not functions'],
    ['a batch adoption that is not a function', `result.extensions = { ${BRIDGES}, WSPAdoptDescriptors: [] };`, 'WSPAdoptDescriptors are not functions'],
  ])('should reject %s with WSAEINVALIDPROCTABLE and clean the provider up', async (_name, tweak, mention) => {
    const marker = join(dir, 'cleaned');
    const entry = await entryFor('wrong', providerSource(tweak, marker));
    const error = await loadProvider(entry, upcalls, 0x0202).catch((e: unknown) => e);
    expect(isSwitchError(error, 'WSAEINVALIDPROCTABLE')).toBe(true);
    expect((error as Error).message).toContain(mention);
    if (tweak.includes('WSPSend') || tweak.includes('extensions')) expect(existsSync(marker)).toBe(true);
  });

  it.each([
    ['no extensions', ''],
    ['the three bridge extensions', `result.extensions = { ${BRIDGES} };`],
    ['the bridges and both message extensions', `result.extensions = { ${BRIDGES}, WSPDuplicateSocketWithMessage: async () => ({}), WSPReceiveDuplicate: async () => ({}) };`],
    ['the bridges, the message pair and the batch pair', `result.extensions = { ${BRIDGES}, ${MESSAGES}, ${BATCH} };`],
    ['the bridges and WSPSocketBatch alone (it stands alone)', `result.extensions = { ${BRIDGES}, WSPSocketBatch: async () => [] };`],
    ['the bridges and the batch adoption alone', `result.extensions = { ${BRIDGES}, WSPAdoptDescriptors: async () => [] };`],
  ])('should accept a provider with %s', async (_name, tweak) => {
    const entry = await entryFor('ext', providerSource(tweak, join(dir, 'c')));
    await expect(loadProvider(entry, upcalls, 0x0202)).resolves.toMatchObject({ version: 0x0202 });
  });

  it('should reject another version with WSAVERNOTSUPPORTED and clean the provider up', async () => {
    const marker = join(dir, 'cleaned');
    const entry = await entryFor('v11', providerSource('result.version = 0x0101;', marker));
    const error = await loadProvider(entry, upcalls, 0x0202).catch((e: unknown) => e);
    expect(isSwitchError(error, 'WSAVERNOTSUPPORTED')).toBe(true);
    expect(existsSync(marker)).toBe(true);
  });
});
