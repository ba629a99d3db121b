import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Switch } from '@sanshare/switch';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTcpAdapter } from './adapters/tcp-adapter.js';
import { moveConnections } from './move-connections.js';
import { createSocketMover } from './socket-mover.js';
import { startSwitch } from './start-switch.js';

describe('moveConnections', () => {
  let dir: string;
  let sw: Switch;
  let server: Server;
  const sockets: Socket[] = [];

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'srv-move-'));
    sw = await startSwitch(join(dir, 'run'));
    server = createServer();
  });

  afterEach(async () => {
    for (const s of sockets.splice(0)) s.destroy();
    server.close();
    await sw.WSACleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  it('should leave a connection whose state is over 64 KiB in service, say why it could not move, and give it the fallback at the deadline', async () => {
    const fellBack: Socket[] = [];
    // Every moment is a safe point, with a state too large to travel with the socket.
    const adapter = createTcpAdapter(server, {
      checkpoint: () => new Uint8Array(70_000),
      fallback: (socket) => {
        fellBack.push(socket);
        socket.end();
      },
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const client = connect((server.address() as AddressInfo).port, '127.0.0.1');
    sockets.push(client);
    await once(server, 'connection');

    const report = await moveConnections({
      servers: [{ name: 'echo', adapter }],
      mover: createSocketMover(sw),
      targetPid: process.pid,
      drainTimeoutMs: 300,
      fallbackAtDeadline: true,
      signal: new AbortController().signal,
    });

    expect(report).toMatchObject({ phase: 'moved', moved: 0, refused: 0, closed: 0, fallback: 1, socketsSent: 0, aborted: false });
    expect(report.unmovable).toHaveLength(1);
    expect(report.unmovable[0]).toMatch(/^echo: a tcp connection's state is \d+ bytes, over the 65024 that travel with a socket/);
    expect(fellBack).toHaveLength(1);
    await once(client, 'end');
  });
});
