import { spawn } from 'node:child_process';
import { chmodSync, existsSync, lstatSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ProtocolInfo } from '@sanshare/protocol-info';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WSPStartup } from '../src/index.js';
import { startAgent } from './helpers/agent-runner.js';
import { testCatalogEntry } from './helpers/catalog.js';
import { useRuntimeDir } from './helpers/runtime-dir-and-peer.js';
import { createTestUpcalls } from './helpers/test-upcalls.js';

const CHILD = fileURLToPath(new URL('./helpers/startup-child.ts', import.meta.url));
const PACKAGE_DIR = fileURLToPath(new URL('..', import.meta.url));

interface StartupOutcome {
  ok: boolean;
  code?: string;
  message?: string;
}

/** Runs WSPStartup in a process of its own (as `uid`, if given, with `env`) and returns how it went; the process is gone when this resolves. */
async function startupIn(args: { uid?: number; options?: Record<string, unknown> }, env: NodeJS.ProcessEnv = process.env): Promise<StartupOutcome> {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, JSON.stringify(args)], { cwd: PACKAGE_DIR, env, stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  try {
    await new Promise((resolve) => child.once('exit', resolve));
  } finally {
    clearTimeout(timer);
  }
  return JSON.parse(out.trim().split('\n').pop() ?? '{}') as StartupOutcome;
}

/** An old modification time, as a file left by a process killed long ago has. */
function age(path: string): void {
  const long = new Date(Date.now() - 60_000);
  utimesSync(path, long, long);
}

describe("a provider's endpoint at startup", () => {
  const fx = useRuntimeDir();

  it("should remove a SIGKILLed provider's endpoint at the next provider's start, and leave a live one's", async () => {
    const [dead, live] = await Promise.all([startAgent({ runtimeDir: fx.dir }), startAgent({ runtimeDir: fx.dir })]);
    const deadPath = join(fx.dir, `${dead.pid}.sock`);
    const livePath = join(fx.dir, `${live.pid}.sock`);
    dead.child.kill('SIGKILL');
    await dead.exited;
    expect(lstatSync(deadPath).isSocket()).toBe(true);
    age(deadPath);
    age(livePath);
    const next = await startAgent({ runtimeDir: fx.dir });
    expect(existsSync(deadPath)).toBe(false);
    expect(lstatSync(livePath).isSocket()).toBe(true);
    // The live one still works: the next provider hands it a socket.
    const peer = await fx.startPeer('echo');
    const s = await next.call<number>('connect', { address: '127.0.0.1', port: peer.port });
    await live.call('import', { info: await next.call<ProtocolInfo>('duplicate', { s, pid: live.pid }) });
  });

  it('should never remove a regular file, even one named like an endpoint', async () => {
    const impostor = join(fx.dir, '999999.sock');
    writeFileSync(impostor, 'not a socket');
    age(impostor);
    await startAgent({ runtimeDir: fx.dir });
    expect(lstatSync(impostor).isFile()).toBe(true);
  });

  it('should fail with a clear first line when a regular file sits at its own endpoint path, and leave it', async () => {
    const own = join(fx.dir, `${process.pid}.sock`);
    writeFileSync(own, 'mine');
    const failure = await WSPStartup(0x0202, testCatalogEntry(), createTestUpcalls(), { runtimeDir: fx.dir }).then(
      () => undefined,
      (error: unknown) => error as { code: string; message: string },
    );
    expect(failure?.code).toBe('WSAEADDRINUSE');
    expect(failure?.message.split('\n')[0]).toBe(
      `WSAEADDRINUSE: WSPStartup: cannot listen on ${own}: a file that is not a socket is there (it is never removed); remove it yourself, or set the runtimeDir option to another directory`,
    );
    expect(lstatSync(own).isFile()).toBe(true);
  });
});

describe('the default runtime directory, taken over or unwritable', () => {
  let base: string;
  beforeEach(() => {
    base = mkdtempSync(join(tmpdir(), 'sanshare-provider-tmp-'));
  });
  afterEach(() => rmSync(base, { recursive: true, force: true }));

  /** The environment of a process whose os.tmpdir() is `dir` and which has no XDG_RUNTIME_DIR. */
  function withTmpdir(dir: string): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = { ...process.env, TMPDIR: dir };
    delete env['XDG_RUNTIME_DIR'];
    return env;
  }

  it('should refuse a symbolic link planted at <tmpdir>/sanshare-<uid>, naming it and the fix', async () => {
    const uid = process.getuid?.() ?? 0;
    const chosen = join(base, 'chosen-by-someone-else');
    mkdirSync(chosen, { mode: 0o700 });
    const planted = join(base, `sanshare-${uid}`);
    symlinkSync(chosen, planted);
    const outcome = await startupIn({}, withTmpdir(base));
    expect(outcome).toMatchObject({ ok: false, code: 'WSAEACCES' });
    expect(outcome.message?.split('\n')[0]).toMatch(new RegExp(`^WSAEACCES: WSPStartup: the runtime directory ${planted} is a symbolic link .*; remove it, or set XDG_RUNTIME_DIR or the runtimeDir option`));
    expect(existsSync(join(chosen, `${process.pid}.sock`))).toBe(false);
  });

  it('should refuse <tmpdir>/sanshare-<uid> with mode 0777, and create it 0700 when missing', async () => {
    const uid = process.getuid?.() ?? 0;
    const open = join(base, `sanshare-${uid}`);
    mkdirSync(open);
    chmodSync(open, 0o777);
    const refused = await startupIn({}, withTmpdir(base));
    expect(refused).toMatchObject({ ok: false, code: 'WSAEACCES' });
    expect(refused.message).toContain(`the runtime directory ${open} has mode 0777, not 0700`);
    rmSync(open, { recursive: true });
    expect(await startupIn({}, withTmpdir(base))).toEqual({ ok: true });
    expect(lstatSync(open).mode & 0o777).toBe(0o700);
  });

  it('should say what failed, why and what to do when an ordinary user cannot create it (as root: uid 65534; skipped otherwise)', async (context) => {
    if (process.getuid?.() !== 0) {
      console.log('skipped: dropping to another user (uid 65534) needs root');
      context.skip();
    }
    // Root's directory, readable by all, writable by root only.
    chmodSync(base, 0o755);
    const outcome = await startupIn({ uid: 65534 }, withTmpdir(base));
    const dir = join(base, 'sanshare-65534');
    expect(outcome).toMatchObject({ ok: false, code: 'WSAEACCES' });
    expect(outcome.message?.split('\n')[0]).toBe(
      `WSAEACCES: WSPStartup: cannot create the runtime directory ${dir}: permission denied (EACCES); make ${base} writable, or set XDG_RUNTIME_DIR or the runtimeDir option to a directory of your own`,
    );
    const explicit = await startupIn({ uid: 65534, options: { runtimeDir: join(base, 'given') } });
    expect(explicit.message?.split('\n')[0]).toContain(`cannot create the runtime directory ${join(base, 'given')}: permission denied (EACCES); make ${base} writable`);
  });
});
