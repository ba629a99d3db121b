/**
 * `upgrade()` when the successor cannot even be spawned because Node refuses the command at once
 * (`spawn` throws: an empty command, a NUL byte in an argument or in the environment): a typed
 * rejection, and the process is not left "upgrading" for ever.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createRestarter, isServerError, type Restarter, type SuccessorCommand } from '../src/index.js';

describe('restarter.upgrade() with a successor command Node refuses', () => {
  let dir: string;
  let restarter: Restarter | undefined;
  let server: Server | undefined;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'srv-spawnrefused-'));
  });

  afterEach(async () => {
    await restarter?.close();
    restarter = undefined;
    server?.close();
    server = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  it.each<[string, SuccessorCommand]>([
    ['an empty command', { command: '', args: [] }],
    ['a NUL byte in an argument', { command: process.execPath, args: ['app\0.js'] }],
  ])('should reject with ERR_SUCCESSOR_FAILED for %s, each time, and serve on', async (_what, successor) => {
    restarter = await createRestarter({ runtimeDir: join(dir, 'run'), progressLine: false, successor });
    server = createServer((socket) => socket.end());
    await restarter.listen('web', server, { port: 0, host: '127.0.0.1' });
    await restarter.ready();
    for (let attempt = 0; attempt < 2; attempt++) {
      const error: unknown = await restarter.upgrade().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(isServerError(error, 'ERR_SUCCESSOR_FAILED'), `attempt ${attempt + 1}: ${String(error)}`).toBe(true);
      expect((error as Error).message).toMatch(/^the restart failed: the successor could not be started: /);
    }
    expect(server.listening).toBe(true);
  });
});
