import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROVIDERS } from './helpers/providers.js';
import { useTwoAgents } from './helpers/two-agents.js';

describe.each(PROVIDERS)('access control between two switch processes ($name)', (provider) => {
  const fx = useTwoAgents('switch-acl-', provider);

  async function startBoth(): Promise<{ srcPid: number; dstPid: number }> {
    const { dir, catalogFile, source, destination } = fx;
    const srcPid = await source.call<number>('startup', { catalogFile });
    const dstPid = await destination.call<number>('startup', { catalogFile });
    await destination.call('listenChannel', { path: join(dir, 'channel.sock') });
    const accepted = destination.call('acceptChannel');
    await source.call('connectChannel', { path: join(dir, 'channel.sock') });
    await accepted;
    return { srcPid, dstPid };
  }

  it('should refuse to send a protocol info to a peer it was not duplicated for, and keep the channel open', async () => {
    const { peer, source } = fx;
    const { srcPid, dstPid } = await startBoth();
    const s1 = await source.call<number>('socket');
    await source.call('connect', { s: s1, port: peer.port });
    await source.call('duplicate', { s: s1, pid: srcPid, as: 'mine' });
    expect(await source.failure('sendInfo', { name: 'mine' })).toBe('ERR_CHANNEL_PEER_PID');
    expect(await source.call<number>('requestPeerPid')).toBe(dstPid);
    // The info is still good where it was meant to go: this process.
    const s2 = await source.call<number>('socketFromInfo', { name: 'mine' });
    expect(await source.call('isHandedOff', { s: s1 })).toBe(false);
    await source.call('send', { s: s2, text: 'kept' });
    await peer.until(() => peer.received === 'kept');
  });

  it('should lock every descriptor of the socket while the other process holds it, and free them all when it comes back', async () => {
    const { peer, source, destination } = fx;
    const { srcPid, dstPid } = await startBoth();
    const s1 = await source.call<number>('socket');
    await source.call('connect', { s: s1, port: peer.port });
    // Out and back once: the source now has two descriptors of the socket, s1 and s2.
    await source.call('duplicate', { s: s1, pid: dstPid, as: 'out1' });
    await source.call('sendInfo', { name: 'out1' });
    await destination.call('receiveInfo', { as: 'in1' });
    const d1 = await destination.call<number>('socketFromInfo', { name: 'in1' });
    await destination.call('duplicate', { s: d1, pid: srcPid, as: 'back1' });
    await destination.call('sendInfo', { name: 'back1' });
    await source.call('receiveInfo', { as: 'home1' });
    const s2 = await source.call<number>('socketFromInfo', { name: 'home1' });
    await destination.call('closesocket', { s: d1 });
    // Out again through s2: s1 is locked with it, as the lock is on the socket.
    await source.call('duplicate', { s: s2, pid: dstPid, as: 'out2' });
    expect(await source.failure('send', { s: s1, text: 'no' })).toBe('WSAEACCES');
    expect(await source.failure('send', { s: s2, text: 'no' })).toBe('WSAEACCES');
    await source.call('sendInfo', { name: 'out2' });
    await destination.call('receiveInfo', { as: 'in2' });
    const d2 = await destination.call<number>('socketFromInfo', { name: 'in2' });
    await destination.call('send', { s: d2, text: 'destination;' });
    await peer.until(() => peer.received === 'destination;');
    // And back: both of the source's descriptors work again.
    await destination.call('duplicate', { s: d2, pid: srcPid, as: 'back2' });
    await destination.call('sendInfo', { name: 'back2' });
    await source.call('receiveInfo', { as: 'home2' });
    const s3 = await source.call<number>('socketFromInfo', { name: 'home2' });
    await destination.call('closesocket', { s: d2 });
    expect([s1, s2, s3].length).toBe(new Set([s1, s2, s3]).size);
    for (const s of [s1, s2, s3]) expect(await source.call('isHandedOff', { s })).toBe(false);
    await source.call('send', { s: s3, text: 'source;' });
    await peer.until(() => peer.received === 'destination;source;');
    expect(peer.connections).toHaveLength(1);
  });
});
