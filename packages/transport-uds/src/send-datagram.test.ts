import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { isUdsError } from './errors.js';
import { sendDatagram } from './send-datagram.js';

// The receiver is another process bound to a real AF_UNIX SOCK_DGRAM socket (python3, which the build
// needs anyway for node-gyp): what systemd's notify socket is.
const RECEIVER = `
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
addr = sys.argv[1]
s.bind('\\0' + addr[1:] if addr.startswith('@') else addr)
print('ready', flush=True)
data = s.recv(65536)
print(data.hex(), flush=True)
`;

// A receiver that binds and never reads (a service manager that is wedged, or never reads its socket).
const DEAF_RECEIVER = `
import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
print('ready', flush=True)
time.sleep(600)
`;

const FLOOD = fileURLToPath(new URL('../test/fixtures/datagram-flood.mjs', import.meta.url));

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const run of cleanups.splice(0)) run();
});

async function receiveOne(address: string, send: () => void): Promise<string> {
  const child = spawn('python3', ['-c', RECEIVER, address], { stdio: ['ignore', 'pipe', 'inherit'] });
  cleanups.push(() => child.kill('SIGKILL'));
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  expect((await lines.next()).value).toBe('ready');
  send();
  return Buffer.from((await lines.next()).value as string, 'hex').toString();
}

describe('sendDatagram', () => {
  it('should deliver one datagram to a bound path and to an abstract address, as sd_notify does', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'uds-dgram-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const path = join(dir, 'notify.sock');
    const message = `READY=1\nMAINPID=${process.pid}`;
    expect(await receiveOne(path, () => expect(sendDatagram(path, Buffer.from(message))).toBe(message.length))).toBe(message);
    const abstract = `@sanshare-test-${process.pid}-${Date.now()}`;
    expect(await receiveOne(abstract, () => sendDatagram(abstract, Buffer.from('STOPPING=1')))).toBe('STOPPING=1');
  });

  it('should say nothing listens there when the path does not exist, and refuse bad arguments', () => {
    try {
      sendDatagram(join(tmpdir(), `no-such-${process.pid}.sock`), Buffer.from('x'));
      expect.unreachable();
    } catch (error) {
      expect(isUdsError(error, 'UDS_NO_LISTENER')).toBe(true);
    }
    expect(() => sendDatagram('', Buffer.from('x'))).toThrow(expect.objectContaining({ code: 'UDS_INVALID_ARGUMENT' }));
  });

  it('should fail, not block the process, when the receiver does not read and its queue is full', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'uds-dgram-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const path = join(dir, 'notify.sock');
    const receiver = spawn('python3', ['-c', DEAF_RECEIVER, path], { stdio: ['ignore', 'pipe', 'inherit'] });
    cleanups.push(() => receiver.kill('SIGKILL'));
    const ready = createInterface({ input: receiver.stdout })[Symbol.asyncIterator]();
    expect((await ready.next()).value).toBe('ready');
    // In a process of its own: a send that blocked would block this test's event loop too.
    const sender = spawn(process.execPath, [FLOOD, path], { stdio: ['ignore', 'pipe', 'inherit'] });
    cleanups.push(() => sender.kill('SIGKILL'));
    const report = JSON.parse((await createInterface({ input: sender.stdout })[Symbol.asyncIterator]().next()).value as string) as {
      sent: number;
      failure?: { code: string; errno: number; message: string };
    };
    expect(report.sent).toBeGreaterThan(0);
    expect(report.failure).toMatchObject({ code: 'UDS_SYSTEM', errno: 11 });
    expect(report.failure?.message).toMatch(/not reading/);
  });
});
