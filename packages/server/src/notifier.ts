/**
 * Telling a service manager which process serves and when: systemd's `sd_notify` (`MAINPID=`,
 * `READY=1`, `STOPPING=1`, `STATUS=`), or the lines a `sanshare-server supervise` parent reads from
 * an inherited descriptor. Both carry the same `KEY=value` lines.
 *
 * Node has no Unix datagram socket, which `NOTIFY_SOCKET` is: the systemd notifier sends with
 * `@sanshare/transport-uds`'s `sendDatagram` (one `sendto` through its addon).
 */
import { writeSync } from 'node:fs';
import { sendDatagram } from '@sanshare/transport-uds';
import { ENV } from './constants.js';
import { firstLine } from './errors.js';

/** One notification: `MAINPID`, `READY`, `STOPPING`, `STATUS`... as sd_notify(3) names them. */
export type NotifyState = Readonly<Record<string, string | number>>;

/** Something that tells a service manager about this server. */
export interface ReadinessNotifier {
  notify(state: NotifyState): void;
}

/** Sends one datagram to a Unix datagram socket path (an abstract one starts with `@`). */
export type DatagramSender = (path: string, bytes: Uint8Array) => void;

/** The `KEY=value\n` lines of `state`; throws on a newline inside a value (it would forge another key). */
export function formatNotifyState(state: NotifyState): string {
  let out = '';
  for (const [key, value] of Object.entries(state)) {
    const text = String(value);
    if (!/^[A-Z_]+$/.test(key) || text.includes('\n')) throw new TypeError(`notify: ${key}=${JSON.stringify(text)} is not a valid KEY=value line`);
    out += `${key}=${text}\n`;
  }
  return out;
}

/**
 * systemd's notifier for `NOTIFY_SOCKET` (or `undefined` when the variable is unset). A send that
 * fails (systemd gone, the socket not writable) is a warning, once: the server serves on.
 */
export function systemdNotifier(env: NodeJS.ProcessEnv = process.env, send: DatagramSender = sendDatagram): ReadinessNotifier | undefined {
  const path = env['NOTIFY_SOCKET'];
  if (path === undefined || path === '') return undefined;
  let warned = false;
  return {
    notify(state) {
      const text = formatNotifyState(state);
      try {
        send(path, Buffer.from(text));
      } catch (error) {
        if (warned) return;
        warned = true;
        process.emitWarning(`@sanshare/server: could not tell systemd ${text.trim().replace(/\n/g, ' ')} at NOTIFY_SOCKET=${path}: ${firstLine(error)}`, {
          code: 'SANSHARE_SERVER_NOTIFY',
        });
      }
    },
  };
}

/** The notifier of a `sanshare-server supervise` parent: lines on the descriptor it passed (or `undefined`). */
export function supervisorNotifier(env: NodeJS.ProcessEnv = process.env): ReadinessNotifier | undefined {
  const fd = Number(env[ENV.notifyFd] ?? 'NaN');
  if (!Number.isInteger(fd) || fd < 3) return undefined;
  return {
    notify(state) {
      try {
        writeSync(fd, formatNotifyState(state));
      } catch {
        // The supervisor is gone: nobody to tell.
      }
    },
  };
}

/** Every notifier that applies to this process (supervisor first, then systemd). */
export function defaultNotifiers(env: NodeJS.ProcessEnv = process.env): ReadinessNotifier[] {
  return [supervisorNotifier(env), systemdNotifier(env)].filter((n): n is ReadinessNotifier => n !== undefined);
}
