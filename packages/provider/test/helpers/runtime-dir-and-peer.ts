import { afterEach, beforeEach } from 'vitest';
import { killAgents } from './agent-runner.js';
import { startPeer, type SequencePeer } from './sequence-peer.js';
import { makeRuntimeDir, removeRuntimeDir } from './temp-dir.js';

/** What each test of a two-process suite gets afresh. */
export interface RuntimeDirAndPeer {
  /** A private runtime directory for the agents' hand-off endpoints. */
  readonly dir: string;
  /** A loopback TCP peer that echoes. */
  readonly peer: SequencePeer;
}

/**
 * Registers the set-up most two-process suites share: a fresh runtime directory and echoing peer before
 * each test, and after it (even when it failed) every agent killed, the peer closed, the directory removed.
 * Read `dir` and `peer` inside the tests, not at describe time.
 */
export function useRuntimeDirAndEchoPeer(): RuntimeDirAndPeer {
  const current = { dir: '', peer: undefined as SequencePeer | undefined };
  beforeEach(async () => {
    current.dir = makeRuntimeDir();
    current.peer = await startPeer('echo');
  });
  afterEach(async () => {
    await killAgents();
    await current.peer?.close();
    removeRuntimeDir(current.dir);
  });
  return {
    get dir() {
      return current.dir;
    },
    get peer() {
      if (current.peer === undefined) throw new Error('the peer exists only inside a test');
      return current.peer;
    },
  };
}
