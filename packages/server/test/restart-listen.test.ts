/**
 * `restarter.listen` in a first generation (no predecessor), in this process: one listener per
 * name, refused at once for a second `listen` of a name, even while the first is under way.
 */
import { closeSync, fstatSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ENV } from '../src/constants.js';
import { createRestarter, isServerError, type Restarter } from '../src/index.js';

describe('restarter.listen', () => {
  let dir: string;
  // Unset when createRestarter failed: afterEach then has nothing to close.
  let restarter: Restarter | undefined;
  const servers: Server[] = [];

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'srv-listen-'));
    restarter = await createRestarter({ runtimeDir: join(dir, 'run'), progressLine: false });
  });

  afterEach(async () => {
    await restarter?.close();
    restarter = undefined;
    for (const s of servers.splice(0)) s.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const started = (): Restarter => {
    if (restarter === undefined) throw new Error('createRestarter failed in beforeEach');
    return restarter;
  };

  const server = (): Server => {
    const s = createServer((socket) => socket.end());
    servers.push(s);
    return s;
  };

  it('should refuse a second listen of a name while the first is under way, and keep the first', async () => {
    const first = server();
    const second = server();
    const results = await Promise.allSettled([
      started().listen('web', first, { port: 0, host: '127.0.0.1' }),
      started().listen('web', second, { port: 0, host: '127.0.0.1' }),
    ]);
    expect(results[0].status).toBe('fulfilled');
    expect(results[1].status).toBe('rejected');
    expect(isServerError((results[1] as PromiseRejectedResult).reason, 'ERR_INVALID_ARGUMENT')).toBe(true);
    expect(first.listening).toBe(true);
    expect(second.listening).toBe(false);
  });

  it('should free a name whose listen failed, so that it can listen again', async () => {
    const taken = server();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const { port } = taken.address() as AddressInfo;
    const failing = server();
    await expect(started().listen('web', failing, { port, host: '127.0.0.1' })).rejects.toSatisfy((error: unknown) => isServerError(error, 'ERR_LISTENER'));
    const next = server();
    await started().listen('web', next, { port: 0, host: '127.0.0.1' });
    expect(next.listening).toBe(true);
  });

  it.each([
    ['a port out of range', { port: 70_000, host: '127.0.0.1' }],
    ['a negative port', { port: -1 }],
  ])('should refuse %s with ERR_INVALID_ARGUMENT, leave no listener on the server, and free the name', async (_what, options) => {
    const s = server();
    const before = { error: s.listenerCount('error'), listening: s.listenerCount('listening') };
    await expect(started().listen('web', s, options)).rejects.toSatisfy((error: unknown) => isServerError(error, 'ERR_INVALID_ARGUMENT'));
    // A stale 'error' listener would swallow the server's next error.
    expect({ error: s.listenerCount('error'), listening: s.listenerCount('listening') }).toEqual(before);
    const next = server();
    await started().listen('web', next, { port: 0, host: '127.0.0.1' });
    expect(next.listening).toBe(true);
  });

  it('should refuse a server that listens already with ERR_INVALID_ARGUMENT, and leave no listener on it', async () => {
    const s = server();
    await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
    const before = s.listenerCount('error');
    await expect(started().listen('web', s, { port: 0, host: '127.0.0.1' })).rejects.toSatisfy((error: unknown) => isServerError(error, 'ERR_INVALID_ARGUMENT'));
    expect(s.listenerCount('error')).toBe(before);
  });
});

describe('restarter.listen on an inherited descriptor', () => {
  it('should close an inherited descriptor it could not listen on (a file, not a listening socket), not leave it open', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'srv-listen-inh-'));
    const fd = openSync(join(dir, 'not-a-socket'), 'w');
    const previous = process.env[ENV.listenFds];
    let restarter: Restarter | undefined;
    const s = createServer();
    try {
      // What a supervisor or predecessor passes: name=descriptor. This one is a plain file.
      process.env[ENV.listenFds] = `web=${fd}`;
      restarter = await createRestarter({ runtimeDir: join(dir, 'run'), progressLine: false });
      if (previous === undefined) delete process.env[ENV.listenFds];
      else process.env[ENV.listenFds] = previous;
      await expect(restarter.listen('web', s, { port: 0, host: '127.0.0.1' })).rejects.toSatisfy((error: unknown) => isServerError(error, 'ERR_LISTENER'));
      // Nothing will ever use it now (the name is free again, and close() only closes those not taken).
      expect(() => fstatSync(fd)).toThrow(/EBADF/);
    } finally {
      if (previous === undefined) delete process.env[ENV.listenFds];
      else process.env[ENV.listenFds] = previous;
      await restarter?.close();
      s.close();
      try {
        closeSync(fd);
      } catch {
        // Closed by the restarter (the fix).
      }
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
