import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { WINSOCK_VERSION_2_2, type WspStartup } from '@sanshare/protocol-info';
import { describe, expect, it } from 'vitest';
import { DescriptorTable } from '../src/descriptor-table.js';
import { PROC_TABLE_ENTRIES } from '../src/load-provider.js';
import { MINIMAL_PROVIDER, MINIMAL_PROVIDER_MODULE } from './helpers/providers.js';

const SRC = join(import.meta.dirname, '../src');

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

/** A read of a property named `name`: `.name`, `?.name`, `['name']`, or `{ name }` destructuring. */
const readOf = (name: string): RegExp => new RegExp(`(\\?\\.|\\.)\\s*${name}\\b|\\[\\s*['"\`]${name}['"\`]\\s*\\]|\\{[^}=]*\\b${name}\\b[^}]*\\}\\s*=`);

describe('provider neutrality', () => {
  it("should never read a provider's context from a protocol info in the switch's source", async () => {
    const offenders: string[] = [];
    for (const file of await filesUnder(SRC)) {
      const text = await readFile(file, 'utf8');
      for (const name of ['exportContext', 'handoff']) {
        const found = readOf(name).exec(text);
        if (found !== null) offenders.push(`${relative(SRC, file)}: ${found[0]}`);
      }
    }
    expect(offenders).toEqual([]);
  });

  it('should catch each form of read in the check above (the check itself can fail)', () => {
    for (const sample of ['info.exportContext', 'info?.exportContext.targetPid', "info['handoff']", 'const { exportContext } = info;']) {
      expect(readOf('exportContext').test(sample) || readOf('handoff').test(sample), sample).toBe(true);
    }
    expect(readOf('handoff').test('isHandedOff(s)')).toBe(false);
  });

  it('should run the suites against a minimal provider that does not import @sanshare/provider and offers the procedure table only', async () => {
    const source = await readFile(MINIMAL_PROVIDER_MODULE, 'utf8');
    expect(source).not.toMatch(/from\s+['"]@sanshare\/provider/);
    expect(source).not.toMatch(/import\(\s*['"]@sanshare\/provider/);
    const dir = await mkdtemp(join(tmpdir(), 'switch-minimal-'));
    try {
      const { WSPStartup } = (await import(MINIMAL_PROVIDER_MODULE)) as { WSPStartup: WspStartup };
      const entry = MINIMAL_PROVIDER.entries(join(dir, 'run'))[0];
      const started = await WSPStartup(WINSOCK_VERSION_2_2, { ...entry!.protocolInfo, dwCatalogEntryId: 1001 }, new DescriptorTable<object>().upcalls({}, [1001]), entry!.providerOptions);
      expect(started.extensions).toBeUndefined();
      expect(Object.keys(started.procTable).sort()).toEqual([...PROC_TABLE_ENTRIES].sort());
      await started.procTable.WSPCleanup();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
