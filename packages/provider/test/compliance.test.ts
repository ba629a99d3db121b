/**
 * The compliance suite (`@sanshare/provider/testing`) against this provider, across two real
 * processes, loaded the way a user loads them: by package name, through the exports map (the built
 * `dist/`), here and in the peer process. Run `build` first (turbo's `test` task does).
 */
import { WSPStartup } from '@sanshare/provider';
import { complianceChecks, startPeerProvider, type ProviderFixture } from '@sanshare/provider/testing';
import { WINSOCK_VERSION_2_2 } from '@sanshare/protocol-info';
import { afterEach, beforeEach, describe, it } from 'vitest';
import { testCatalogEntry } from './helpers/catalog.js';
import { makeRuntimeDir, removeRuntimeDir } from './helpers/temp-dir.js';
import { createTestUpcalls } from './helpers/test-upcalls.js';

const PACKAGE_DIR = new URL('..', import.meta.url).pathname;

describe('complianceChecks against this provider, in two processes', () => {
  let dir: string | undefined;
  let fixture: ProviderFixture | undefined;

  /** The fixture every check gets afresh: this process's provider, and a peer process sharing its runtime directory. */
  async function setup(): Promise<ProviderFixture> {
    dir = makeRuntimeDir();
    const { procTable } = await WSPStartup(WINSOCK_VERSION_2_2, testCatalogEntry(), createTestUpcalls(), { runtimeDir: dir });
    try {
      // Resolved from this package's directory: the package's own name, as its users import it.
      const peer = await startPeerProvider({
        provider: '@sanshare/provider',
        catalogEntry: testCatalogEntry(),
        startupOptions: { runtimeDir: dir },
        cwd: PACKAGE_DIR,
      });
      return { procTable, pid: process.pid, peer };
    } catch (error) {
      await procTable.WSPCleanup();
      throw error;
    }
  }

  beforeEach(async () => {
    fixture = await setup();
  });

  afterEach(async () => {
    // The peer is ended (killed if it does not exit) even when the check failed.
    await fixture?.peer.close();
    await fixture?.procTable.WSPCleanup();
    fixture = undefined;
    removeRuntimeDir(dir);
  });

  for (const check of complianceChecks) {
    it(check.name, async () => {
      if (fixture === undefined) throw new Error('no fixture: setup failed');
      await check.run(fixture);
    });
  }
});
