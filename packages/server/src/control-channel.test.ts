import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from '@sanshare/transport-uds';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { connectControl, controlSocketPath, listenControl, type ControlListener } from './control-channel.js';
import { isServerError } from './errors.js';

describe('control channel', () => {
  let dir: string;
  let listener: ControlListener;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'srv-ctl-'));
    listener = await listenControl(dir);
  });

  afterEach(async () => {
    await listener.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('should carry messages both ways between the processes it names', async () => {
    expect(listener.path).toBe(controlSocketPath(dir, process.pid));
    const [joiner, joined] = await Promise.all([connectControl(listener.path, process.pid), listener.accept()]);
    expect(joiner.peerPid).toBe(process.pid);
    await joiner.send({ kind: 'ready', pid: 42 });
    expect(await joined.receive()).toEqual({ kind: 'ready', pid: 42 });
    await joined.send({ kind: 'abort', reason: 'because' });
    expect(await joiner.receive()).toEqual({ kind: 'abort', reason: 'because' });
    await joined.close();
    expect(await joiner.receive()).toBeNull();
    await joiner.whenClosed;
  });

  it('should refuse a control socket held by another pid than the one expected', async () => {
    await expect(connectControl(listener.path, process.pid + 1)).rejects.toThrow(
      new RegExp(`^the control socket .* is held by pid ${process.pid}, not by pid ${process.pid + 1} as expected; refusing to talk to it$`),
    );
  });

  it('should end the channel when a frame carries a descriptor', async () => {
    const raw = await connect(listener.path);
    const joined = await listener.accept();
    const tcp = createServer();
    await new Promise<void>((resolve) => tcp.listen(0, '127.0.0.1', resolve));
    const fd = (tcp as unknown as { _handle: { fd: number } })._handle.fd;
    await raw.send(new Uint8Array([0x1a, 0x02, 0x08, 0x01]), [fd]);
    const error = await joined.receive().catch((e: unknown) => e);
    expect(isServerError(error, 'ERR_CONTROL_PROTOCOL')).toBe(true);
    expect((error as Error).message).toMatch(/a frame carried 1 descriptor\(s\); sockets move through the switch, never here$/);
    expect(joined.closed).toBe(true);
    tcp.close();
    await raw.close();
  });

  it('should end the channel on a malformed frame', async () => {
    const raw = await connect(listener.path);
    const joined = await listener.accept();
    await raw.send(new Uint8Array([0xff]));
    const error = await joined.receive().catch((e: unknown) => e);
    expect(isServerError(error, 'ERR_CONTROL_PROTOCOL')).toBe(true);
    expect(joined.closed).toBe(true);
    await raw.close();
  });

  it('should say why when nothing listens at the path', async () => {
    await expect(connectControl(join(dir, 'nobody.ctl'), 1)).rejects.toThrow(/^cannot connect to the control socket .*nobody\.ctl of pid 1: .*; the process that started this one has exited/);
  });
});
