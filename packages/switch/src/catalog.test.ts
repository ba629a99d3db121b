import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createCatalog } from './catalog.js';
import { defaultCatalogEntries, defaultCatalogEntry } from './default-catalog-entry.js';
import { defaultProtocolInfo } from './default-protocol-info.js';
import { isSwitchError } from './errors.js';

describe('createCatalog', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'switch-catalog-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('should assign unique ids that are never reused after remove', async () => {
    const catalog = await createCatalog();
    const a = await catalog.install(defaultCatalogEntry('inet'));
    const b = await catalog.install(defaultCatalogEntry('inet6'));
    expect(a.catalogEntryId).not.toBe(b.catalogEntryId);
    expect(a.protocolInfo.dwCatalogEntryId).toBe(a.catalogEntryId);
    expect(a.protocolInfo.ProtocolChain).toEqual({ chainLen: 1, chainEntries: [a.catalogEntryId] });
    await catalog.remove(b.catalogEntryId);
    const c = await catalog.install(defaultCatalogEntry('inet6'));
    expect(c.catalogEntryId).toBeGreaterThan(b.catalogEntryId);
    expect(catalog.list().map((e) => e.catalogEntryId)).toEqual([a.catalogEntryId, c.catalogEntryId]);
  });

  it('should list copies the caller cannot use to change the catalog', async () => {
    const catalog = await createCatalog();
    await catalog.install(defaultCatalogEntry('inet'));
    const [entry] = catalog.list();
    (entry as { protocolInfo: { szProtocol: string } }).protocolInfo.szProtocol = 'changed';
    expect(catalog.list()[0]?.protocolInfo.szProtocol).toBe('sanshare SAN TCP/IP');
  });

  it('should persist across a restart', async () => {
    const file = join(dir, 'catalog.json');
    const first = await createCatalog({ file });
    const a = await first.install({ ...defaultCatalogEntry('inet'), providerOptions: { maxSockets: 8 } });
    const b = await first.install(defaultCatalogEntry('inet6'));
    await first.remove(a.catalogEntryId);
    const second = await createCatalog({ file });
    expect(second.list()).toEqual([b]);
    const c = await second.install(defaultCatalogEntry('inet'));
    expect(c.catalogEntryId).toBeGreaterThan(b.catalogEntryId);
  });

  it('should leave no temporary file behind', async () => {
    const file = join(dir, 'catalog.json');
    const catalog = await createCatalog({ file });
    await Promise.all([catalog.install(defaultCatalogEntry('inet')), catalog.install(defaultCatalogEntry('inet6'))]);
    expect(await readdir(dir)).toEqual(['catalog.json']);
    expect(catalog.list()).toHaveLength(2);
  });

  it('should keep the old catalog when a writer crashed before its rename', async () => {
    const file = join(dir, 'catalog.json');
    const catalog = await createCatalog({ file });
    const a = await catalog.install(defaultCatalogEntry('inet'));
    // What a writer killed mid-write leaves: a half-written temporary file (pid 2^22+1 never runs here).
    const text = await readFile(file, 'utf8');
    await writeFile(join(dir, `.catalog.json.${2 ** 22 + 1}.abcdef.tmp`), text.slice(0, text.length / 2));
    const reopened = await createCatalog({ file });
    expect(reopened.list()).toEqual([a]);
    expect(await readdir(dir)).toEqual(['catalog.json']);
  });

  it.each([
    ['truncated JSON', (t: string) => t.slice(0, 40)],
    ['an empty file', () => ''],
    ['another format', (t: string) => t.replace('sanshare-catalog', 'something-else')],
    ['a future version', (t: string) => t.replace('"version": 1', '"version": 99')],
    ['a duplicate id', (t: string) => t.replace(/"catalogEntryId": 1002/g, '"catalogEntryId": 1001')],
    ['a bad GUID', (t: string) => t.replace(/"ProviderId": "[^"]+"/, '"ProviderId": "nope"')],
    ['a bad field type', (t: string) => t.replace(/"iVersion": 2/, '"iVersion": "2"')],
  ])('should reject %s with ERR_CATALOG_CORRUPT', async (_name, mutate) => {
    const file = join(dir, 'catalog.json');
    const catalog = await createCatalog({ file });
    await catalog.install(defaultCatalogEntry('inet'));
    await catalog.install(defaultCatalogEntry('inet6'));
    await writeFile(file, mutate(await readFile(file, 'utf8')));
    const error = await createCatalog({ file }).catch((e: unknown) => e);
    expect(isSwitchError(error, 'ERR_CATALOG_CORRUPT')).toBe(true);
    expect(String((error as Error).message)).toContain(file);
  });

  it('should reject a malformed entry and stay unchanged', async () => {
    const catalog = await createCatalog();
    const bad = { ...defaultProtocolInfo('inet'), szProtocol: 'x'.repeat(256) };
    await expect(catalog.install({ protocolInfo: bad, providerModule: 'x' })).rejects.toSatisfy((e) => isSwitchError(e, 'ERR_CATALOG_INVALID_ENTRY'));
    await expect(catalog.install({ protocolInfo: defaultProtocolInfo('inet'), providerModule: '' })).rejects.toSatisfy((e) =>
      isSwitchError(e, 'ERR_CATALOG_INVALID_ENTRY'),
    );
    await expect(
      catalog.install({ protocolInfo: defaultProtocolInfo('inet'), providerModule: 'x', providerOptions: { n: 1n } as unknown as Record<string, unknown> }),
    ).rejects.toSatisfy((e) => isSwitchError(e, 'ERR_CATALOG_INVALID_ENTRY'));
    expect(catalog.list()).toEqual([]);
  });

  it('should reject removing an unknown id', async () => {
    const catalog = await createCatalog();
    await expect(catalog.remove(4242)).rejects.toSatisfy((e) => isSwitchError(e, 'ERR_CATALOG_UNKNOWN_ENTRY'));
  });
});
