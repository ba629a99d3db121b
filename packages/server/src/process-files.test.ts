import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ENV } from './constants.js';
import { checkListenerName, inheritance, readInheritedListeners } from './inherited-listeners.js';
import { formatNotifyState, systemdNotifier } from './notifier.js';
import { removePidFile, writePidFile } from './pid-file.js';

describe('pid file', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'srv-pid-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('should be replaced whole, and removed only by the pid it names', () => {
    const file = join(dir, 'server.pid');
    writePidFile(file, 111);
    writePidFile(file, 222);
    expect(readFileSync(file, 'utf8')).toBe('222\n');
    removePidFile(file, 111);
    expect(existsSync(file)).toBe(true);
    removePidFile(file, 222);
    expect(existsSync(file)).toBe(false);
  });

  it('should say what to check when it cannot be written', () => {
    expect(() => writePidFile(join(dir, 'missing', 'server.pid'))).toThrow(/^cannot write the pid file .*; check that its directory exists and is writable$/);
  });
});

describe('notifiers', () => {
  it('should format sd_notify lines and refuse a value that would forge another', () => {
    expect(formatNotifyState({ MAINPID: 42, READY: 1 })).toBe('MAINPID=42\nREADY=1\n');
    expect(() => formatNotifyState({ STATUS: 'ok\nREADY=1' })).toThrow(/not a valid KEY=value line/);
  });

  it('should send through the datagram sender it is given, to NOTIFY_SOCKET', () => {
    const sent: [string, string][] = [];
    const notifier = systemdNotifier({ NOTIFY_SOCKET: '@/run/notify' }, (path, bytes) => sent.push([path, Buffer.from(bytes).toString()]));
    notifier?.notify({ READY: 1 });
    expect(sent).toEqual([['@/run/notify', 'READY=1\n']]);
    expect(systemdNotifier({})).toBeUndefined();
  });
});

describe('inherited listeners', () => {
  it('should pass listeners by name from descriptor 3 on, and read them back', () => {
    const passed = inheritance(new Map([['http', 17], ['admin', 21]]), 3);
    expect(passed).toEqual({ stdio: [17, 21], env: 'http=3,admin=4' });
    expect(readInheritedListeners({ [ENV.listenFds]: passed.env })).toEqual(new Map([['http', 3], ['admin', 4]]));
  });

  it("should read systemd's socket activation when LISTEN_PID is this process", () => {
    const env = { LISTEN_PID: String(process.pid), LISTEN_FDS: '2', LISTEN_FDNAMES: 'web:bad name' };
    expect(readInheritedListeners(env)).toEqual(new Map([['web', 3], ['fd4', 4]]));
    expect(readInheritedListeners({ ...env, LISTEN_PID: '1' })).toEqual(new Map());
  });

  it('should refuse a malformed variable and a bad name, saying what is expected', () => {
    expect(() => readInheritedListeners({ [ENV.listenFds]: 'http=2' })).toThrow(/holds 'http=2', not name=fd \(fd >= 3\)/);
    expect(() => checkListenerName('a,b')).toThrow(/^listener name "a,b" is not valid: use 1 to 64 letters, digits/);
  });
});
