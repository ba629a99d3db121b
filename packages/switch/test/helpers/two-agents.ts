import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach } from 'vitest';
import { createCatalog } from '../../src/index.js';
import { Agent } from './agent.js';
import type { ProviderTestOptions, ProviderUnderTest } from './providers.js';
import { TcpPeer } from './tcp-peer.js';

/** What each test of a suite using `useTwoAgents` gets: fresh for every test. */
export interface TwoAgents {
  /** A temp directory of this test (runtime dir, catalog, channel sockets), removed after it. */
  dir: string;
  /** The catalog file both agents open: the provider's entries, endpoints in `<dir>/run`. */
  catalogFile: string;
  peer: TcpPeer;
  source: Agent;
  destination: Agent;
}

/**
 * Registers the fixture of the two-process suites: before each test a temp dir, a catalog file
 * naming `provider` with `options` (loaded by each agent's switch like any provider module), a loopback TCP peer and
 * two switch agents (separate OS processes); after it, both agents killed (even when the test
 * failed), the peer closed and the directory removed. Read the fields inside tests only.
 */
export function useTwoAgents(prefix: string, provider: ProviderUnderTest, options?: ProviderTestOptions): TwoAgents {
  const fixture = {} as TwoAgents;
  beforeEach(async () => {
    fixture.dir = await mkdtemp(join(tmpdir(), prefix));
    fixture.catalogFile = join(fixture.dir, 'catalog.json');
    const catalog = await createCatalog({ file: fixture.catalogFile });
    for (const entry of provider.entries(join(fixture.dir, 'run'), options)) await catalog.install(entry);
    fixture.peer = await TcpPeer.start();
    fixture.source = Agent.spawn();
    fixture.destination = Agent.spawn();
  });
  afterEach(async () => {
    fixture.source.kill();
    fixture.destination.kill();
    await Promise.all([fixture.source.exited, fixture.destination.exited]);
    await fixture.peer.close();
    await rm(fixture.dir, { recursive: true, force: true });
  });
  return fixture;
}
