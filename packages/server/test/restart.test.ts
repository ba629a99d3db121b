import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LineClient } from './support/line-client.js';
import { isAlive, ServerProcess, until, type FixtureEvent } from './support/server-process.js';

const ECHO = fileURLToPath(new URL('./fixtures/echo-server.ts', import.meta.url));

// systemd's notify socket, played by another process bound to a real AF_UNIX SOCK_DGRAM socket
// (python3, which the native build needs anyway): one line per datagram, hex.
const NOTIFY_RECEIVER = `
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
print('ready', flush=True)
while True:
    print(s.recv(65536).hex(), flush=True)
`;

describe('createRestarter', () => {
  let dir: string;
  const servers: ServerProcess[] = [];
  const clients: LineClient[] = [];

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'srv-restart-'));
  });

  afterEach(() => {
    for (const c of clients.splice(0)) c.close();
    for (const s of servers.splice(0)) s.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  function start(env: Record<string, string> = {}): ServerProcess {
    const server = new ServerProcess(ECHO, { RUNTIME_DIR: join(dir, 'run'), VERSION_FILE: join(dir, 'version'), ...env });
    servers.push(server);
    return server;
  }

  const isReady = (generation: number) => (e: FixtureEvent) => e.ev === 'ready' && e['generation'] === generation;
  const cleanups: (() => void)[] = [];
  afterEach(() => {
    for (const run of cleanups.splice(0)) run();
  });

  it('should move a TCP server and every live connection to its successor three times, each client on one connection throughout', async () => {
    writeFileSync(join(dir, 'version'), 'v1');
    const server = start({ PID_FILE: join(dir, 'server.pid') });
    const first = await server.waitFor('generation 1 ready', isReady(1));
    const port = first['port'] as number;
    for (let i = 0; i < 20; i++) clients.push(new LineClient(port));
    await until('every client answered', () => clients.every((c) => c.answered >= 3));

    const pids = [first.pid];
    for (let generation = 2; generation <= 4; generation++) {
      writeFileSync(join(dir, 'version'), `v${generation}`);
      const old = pids[pids.length - 1] as number;
      const from = server.events.length;
      process.kill(old, 'SIGHUP');
      const upgraded = await server.waitFor(`restart to generation ${generation}`, (e) => e.ev === 'upgraded' && e.pid === old, 30_000, from);
      const next = await server.waitFor(`generation ${generation} ready`, isReady(generation), 30_000, from);
      expect(upgraded['report']).toMatchObject({ successorPid: next.pid, moved: 20, refused: 0, unserved: 0, fallback: 0 });
      pids.push(next.pid);
      const tag = `${next.pid}/v${generation}`;
      await until(`every client answered by ${tag}`, () => clients.every((c) => c.tags.includes(tag)));
      await until(`pid ${old} exited`, () => !isAlive(old));
    }
    await Promise.all(clients.map((c) => c.stop()));
    for (const c of clients) {
      expect(c.errors).toEqual([]);
      expect(c.closed).toBe(false);
      expect(c.tags).toEqual(pids.map((pid, i) => `${pid}/v${i + 1}`));
    }
    // Each generation wrote the pid file when it was ready: it names the last one.
    expect(readFileSync(join(dir, 'server.pid'), 'utf8')).toBe(`${pids.at(-1)}\n`);
  });

  it("should tell systemd's notify socket each generation's pid and readiness", async () => {
    const notifySocket = join(dir, 'notify.sock');
    const receiver = spawn('python3', ['-c', NOTIFY_RECEIVER, notifySocket], { stdio: ['ignore', 'pipe', 'inherit'] });
    cleanups.push(() => receiver.kill('SIGKILL'));
    const datagrams: string[] = [];
    const lines = createInterface({ input: receiver.stdout });
    const bound = new Promise<void>((resolve) => lines.once('line', () => resolve()));
    await bound;
    lines.on('line', (line) => datagrams.push(Buffer.from(line, 'hex').toString()));

    writeFileSync(join(dir, 'version'), 'v1');
    const server = start({ NOTIFY_SOCKET: notifySocket });
    const first = await server.waitFor('generation 1 ready', isReady(1));
    await until('generation 1 said it is ready', () => datagrams.includes(`READY=1\nMAINPID=${first.pid}\n`));
    process.kill(first.pid, 'SIGHUP');
    const second = await server.waitFor('generation 2 ready', isReady(2));
    // The old main process names its successor (systemd's NotifyAccess=main accepts it from the main pid only).
    await until('generation 1 named generation 2 the main pid', () => datagrams.includes(`MAINPID=${second.pid}\n`));
    expect(datagrams).toContain(`READY=1\nMAINPID=${second.pid}\n`);
  });
});
