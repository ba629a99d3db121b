import type { WspStartupResult } from '@sanshare/protocol-info';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { testCatalogEntry } from '../../test/helpers/catalog.js';
import { makeRuntimeDir, removeRuntimeDir } from '../../test/helpers/temp-dir.js';
import { createTestUpcalls } from '../../test/helpers/test-upcalls.js';
import { WSPStartup } from '../index.js';
import { complianceChecks } from './index.js';

describe('complianceChecks against this provider', () => {
  let dir: string;
  let started: WspStartupResult;

  beforeAll(async () => {
    dir = makeRuntimeDir();
    started = await WSPStartup(0x0202, testCatalogEntry(), createTestUpcalls(), { runtimeDir: dir });
  });
  afterAll(async () => {
    await started.procTable.WSPCleanup();
    removeRuntimeDir(dir);
  });

  for (const check of complianceChecks) {
    it(check.name, () => check.run({ procTable: started.procTable, pid: process.pid }));
  }
});
