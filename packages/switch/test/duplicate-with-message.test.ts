import { SD } from '@sanshare/protocol-info';
import { describe, expect, it } from 'vitest';
import { SANSHARE_PROVIDER } from './helpers/providers.js';
import { useTwoAgents } from './helpers/two-agents.js';

interface Delivered {
  message: string;
  sourcePid: number;
  targetPid: number;
  socketCookie: string;
  exportId: number;
}

// Extensions: sanshare's provider only (the minimal provider's refusals are in provider-neutrality.test.ts).
describe('WSADuplicateSocketWithMessage / WSAReceiveDuplicate between two switch processes', () => {
  const fx = useTwoAgents('switch-msg-', SANSHARE_PROVIDER);

  it('should move a live connection there and back with no IPC of the application, under access control', async () => {
    const { catalogFile, peer, source, destination } = fx;
    const srcPid = await source.call<number>('startup', { catalogFile });
    const dstPid = await destination.call<number>('startup', { catalogFile });
    const s1 = await source.call<number>('socket');
    await source.call('connect', { s: s1, port: peer.port });
    await peer.until(() => peer.connections.length === 1);
    await source.call('send', { s: s1, text: 'one;' });
    await peer.until(() => peer.received === 'one;');
    peer.take();
    const cookie = await source.call<string>('cookie', { s: s1 });

    // Out: the socket, its protocol info and the message in one hand-off; the source is locked out.
    const sent = await source.call<{ targetPid: number; socketCookie: string; exportId: number }>('duplicateWithMessage', { s: s1, pid: dstPid, text: 'take job 7', as: 'out' });
    expect(sent).toMatchObject({ targetPid: dstPid, socketCookie: cookie });
    expect(await source.failure('send', { s: s1, text: 'forbidden' })).toBe('WSAEACCES');
    const got = await destination.call<Delivered>('receiveDuplicate', { as: 'in' });
    expect(got).toEqual({ message: 'take job 7', sourcePid: srcPid, targetPid: dstPid, socketCookie: cookie, exportId: sent.exportId });
    const d1 = await destination.call<number>('socketFromInfo', { name: 'in' });
    // Single use: the same delivery imports once.
    expect(await destination.failure('socketFromInfo', { name: 'in' })).toBe('WSAEINVAL');
    await destination.call('send', { s: d1, text: 'two;' });
    await peer.until(() => peer.received === 'two;');
    peer.take();
    expect(await destination.call<string>('cookie', { s: d1 })).toBe(cookie);

    // Back: the source takes it again, and its old descriptor works again too.
    await destination.call('duplicateWithMessage', { s: d1, pid: srcPid, text: 'done with job 7', as: 'back' });
    expect(await destination.failure('send', { s: d1, text: 'forbidden' })).toBe('WSAEACCES');
    const back = await source.call<Delivered>('receiveDuplicate', { as: 'home' });
    expect(back).toMatchObject({ message: 'done with job 7', sourcePid: dstPid, targetPid: srcPid, socketCookie: cookie });
    const s2 = await source.call<number>('socketFromInfo', { name: 'home' });
    await destination.call('closesocket', { s: d1 });
    await source.call('send', { s: s2, text: 'three;' });
    await source.call('send', { s: s1, text: 'four;' });
    await peer.until(() => peer.received === 'three;four;');
    expect(peer.connections).toHaveLength(1);

    // Graceful end: one FIN, after the last descriptor.
    await source.call('closesocket', { s: s1 });
    expect(peer.ended).toBe(false);
    await source.call('shutdown', { s: s2, how: SD.SEND });
    await source.call('closesocket', { s: s2 });
    await peer.until(() => peer.ended);
  });

  it('should time a receive out with WSAETIMEDOUT when nothing was duplicated with a message', async () => {
    const { catalogFile, peer, source, destination } = fx;
    await source.call<number>('startup', { catalogFile });
    const dstPid = await destination.call<number>('startup', { catalogFile });
    // A plain WSADuplicateSocket delivers nothing: its protocol info is the application's to carry.
    const s1 = await source.call<number>('socket');
    await source.call('connect', { s: s1, port: peer.port });
    await source.call('duplicate', { s: s1, pid: dstPid, as: 'plain' });
    expect(await destination.failure('receiveDuplicate', { as: 'none', timeoutMs: 200 })).toBe('WSAETIMEDOUT');
  });
});
