/**
 * `restarter.listen` in a first generation (no predecessor), in this process: one listener per
 * name, refused at once for a second `listen` of a name, even while the first is under way.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
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
});
