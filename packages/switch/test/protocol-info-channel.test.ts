import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, listen, type UdsConnection } from '@sanshare/transport-uds';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { connectProtocolInfoChannel, defaultProtocolInfo, isSwitchError, listenProtocolInfoChannel, type ProtocolInfoChannel, type ProtocolInfoChannelServer } from '../src/index.js';
import { encodeChannelMessage, decodeChannelMessage } from '../src/protocol-info-channel-codec.js';
import { openDescriptors } from './helpers/kernel-refs.js';

describe('protocol-info channel', () => {
  let dir: string;
  let path: string;
  const cleanups: (() => Promise<unknown>)[] = [];
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'switch-chan-'));
    path = join(dir, 'c.sock');
  });
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  });

  async function pair(): Promise<{ server: ProtocolInfoChannelServer; client: ProtocolInfoChannel; accepted: ProtocolInfoChannel }> {
    const server = await listenProtocolInfoChannel(path);
    cleanups.push(() => server.close());
    const client = await connectProtocolInfoChannel(path, { timeoutMs: 5000 });
    cleanups.push(() => client.close());
    const accepted = await server.accept({ timeoutMs: 5000 });
    cleanups.push(() => accepted.close());
    return { server, client, accepted };
  }

  it('should answer pid requests on both ends with the kernel-checked pid', async () => {
    const { client, accepted } = await pair();
    expect(client.peer.pid).toBe(process.pid);
    expect(await client.requestPeerPid()).toBe(process.pid);
    expect(await accepted.requestPeerPid()).toBe(process.pid);
  });

  it('should tell each end when it answered a pid request (step 3), after the reply left, and survive a throwing hook', async () => {
    const answeredByServer: number[] = [];
    const answeredByClient: number[] = [];
    const server = await listenProtocolInfoChannel(path, {
      onPidRequestAnswered: (pid) => {
        answeredByServer.push(pid);
        throw new Error('a broken trace hook');
      },
    });
    cleanups.push(() => server.close());
    const client = await connectProtocolInfoChannel(path, { timeoutMs: 5000, onPidRequestAnswered: (pid) => answeredByClient.push(pid) });
    cleanups.push(() => client.close());
    const accepted = await server.accept({ timeoutMs: 5000 });
    cleanups.push(() => accepted.close());
    expect(answeredByServer).toEqual([]);
    await client.requestPeerPid();
    // The reply was sent before the hook ran, so the requester has it once the hook has run.
    expect(answeredByServer).toEqual([process.pid]);
    await client.requestPeerPid();
    expect(answeredByServer).toEqual([process.pid, process.pid]);
    expect(answeredByClient).toEqual([]);
    await accepted.requestPeerPid();
    expect(answeredByClient).toEqual([process.pid]);
    expect(accepted.closed).toBe(false);
  });

  it('should carry protocol infos both ways, in order, export context included', async () => {
    const { client, accepted } = await pair();
    const a = { ...defaultProtocolInfo('inet'), dwCatalogEntryId: 1001 };
    const b = {
      ...defaultProtocolInfo('inet6'),
      dwProviderReserved: 7,
      exportContext: { exportId: 7, sourcePid: 1, targetPid: process.pid, socketCookie: '18446744073709551615', nonce: new Uint8Array(16).fill(3), expiresAtMs: 1_900_000_000_000 },
    };
    await client.sendProtocolInfo(a);
    await client.sendProtocolInfo(b);
    expect(await accepted.receiveProtocolInfo()).toEqual(a);
    const got = await accepted.receiveProtocolInfo();
    expect({ ...got, exportContext: { ...got.exportContext, nonce: Array.from(got.exportContext?.nonce ?? []) } }).toEqual({ ...b, exportContext: { ...b.exportContext, nonce: Array.from(b.exportContext.nonce) } });
    await accepted.sendProtocolInfo(a);
    expect(await client.receiveProtocolInfo()).toEqual(a);
  });

  it('should time out and be cancelled, and stay usable', async () => {
    const { client } = await pair();
    await expect(client.receiveProtocolInfo({ timeoutMs: 20 })).rejects.toSatisfy((e) => isSwitchError(e, 'ERR_CHANNEL_TIMEOUT'));
    const controller = new AbortController();
    const waiting = client.receiveProtocolInfo({ signal: controller.signal });
    controller.abort(new Error('stop'));
    await expect(waiting).rejects.toThrow('stop');
    expect(await client.requestPeerPid()).toBe(process.pid);
  });

  it('should still deliver what the peer sent before it closed', async () => {
    const { client, accepted } = await pair();
    const info = { ...defaultProtocolInfo('inet'), dwCatalogEntryId: 1001 };
    await client.sendProtocolInfo(info);
    await client.sendProtocolInfo(info);
    await client.close();
    expect(await accepted.receiveProtocolInfo()).toEqual(info);
    expect(await accepted.receiveProtocolInfo()).toEqual(info);
    await expect(accepted.receiveProtocolInfo()).rejects.toSatisfy((e) => isSwitchError(e, 'ERR_CHANNEL_CLOSED'));
  });

  it('should reject pending calls when the peer closes', async () => {
    const { client, accepted } = await pair();
    const waiting = client.receiveProtocolInfo({ timeoutMs: Infinity });
    await accepted.close();
    await expect(waiting).rejects.toSatisfy((e) => isSwitchError(e, 'ERR_CHANNEL_CLOSED'));
    expect(client.closed).toBe(true);
    await expect(client.requestPeerPid()).rejects.toSatisfy((e) => isSwitchError(e, 'ERR_CHANNEL_CLOSED'));
  });

  it('should report a missing listener as ERR_CHANNEL_CLOSED and refuse an unexpected listener pid', async () => {
    await expect(connectProtocolInfoChannel(join(dir, 'nobody.sock'), { timeoutMs: 1000 })).rejects.toSatisfy((e) => isSwitchError(e, 'ERR_CHANNEL_CLOSED'));
    const server = await listenProtocolInfoChannel(path);
    cleanups.push(() => server.close());
    await expect(connectProtocolInfoChannel(path, { expectedPid: process.pid + 1 })).rejects.toSatisfy((e) => isSwitchError(e, 'ERR_CHANNEL_PEER_PID'));
  });

  describe('against a misbehaving peer', () => {
    async function rawPeer(): Promise<{ channel: ProtocolInfoChannel; raw: UdsConnection }> {
      const listener = await listen(path);
      cleanups.push(() => listener.close());
      const rawAccepted = listener.accept({ timeoutMs: 5000 });
      const channel = await connectProtocolInfoChannel(path, { timeoutMs: 5000 });
      cleanups.push(() => channel.close());
      const raw = await rawAccepted;
      cleanups.push(() => raw.close());
      return { channel, raw };
    }

    it('should close the channel when the peer lies about its pid', async () => {
      const { channel, raw } = await rawPeer();
      const asked = channel.requestPeerPid({ timeoutMs: 5000 });
      const request = decodeChannelMessage((await raw.receive({ timeoutMs: 5000 }))!.data);
      if (request.kind !== 'pidRequest') throw new Error('expected a pid request');
      await raw.send(encodeChannelMessage({ kind: 'pidReply', requestId: request.requestId, pid: process.pid + 1 }));
      await expect(asked).rejects.toSatisfy((e) => isSwitchError(e, 'ERR_CHANNEL_PEER_PID'));
      expect(channel.closed).toBe(true);
      expect(await raw.receive({ timeoutMs: 5000 })).toBeNull();
    });

    it('should close the channel on garbage', async () => {
      const { channel, raw } = await rawPeer();
      const waiting = channel.receiveProtocolInfo({ timeoutMs: 5000 });
      await raw.send(Uint8Array.from([0xff, 0xff, 0xff]));
      await expect(waiting).rejects.toSatisfy((e) => isSwitchError(e, 'ERR_CHANNEL_PROTOCOL'));
      expect(channel.closed).toBe(true);
    });

    it('should close the channel on an invalid protocol info', async () => {
      const { channel, raw } = await rawPeer();
      const waiting = channel.receiveProtocolInfo({ timeoutMs: 5000 });
      await raw.send(encodeChannelMessage({ kind: 'protocolInfo', protocolInfo: Uint8Array.from([0x08, 0x01, 0x32, 0x01, 0x41]) }));
      await expect(waiting).rejects.toSatisfy((e) => isSwitchError(e, 'ERR_CHANNEL_PROTOCOL'));
    });

    it('should close descriptors a peer sends and leak none', async () => {
      const before = openDescriptors();
      const { channel, raw } = await rawPeer();
      const waiting = channel.receiveProtocolInfo({ timeoutMs: 5000 });
      await raw.send(encodeChannelMessage({ kind: 'pidRequest', requestId: 1 }), [0]);
      await expect(waiting).rejects.toSatisfy((e) => isSwitchError(e, 'ERR_CHANNEL_PROTOCOL'));
      for (const c of cleanups.splice(0).reverse()) await c();
      expect(openDescriptors()).toBe(before);
    });

    it('should answer an unsolicited reply by closing', async () => {
      const { channel, raw } = await rawPeer();
      await raw.send(encodeChannelMessage({ kind: 'pidReply', requestId: 99, pid: process.pid }));
      await expect(channel.receiveProtocolInfo({ timeoutMs: 5000 })).rejects.toSatisfy((e) => isSwitchError(e, 'ERR_CHANNEL_PROTOCOL'));
    });
  });

  it('should not leak descriptors over many channels', async () => {
    const server = await listenProtocolInfoChannel(path);
    cleanups.push(() => server.close());
    const before = openDescriptors();
    for (let i = 0; i < 20; i++) {
      const client = await connectProtocolInfoChannel(path);
      const accepted = await server.accept();
      expect(await client.requestPeerPid()).toBe(process.pid);
      await client.close();
      await expect(accepted.receiveProtocolInfo()).rejects.toSatisfy((e) => isSwitchError(e, 'ERR_CHANNEL_CLOSED'));
    }
    expect(openDescriptors()).toBe(before);
  });
});
