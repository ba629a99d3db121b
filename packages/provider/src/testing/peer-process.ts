/**
 * The program of a peer process (`startPeerProvider`): it starts the provider module it was given
 * with a minimal switch's upcalls, says `{ ready, pid }` on stdout, then runs every procedure-table
 * call that comes in on stdin (one JSON line each) and answers it on stdout. Closing its stdin ends
 * it, after WSPCleanup. Not an entry point of the package: `startPeerProvider` runs it by file URL.
 */
import { createInterface } from 'node:readline';
import { WINSOCK_VERSION_2_2, type ProtocolInfo, type WspProcTable, type WspStartup } from '@sanshare/protocol-info';
import { PEER_CALLS } from './peer-calls.js';
import { fromWire, toWire, type PeerAnswer, type PeerCall, type PeerHello } from './peer-wire.js';
import { createSwitchUpcalls } from './switch-upcalls.js';

/** What `startPeerProvider` passes: the catalog entry and WSPStartup's options. */
export interface PeerConfig {
  catalogEntry: ProtocolInfo;
  startupOptions: Record<string, unknown>;
}

function say(value: PeerHello | PeerAnswer): void {
  process.stdout.write(`${toWire(value)}\n`);
}

function answerOf(id: number, error: unknown): PeerAnswer {
  const e = (typeof error === 'object' && error !== null ? error : {}) as { name?: unknown; code?: unknown; message?: unknown };
  return {
    id,
    ok: false,
    name: typeof e.name === 'string' ? e.name : 'Error',
    code: typeof e.code === 'string' ? e.code : undefined,
    message: typeof e.message === 'string' ? e.message : String(error),
  };
}

/** Serves calls until stdin closes. `providerModule` is the imported module (its `WSPStartup`, named or on `default`). */
export async function servePeer(providerModule: unknown, configText: string): Promise<void> {
  const config = fromWire(configText) as PeerConfig;
  const module = providerModule as { WSPStartup?: WspStartup; default?: { WSPStartup?: WspStartup } };
  const startup = module.WSPStartup ?? module.default?.WSPStartup;
  let procTable: WspProcTable;
  try {
    if (typeof startup !== 'function') throw new Error('the provider module exports no WSPStartup function');
    ({ procTable } = await startup(WINSOCK_VERSION_2_2, config.catalogEntry, createSwitchUpcalls(), config.startupOptions));
  } catch (error) {
    say({ ready: false, message: error instanceof Error ? error.message : String(error) });
    process.exitCode = 1;
    return;
  }
  const lines = createInterface({ input: process.stdin });
  lines.on('line', (line) => {
    const { id, call, args } = fromWire(line) as PeerCall;
    let running: Promise<unknown>;
    try {
      if (!PEER_CALLS.includes(call as (typeof PEER_CALLS)[number])) throw new Error(`${call} is not a call a peer runs`);
      const fn = procTable[call as (typeof PEER_CALLS)[number]] as (...values: unknown[]) => unknown;
      running = Promise.resolve(fn(...args));
    } catch (error) {
      running = Promise.reject(error);
    }
    running.then(
      (value) => say({ id, ok: true, value: value ?? null }),
      (error: unknown) => say(answerOf(id, error)),
    );
  });
  // The parent closing stdin means it is done with this peer.
  lines.on('close', () => {
    void procTable.WSPCleanup().finally(() => process.exit(0));
  });
  say({ ready: true, pid: process.pid });
}
