import type { ProtocolInfo } from '@sanshare/protocol-info';
import { describe, expect, it } from 'vitest';
import { expectCode, startAgent, warmUp } from './helpers/agent-runner.js';
import { fdCount } from './helpers/temp-dir.js';
import { useRuntimeDirAndEchoPeer } from './helpers/runtime-dir-and-peer.js';

const text = (s: string): Uint8Array => new TextEncoder().encode(s);
const str = (b: Uint8Array): string => Buffer.from(b).toString();

describe('processes dying around a hand-off', () => {
  const fx = useRuntimeDirAndEchoPeer();

  it('should let the source exit right after duplicating: the import still works', async () => {
    const [a, b] = await Promise.all([startAgent({ runtimeDir: fx.dir }), startAgent({ runtimeDir: fx.dir })]);
    const accepted = fx.peer.nextConnection();
    const s = await a.call<number>('connect', { address: '127.0.0.1', port: fx.peer.port });
    const conn = await accepted;
    // Bytes the source read ahead (the echo of 'in flight') travel with the socket.
    await a.call('send', { s, data: text('in flight') });
    const info = await a.call<ProtocolInfo>('duplicateAndExit', { s, pid: b.pid });
    expect(await a.exited).toBe(0);
    const d = await b.call<number>('import', { info });
    expect(str(await b.call<Uint8Array>('recvExactly', { s: d, bytes: 9 }))).toBe('in flight');
    await b.call('send', { s: d, data: text('after the source died') });
    expect(str(await b.call<Uint8Array>('recvExactly', { s: d, bytes: 21 }))).toBe('after the source died');
    expect(conn.gotFin).toBe(false);
    expect(conn.hadError).toBe(false);
  });

  it("should keep the source's descriptor working when the destination is SIGKILLed after importing", async () => {
    const [a, b] = await Promise.all([startAgent({ runtimeDir: fx.dir }), startAgent({ runtimeDir: fx.dir })]);
    const accepted = fx.peer.nextConnection();
    const s = await a.call<number>('connect', { address: '127.0.0.1', port: fx.peer.port });
    const conn = await accepted;
    const d = await b.call<number>('import', { info: await a.call('duplicate', { s, pid: b.pid }) });
    await b.call('send', { s: d, data: text('from b') });
    expect(str(await b.call<Uint8Array>('recvExactly', { s: d, bytes: 6 }))).toBe('from b');
    b.child.kill('SIGKILL');
    expect(await b.exited).toBe('SIGKILL');
    // The cached channel to the dead process is dropped: duplicating to it again is WSAEINVAL.
    await expectCode(a.call('duplicate', { s, pid: b.pid }), 'WSAEINVAL');
    // The kernel socket lives on in the source, which still holds a descriptor: using it resumes reading.
    expect(conn.gotFin).toBe(false);
    await a.call('send', { s, data: text('source again') });
    expect(str(await a.call<Uint8Array>('recvExactly', { s, bytes: 12 }))).toBe('source again');
    await a.call('close', { s });
    await conn.fin;
    expect(conn.gotFin).toBe(true);
  });

  it('should close the pending descriptor with the destination when it dies before importing', async () => {
    const [a, b] = await Promise.all([startAgent({ runtimeDir: fx.dir }), startAgent({ runtimeDir: fx.dir })]);
    const accepted = fx.peer.nextConnection();
    const s = await a.call<number>('connect', { address: '127.0.0.1', port: fx.peer.port });
    const conn = await accepted;
    await a.call('duplicate', { s, pid: b.pid });
    b.child.kill('SIGKILL');
    await b.exited;
    await a.call('close', { s });
    // The last descriptor died with the destination's process: the peer sees the connection end.
    await conn.fin;
    expect(conn.gotFin || conn.closed).toBe(true);
  });

  it('should leak no descriptor over many hand-offs, failures and closes in either process', async () => {
    const [a, b] = await Promise.all([startAgent({ runtimeDir: fx.dir }), startAgent({ runtimeDir: fx.dir })]);
    await warmUp(a, b, fx.peer.port);
    const before = [fdCount(a.pid), fdCount(b.pid)];
    for (let round = 0; round < 20; round++) {
      const s = await a.call<number>('connect', { address: '127.0.0.1', port: fx.peer.port });
      await a.call('send', { s, data: text(`round ${round}`) });
      const d = await b.call<number>('import', { info: await a.call('duplicate', { s, pid: b.pid }) });
      await b.call('import', { info: { dwProviderReserved: 7 } }).catch(() => undefined);
      await a.call('duplicate', { s, pid: 1 }).catch(() => undefined);
      const back = await b.call<ProtocolInfo>('duplicate', { s: d, pid: a.pid });
      await b.call('close', { s: d });
      const s2 = await a.call<number>('import', { info: back });
      await a.call('close', { s });
      await a.call('shutdown', { s: s2, how: 2 });
      await a.call('close', { s: s2 });
    }
    expect([fdCount(a.pid), fdCount(b.pid)]).toEqual(before);
    const upcalls = await a.call<{ open: number[] }>('upcalls');
    expect(upcalls.open).toEqual([]);
  });
});
