import { spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { connect, listen, SUN_PATH_MAX, type UdsConnection, type UdsListener } from '../src/index.js';
import { countFds, killAll, spawnFixture, tempDir } from './support/harness.js';

describe('listen', () => {
  let dir: string;
  let cleanup: () => void;
  const listeners: UdsListener[] = [];
  const connections: UdsConnection[] = [];

  beforeEach(() => {
    ({ dir, cleanup } = tempDir());
  });

  afterEach(async () => {
    await killAll();
    for (const c of connections.splice(0)) await c.close();
    for (const l of listeners.splice(0)) await l.close();
    cleanup();
  });

  async function open(path: string, options: Parameters<typeof listen>[1] = {}): Promise<UdsListener> {
    const l = await listen(path, options);
    listeners.push(l);
    return l;
  }

  it('should create the socket 0600 in a directory created 0700, and unlink it on close', async () => {
    const path = join(dir, 'run', 'deeper', 'l.sock');
    const l = await open(path);
    expect(statSync(join(dir, 'run')).mode & 0o777).toBe(0o700);
    expect(statSync(join(dir, 'run', 'deeper')).mode & 0o777).toBe(0o700);
    const st = statSync(path);
    expect(st.isSocket()).toBe(true);
    expect(st.mode & 0o777).toBe(0o600);
    expect(l.path).toBe(path);
    await l.close();
    await l.close();
    expect(existsSync(path)).toBe(false);
  });

  it('should refuse a path over the sun_path limit before any syscall, naming the limit', async () => {
    const path = join(dir, 'never-created', 'x'.repeat(SUN_PATH_MAX));
    await expect(listen(path)).rejects.toMatchObject({ code: 'UDS_PATH_TOO_LONG', message: expect.stringContaining('107') });
    await expect(connect(path)).rejects.toMatchObject({ code: 'UDS_PATH_TOO_LONG' });
    expect(existsSync(join(dir, 'never-created'))).toBe(false);
    await expect(listen('')).rejects.toMatchObject({ code: 'UDS_INVALID_ARGUMENT' });
    await expect(listen(`${dir}/a\0b`)).rejects.toMatchObject({ code: 'UDS_INVALID_ARGUMENT' });
  });

  it('should replace the stale socket file of a dead process', async () => {
    const path = join(dir, 'stale.sock');
    const child = spawnFixture('listen-and-wait.mjs', [path]);
    await child.line((v) => v.ready === true);
    child.process.kill('SIGKILL');
    await child.exited;
    expect(statSync(path).isSocket()).toBe(true);
    const l = await open(path);
    const c = await connect(path);
    connections.push(c);
    const s = await l.accept({ timeoutMs: 5000 });
    connections.push(s);
    expect(s.peer.pid).toBe(process.pid);
  });

  it('should never steal a live socket', async () => {
    const path = join(dir, 'live.sock');
    const child = spawnFixture('listen-and-wait.mjs', [path]);
    const { pid } = await child.line((v) => v.ready === true);
    await expect(listen(path)).rejects.toMatchObject({ code: 'UDS_ADDRESS_IN_USE', errno: 98 });
    // The owner still serves: a connection reaches it (its peer pid is the child's).
    const c = await connect(path);
    expect(c.peer.pid).toBe(pid);
    expect(await c.receive({ timeoutMs: 5000 })).toBeNull();
    await c.close();
  });

  it('should leave a file that is not a socket alone', async () => {
    const path = join(dir, 'plain-file');
    writeFileSync(path, 'keep me');
    await expect(listen(path)).rejects.toMatchObject({ code: 'UDS_ADDRESS_IN_USE', message: expect.stringContaining('not a socket') });
    expect(readFileSync(path, 'utf8')).toBe('keep me');
  });

  it('should report no listener for a missing path and for a stream socket', async () => {
    await expect(connect(join(dir, 'nobody.sock'))).rejects.toMatchObject({ code: 'UDS_NO_LISTENER' });
    const streamPath = join(dir, 'stream.sock');
    const server = createServer().listen(streamPath);
    await once(server, 'listening');
    await expect(connect(streamPath)).rejects.toMatchObject({ code: 'UDS_NO_LISTENER', message: expect.stringContaining('SOCK_SEQPACKET') });
    server.close();
  });

  it('should deliver each connection once: pending accept first, then events, then the queue', async () => {
    const path = join(dir, 'd.sock');
    const l = await open(path);
    const accepting = l.accept({ timeoutMs: 5000 });
    connections.push(await connect(path));
    const first = await accepting;
    connections.push(first);
    const viaEvent = once(l, 'connection') as Promise<[UdsConnection]>;
    connections.push(await connect(path));
    const [second] = await viaEvent;
    connections.push(second);
    expect(second).not.toBe(first);
    connections.push(await connect(path));
    const third = await l.accept({ timeoutMs: 5000 });
    connections.push(third);
    expect(third).not.toBe(second);
  });

  it('should wait while the backlog is full, time out, and connect once there is room', async () => {
    const path = join(dir, 'full.sock');
    const l = await open(path, { maxPendingConnections: 1 });
    const { loadBinding } = await import('../src/load-binding.js');
    const native = loadBinding();
    const raw: number[] = [];
    // Fill the kernel's backlog; give the listener a turn (it takes one connection, then stops
    // accepting: its pending queue holds 1), and fill the slot it freed.
    const fill = (): void => {
      for (;;) {
        try {
          raw.push(native.connect(path));
        } catch (error) {
          expect(error).toMatchObject({ errno: 11 });
          return;
        }
        if (raw.length > 10_000) throw new Error('the backlog never filled');
      }
    };
    fill();
    // Once a connect succeeds again, the listener has taken its one and stopped: the backlog is
    // full for good.
    const filled = raw.length;
    await vi.waitFor(
      () => {
        fill();
        expect(raw.length).toBeGreaterThan(filled);
      },
      { timeout: 10_000, interval: 5 },
    );
    await expect(connect(path, { timeoutMs: 30 })).rejects.toMatchObject({ code: 'UDS_TIMEOUT' });
    // Aborted while it retries: the signal's reason is the cause.
    const ac = new AbortController();
    const aborted = connect(path, { signal: ac.signal });
    ac.abort('changed my mind');
    await expect(aborted).rejects.toMatchObject({ code: 'UDS_ABORTED', cause: 'changed my mind' });
    const late = connect(path, { timeoutMs: 10_000 });
    for (let i = 0; i < 3; i++) connections.push(await l.accept({ timeoutMs: 5000 }));
    connections.push(await late);
    for (const fd of raw) native.closeFd(fd);
  });

  it('should survive running out of descriptors (EMFILE) and accept once some are free', async () => {
    const path = join(dir, 'emfile.sock');
    const child = spawnFixture('run-with-limit.mjs', ['64', 'emfile-listener.mjs', path]);
    await child.line((v) => v.ready === true);
    const c = await connect(path, { timeoutMs: 10_000 });
    connections.push(c);
    const failure = await child.line((v) => 'acceptError' in v);
    expect(failure).toEqual({ acceptError: 'UDS_SYSTEM', errno: 24 });
    await c.send(new TextEncoder().encode('ping'));
    expect(new TextDecoder().decode((await c.receive({ timeoutMs: 10_000 }))!.data)).toBe('ping');
    const done = await child.line((v) => v.accepted === true);
    expect(done).toMatchObject({ peerPid: process.pid, failures: true });
    expect((await child.exited).code).toBe(0);
  });

  it('should time out, abort and end accept cleanly', async () => {
    const l = await open(join(dir, 't.sock'));
    await expect(l.accept({ timeoutMs: 10 })).rejects.toMatchObject({ code: 'UDS_TIMEOUT' });
    await expect(l.accept({ signal: AbortSignal.abort() })).rejects.toMatchObject({ code: 'UDS_ABORTED' });
    const pending = l.accept();
    const iterated: UdsConnection[] = [];
    const loop = (async () => {
      for await (const c of l) iterated.push(c);
    })();
    await l.close();
    await expect(pending).rejects.toMatchObject({ code: 'UDS_CLOSED' });
    await loop;
    expect(iterated).toEqual([]);
    await expect(l.accept()).rejects.toMatchObject({ code: 'UDS_CLOSED' });
  });

  it('should close on abort, and close connections nobody accepted without leaking', async () => {
    const before = countFds();
    const ac = new AbortController();
    const path = join(dir, 'a.sock');
    const l = await listen(path, { signal: ac.signal });
    const c = await connect(path);
    // Wait until the listener has accepted the connection into its queue (nobody takes it): the
    // listening socket, ours and the accepted one are then open.
    await vi.waitFor(() => expect(countFds()).toBe(before + 3), { timeout: 10_000, interval: 5 });
    ac.abort();
    expect(l.closed).toBe(true);
    expect(existsSync(path)).toBe(false);
    expect(await c.receive({ timeoutMs: 5000 })).toBeNull();
    await c.close();
    expect(countFds()).toBe(before);
  });
});

describe('ref and unref', () => {
  it('should let a process exit with an unref()ed listener and connection, and keep it alive otherwise', () => {
    const { dir, cleanup } = tempDir();
    const entry = JSON.stringify(fileURLToPath(new URL('../dist/index.js', import.meta.url)));
    const script = (unref: boolean): string =>
      `const m = await import(${entry});
       const l = await m.listen(${JSON.stringify(join(dir, 'u.sock'))});
       const c = await m.connect(l.path);
       ${unref ? 'l.unref(); c.unref();' : 'setTimeout(() => { console.log("still alive"); process.exit(0); }, 300).unref();'}`;
    try {
      const exits = spawnSync(process.execPath, ['--input-type=module', '-e', script(true)], { encoding: 'utf8', timeout: 20_000 });
      expect(exits.status).toBe(0);
      expect(exits.stdout).toBe('');
      const stays = spawnSync(process.execPath, ['--input-type=module', '-e', script(false)], { encoding: 'utf8', timeout: 20_000 });
      expect(stays.stdout.trim()).toBe('still alive');
    } finally {
      cleanup();
    }
  });
});

describe('loadBinding', () => {
  const root = fileURLToPath(new URL('..', import.meta.url));

  it('should find the addon from both dist/index.js and dist/index.cjs', () => {
    mkdirSync(join(root, 'dist'), { recursive: true });
    const cjs = spawnSync(process.execPath, ['-e', `console.log(require(${JSON.stringify(join(root, 'dist/index.cjs'))}).seqpacketPair().length)`], { encoding: 'utf8' });
    expect(cjs.stderr).toBe('');
    expect(cjs.stdout.trim()).toBe('2');
    const esm = spawnSync(
      process.execPath,
      ['--input-type=module', '-e', `const m = await import(${JSON.stringify(join(root, 'dist/index.js'))}); console.log(m.seqpacketPair().length)`],
      { encoding: 'utf8' },
    );
    expect(esm.stderr).toBe('');
    expect(esm.stdout.trim()).toBe('2');
  });
});
