import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCatalog, defaultCatalogEntries } from '@sanshare/switch';
import { afterEach, beforeEach } from 'vitest';
import { ServerAgent } from './agent.js';

/** What each test of a suite using `useTwoServers` gets, fresh for every test. */
export interface TwoServers {
  /** A temp directory of this test (catalog, the providers' runtime dir), removed after it. */
  dir: string;
  /** The catalog both agents load: the default entries of @sanshare/provider, endpoints in `<dir>/run`. */
  catalogFile: string;
  /** The process whose server listens and whose connections move out. */
  old: ServerAgent;
  /** The process that receives them; its server never listens. */
  next: ServerAgent;
}

/**
 * Registers the fixture of the two-process suites: before each test a temp dir, a catalog file with
 * the default entries and two server agents (separate OS processes); after it, both killed (even when
 * the test failed), then the directory removed.
 */
export function useTwoServers(prefix: string): TwoServers {
  const fixture = {} as TwoServers;
  beforeEach(async () => {
    fixture.dir = await mkdtemp(join(tmpdir(), prefix));
    fixture.catalogFile = join(fixture.dir, 'catalog.json');
    const catalog = await createCatalog({ file: fixture.catalogFile });
    for (const entry of defaultCatalogEntries('@sanshare/provider', { runtimeDir: join(fixture.dir, 'run') })) await catalog.install(entry);
    fixture.old = ServerAgent.spawn();
    fixture.next = ServerAgent.spawn();
  });
  afterEach(async () => {
    fixture.old.kill();
    fixture.next.kill();
    await Promise.all([fixture.old.exited, fixture.next.exited]);
    await rm(fixture.dir, { recursive: true, force: true });
  });
  return fixture;
}

/** Waits (bounded polling, no sleep-and-hope) until `check` holds; fails naming `what` after `timeoutMs`. */
export async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
