import { afterEach, beforeEach } from 'vitest';
import { killAgents } from './agent-runner.js';
import { startPeer, type SequencePeer } from './sequence-peer.js';
import { makeRuntimeDir, removeRuntimeDir } from './temp-dir.js';

/** What each test of a two-process suite gets afresh. */
export interface RuntimeDir {
  /** A private runtime directory for the agents' hand-off endpoints. */
  readonly dir: string;
  /** Starts a loopback TCP peer (see sequence-peer.ts), closed after the test. */
  startPeer(...args: Parameters<typeof startPeer>): Promise<SequencePeer>;
}

export interface RuntimeDirAndPeer {
  readonly dir: string;
  /** A loopback TCP peer that echoes. */
  readonly peer: SequencePeer;
}

/**
 * Registers the set-up every two-process suite shares: a fresh runtime directory before each test,
 * and after it (even when it failed) every agent killed, every peer the test started closed, the
 * directory removed. Read `dir` inside the tests, not at describe time.
 */
export function useRuntimeDir(): RuntimeDir {
  const current = { dir: '', peers: [] as SequencePeer[] };
  beforeEach(() => {
    current.dir = makeRuntimeDir();
  });
  afterEach(async () => {
    await killAgents();
    for (const peer of current.peers.splice(0)) await peer.close();
    removeRuntimeDir(current.dir);
  });
  return {
    get dir() {
      return current.dir;
    },
    async startPeer(...args) {
      const peer = await startPeer(...args);
      current.peers.push(peer);
      return peer;
    },
  };
}

/** `useRuntimeDir` with an echoing peer started before each test. */
export function useRuntimeDirAndEchoPeer(): RuntimeDirAndPeer {
  const fixture = useRuntimeDir();
  let peer: SequencePeer | undefined;
  beforeEach(async () => {
    peer = await fixture.startPeer('echo');
  });
  return {
    get dir() {
      return fixture.dir;
    },
    get peer() {
      if (peer === undefined) throw new Error('the peer exists only inside a test');
      return peer;
    },
  };
}
