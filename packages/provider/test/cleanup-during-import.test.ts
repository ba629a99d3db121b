/**
 * WSPCleanup while an import (WSPSocket with a protocol info) waits for its claim to be written: the
 * import must not succeed with a socket that the cleanup closes at once (a descriptor number that
 * names nothing); it fails with WSAENETDOWN, as every call waiting at WSPCleanup does, and nothing
 * stays open.
 */
import type { ProtocolInfo } from '@sanshare/protocol-info';
import { describe, expect, it } from 'vitest';
import { startAgent } from './helpers/agent-runner.js';
import { useRuntimeDirAndEchoPeer } from './helpers/runtime-dir-and-peer.js';

describe('WSPCleanup during an import', () => {
  const fx = useRuntimeDirAndEchoPeer();

  it('should fail the import with WSAENETDOWN and leave no descriptor open', async () => {
    const [a, b] = await Promise.all([startAgent({ runtimeDir: fx.dir }), startAgent({ runtimeDir: fx.dir })]);
    const s = await a.call<number>('connect', { address: '127.0.0.1', port: fx.peer.port });
    const info = await a.call<ProtocolInfo>('duplicate', { s, pid: b.pid });
    const outcome = await b.call<{ imported: { ok: boolean; code?: string }; open: number[] }>('importThenCleanup', { info });
    expect(outcome.imported).toMatchObject({ ok: false, code: 'WSAENETDOWN' });
    expect(outcome.open).toEqual([]);
  });
});
