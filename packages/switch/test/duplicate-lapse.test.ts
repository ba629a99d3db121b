import type { Socket as NetSocket } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { DuplicateSettledEvent } from '../src/index.js';
import type { Agent } from './helpers/agent.js';
import { descriptorsOf, tcpSocketInode } from './helpers/kernel-refs.js';
import { PROVIDERS } from './helpers/providers.js';
import type { TcpPeer } from './helpers/tcp-peer.js';
import { useTwoAgents, type TwoAgents } from './helpers/two-agents.js';

/** The providers that report how a duplication ends (WPUNotifyDuplicateSettled). */
const REPORTING = PROVIDERS.filter((p) => p.reportsSettlements);

/** Short enough for a test, long enough for the destination to receive the protocol info first. */
const SHORT_IMPORT_TIMEOUT_MS = 1_500;

/**
 * Both agents started; the source connected to the peer, which sent `abcdef`; the source read `a`
 * only, so that the rest sits in its provider's read-ahead or the kernel; then duplicated the socket
 * to the destination, which has not imported it.
 */
async function handedOff(fx: TwoAgents): Promise<{ s: number; srcPid: number; dstPid: number; dwProviderReserved: number }> {
  const { catalogFile, peer, source, destination } = fx;
  const srcPid = await source.call<number>('startup', { catalogFile });
  const dstPid = await destination.call<number>('startup', { catalogFile });
  const s = await source.call<number>('socket');
  await source.call('connect', { s, port: peer.port });
  await peer.until(() => peer.connections.length === 1);
  (peer.connections[0] as NetSocket).write('abcdef');
  expect(await source.call<string>('recvExact', { s, length: 1 })).toBe('a');
  const { dwProviderReserved } = await source.call<{ dwProviderReserved: number }>('duplicate', { s, pid: dstPid, as: 'out' });
  expect(await source.call('isHandedOff', { s })).toBe(true);
  expect(await source.failure('send', { s, text: 'not now' })).toBe('WSAEACCES');
  return { s, srcPid, dstPid, dwProviderReserved };
}

/** The socket is the source's again: every byte in order, writable, one connection, one descriptor (the source's). */
async function expectBackAtSource(peer: TcpPeer, source: Agent, s: number, srcPid: number, dstPid: number | undefined): Promise<void> {
  expect(await source.call('isHandedOff', { s })).toBe(false);
  (peer.connections[0] as NetSocket).write('ghi');
  expect(await source.call<string>('recvExact', { s, length: 8 })).toBe('bcdefghi');
  await source.call('send', { s, text: 'back;' });
  await peer.until(() => peer.received === 'back;');
  expect(peer.connections).toHaveLength(1);
  const conn = peer.connections[0] as NetSocket;
  const inode = tcpSocketInode(conn.remotePort as number, peer.port) as string;
  expect(descriptorsOf(srcPid, inode)).toBe(1);
  // The destination's descriptor was closed when its import lapsed: counted until it is (bounded).
  if (dstPid !== undefined) {
    let left = descriptorsOf(dstPid, inode);
    for (let i = 0; i < 100 && left !== 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
      left = descriptorsOf(dstPid, inode);
    }
    expect(left).toBe(0);
  }
}

describe.each(REPORTING)('a duplication that lapses gives the socket back ($name)', (provider) => {
  describe('when the import expires', () => {
    const fx = useTwoAgents('switch-lapse-', provider, { importTimeoutMs: SHORT_IMPORT_TIMEOUT_MS });

    it('should lift the lock, tell the source, keep every byte, and refuse the late import', async () => {
      const { dir, peer, source, destination } = fx;
      const { s, srcPid, dstPid, dwProviderReserved } = await handedOff(fx);
      // The protocol info reaches the destination, which does not import it in time.
      await destination.call('listenChannel', { path: join(dir, 'channel.sock') });
      const accepted = destination.call('acceptChannel');
      await source.call('connectChannel', { path: join(dir, 'channel.sock') });
      await accepted;
      await source.call('sendInfo', { name: 'out' });
      await destination.call('receiveInfo', { as: 'in' });

      const event = await source.call<DuplicateSettledEvent>('nextSettlement');
      expect(event).toMatchObject({ s, outcome: 'lapsed', dwProcessId: dstPid, dwProviderReserved });
      expect(event.reason).toMatch(/expired/);
      await expectBackAtSource(peer, source, s, srcPid, dstPid);
      expect(await destination.failure('socketFromInfo', { name: 'in' })).toBe('WSAEINVAL');
    });
  });

  describe('when the target dies or imports', () => {
    const fx = useTwoAgents('switch-lapse-', provider);

    it('should lift the lock, tell the source and keep every byte when the target dies before importing', async () => {
      const { peer, source, destination } = fx;
      const { s, srcPid, dstPid, dwProviderReserved } = await handedOff(fx);
      destination.kill();
      await destination.exited;
      const event = await source.call<DuplicateSettledEvent>('nextSettlement');
      expect(event).toMatchObject({ s, outcome: 'lapsed', dwProcessId: dstPid, dwProviderReserved });
      expect(event.reason).toMatch(new RegExp(`process ${dstPid}`));
      await expectBackAtSource(peer, source, s, srcPid, undefined);
    });

    it('should tell the source that the target imported it, and keep the lock', async () => {
      const { dir, peer, source, destination } = fx;
      const { s, dstPid, dwProviderReserved } = await handedOff(fx);
      await destination.call('listenChannel', { path: join(dir, 'channel.sock') });
      const accepted = destination.call('acceptChannel');
      await source.call('connectChannel', { path: join(dir, 'channel.sock') });
      await accepted;
      await source.call('sendInfo', { name: 'out' });
      await destination.call('receiveInfo', { as: 'in' });
      const d = await destination.call<number>('socketFromInfo', { name: 'in' });
      const event = await source.call<DuplicateSettledEvent>('nextSettlement');
      expect(event).toMatchObject({ s, outcome: 'claimed', dwProcessId: dstPid, dwProviderReserved });
      expect(await source.call('isHandedOff', { s })).toBe(true);
      // The bytes the source had not read are the destination's now.
      expect(await destination.call<string>('recvExact', { s: d, length: 5 })).toBe('bcdef');
      await destination.call('send', { s: d, text: 'there;' });
      await peer.until(() => peer.received === 'there;');
    });
  });
});
