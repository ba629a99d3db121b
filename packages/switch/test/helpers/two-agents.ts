import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach } from 'vitest';
import { Agent } from './agent.js';
import { TcpPeer } from './tcp-peer.js';

/** What each test of a suite using `useTwoAgents` gets: fresh for every test. */
export interface TwoAgents {
  /** A temp directory of this test (runtime dir, channel sockets), removed after it. */
  dir: string;
  peer: TcpPeer;
  source: Agent;
  destination: Agent;
}

/**
 * Registers the fixture of the two-process suites: before each test a temp dir, a loopback TCP peer
 * and two switch agents (separate OS processes); after it, both agents killed (even when the test
 * failed), the peer closed and the directory removed. Read the fields inside tests only.
 */
export function useTwoAgents(prefix: string): TwoAgents {
  const fixture = {} as TwoAgents;
  beforeEach(async () => {
    fixture.dir = await mkdtemp(join(tmpdir(), prefix));
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
