/**
 * Winsock socket options (spi.ts numbering) and how this provider serves each: on the kernel socket
 * with getsockopt/setsockopt (shared by every duplicate, in every process, by the kernel itself),
 * emulated (kept by the provider and carried in each hand-off), or read-only.
 */
import { SO, SOL_SOCKET, TCP_NODELAY, WsaError, type Linger, type SockOptValue } from '@sanshare/protocol-info';
import { LINUX } from './constants.js';

/** `IPPROTO_TCP`, the level of `TCP_NODELAY` (the same number on Windows and Linux). */
const IPPROTO_TCP = 6;

export type SocketOption =
  | { kind: 'kernel-bool'; name: string; level: number; optname: number }
  | { kind: 'kernel-int'; name: string; level: number; optname: number }
  | { kind: 'kernel-linger'; name: string }
  | { kind: 'emulated'; name: 'SO_RCVTIMEO' | 'SO_SNDTIMEO' }
  | { kind: 'read-only'; name: 'SO_TYPE' | 'SO_PROTOCOL_INFOW' };

/**
 * The option `level`/`optname` names; `WSAEINVAL` for one this provider does not know (Winsock says
 * WSAENOPROTOOPT, which protocol-info's table does not have; WSAEINVAL is its documented sibling).
 */
export function lookupSocketOption(level: number, optname: number): SocketOption {
  if (level === SOL_SOCKET) {
    switch (optname) {
      case SO.KEEPALIVE: return { kind: 'kernel-bool', name: 'SO_KEEPALIVE', level: LINUX.SOL_SOCKET, optname: LINUX.SO_KEEPALIVE };
      case SO.SNDBUF: return { kind: 'kernel-int', name: 'SO_SNDBUF', level: LINUX.SOL_SOCKET, optname: LINUX.SO_SNDBUF };
      case SO.RCVBUF: return { kind: 'kernel-int', name: 'SO_RCVBUF', level: LINUX.SOL_SOCKET, optname: LINUX.SO_RCVBUF };
      case SO.LINGER: return { kind: 'kernel-linger', name: 'SO_LINGER' };
      case SO.RCVTIMEO: return { kind: 'emulated', name: 'SO_RCVTIMEO' };
      case SO.SNDTIMEO: return { kind: 'emulated', name: 'SO_SNDTIMEO' };
      case SO.TYPE: return { kind: 'read-only', name: 'SO_TYPE' };
      case SO.PROTOCOL_INFOW: return { kind: 'read-only', name: 'SO_PROTOCOL_INFOW' };
      default: break;
    }
  } else if (level === IPPROTO_TCP && optname === TCP_NODELAY) {
    return { kind: 'kernel-bool', name: 'TCP_NODELAY', level: LINUX.IPPROTO_TCP, optname: LINUX.TCP_NODELAY };
  }
  throw new WsaError('WSAEINVAL', `unsupported socket option: level 0x${level.toString(16)}, option 0x${optname.toString(16)}`);
}

const bad = (option: SocketOption, expected: string): WsaError =>
  new WsaError('WSAEINVAL', `${option.name} takes ${expected}`);

/** The integer to hand to setsockopt for a boolean option (a number is truthy as in C). */
export function toBoolOption(option: SocketOption, value: SockOptValue): boolean {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'number' && Number.isInteger(value)) return value !== 0;
  throw bad(option, 'a boolean or an integer');
}

/** A non-negative 32-bit integer value (buffer sizes, timeouts in ms). */
export function toIntOption(option: SocketOption, value: SockOptValue): number {
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 0x7fffffff) return value;
  throw bad(option, 'an integer from 0 to 2147483647');
}

/** A `struct linger`: `onoff` boolean, `linger` seconds 0..65535 (a `u_short` in Winsock). */
export function toLingerOption(option: SocketOption, value: SockOptValue): Linger {
  if (typeof value === 'object' && value !== null && 'onoff' in value && 'linger' in value) {
    const { onoff, linger } = value as { onoff: unknown; linger: unknown };
    if (typeof onoff === 'boolean' && typeof linger === 'number' && Number.isInteger(linger) && linger >= 0 && linger <= 0xffff) {
      return { onoff, linger };
    }
  }
  throw bad(option, '{ onoff: boolean, linger: 0..65535 }');
}

/**
 * What a kernel option reads as before the kernel socket exists (WSPSocket defers it until
 * WSPConnect or WSPListen): Linux's defaults for a new TCP socket (`tcp_wmem`/`tcp_rmem` middle values).
 */
export function kernelDefault(option: SocketOption, readProc: (path: string) => string): SockOptValue {
  if (option.kind === 'kernel-bool') return false;
  if (option.kind === 'kernel-linger') return { onoff: false, linger: 0 };
  if (option.kind === 'kernel-int') {
    const file = option.name === 'SO_SNDBUF' ? '/proc/sys/net/ipv4/tcp_wmem' : '/proc/sys/net/ipv4/tcp_rmem';
    try {
      const middle = Number(readProc(file).trim().split(/\s+/)[1]);
      if (Number.isInteger(middle) && middle > 0) return middle;
    } catch {
      // Fall through: no procfs (a container without it); report the usual default.
    }
    return option.name === 'SO_SNDBUF' ? 16_384 : 131_072;
  }
  return 0;
}
