/**
 * WSPSetSockOpt and WSPGetSockOpt: kernel options go to the kernel socket (so every duplicate in
 * every process sees them), emulated ones to the socket's shared options; before the kernel socket
 * exists (WSPSocket until WSPConnect or WSPListen) kernel options are validated and queued.
 * The option table is socket-options.ts.
 */
import { readFileSync } from 'node:fs';
import { WsaError, type SockOptValue, type Socket } from '@sanshare/protocol-info';
import { getLinger, getSockOptInt, setLinger, setSockOptInt } from '@sanshare/transport-uds';
import { buildProtocolInfo } from './build-protocol-info.js';
import type { ProviderState } from './provider-state.js';
import type { SocketEntry } from './socket-entry.js';
import { kernelDefault, lookupSocketOption, toBoolOption, toIntOption, toLingerOption, type SocketOption } from './socket-options.js';

/** The kernel descriptor for option calls, or undefined while the kernel socket does not exist yet. */
function optionFd(entry: SocketEntry): number | undefined {
  if (entry.state === 'stream' && entry.stream !== undefined) return entry.stream.fd;
  if (entry.state === 'listening' && entry.listening !== undefined) return entry.listening.fd;
  return undefined;
}

function setKernelOption(fd: number, option: SocketOption, value: SockOptValue): void {
  if (option.kind === 'kernel-bool') setSockOptInt(fd, option.level, option.optname, toBoolOption(option, value) ? 1 : 0);
  else if (option.kind === 'kernel-int') setSockOptInt(fd, option.level, option.optname, toIntOption(option, value));
  else if (option.kind === 'kernel-linger') {
    const linger = toLingerOption(option, value);
    setLinger(fd, linger.onoff, linger.linger);
  }
}

/** Applies the options set before the kernel socket `fd` existed (WSPConnect, WSPListen). */
export function applyQueuedOptions(entry: SocketEntry, fd: number): void {
  for (const { option, value } of entry.queued.values()) setKernelOption(fd, option, value);
  entry.queued.clear();
}

export function setSocketOption(state: ProviderState, s: Socket, level: number, optname: number, value: SockOptValue): void {
  const entry = state.sockets.require(s);
  const option = lookupSocketOption(level, optname);
  switch (option.kind) {
    case 'read-only':
      throw new WsaError('WSAEINVAL', `${option.name} is read-only`);
    case 'emulated': {
      const ms = toIntOption(option, value);
      if (option.name === 'SO_RCVTIMEO') entry.shared.options.rcvtimeoMs = ms;
      else entry.shared.options.sndtimeoMs = ms;
      return;
    }
    default: {
      const fd = optionFd(entry);
      if (fd === undefined) {
        // Validate now, apply when the kernel socket exists.
        if (option.kind === 'kernel-bool') toBoolOption(option, value);
        else if (option.kind === 'kernel-int') toIntOption(option, value);
        else toLingerOption(option, value);
        entry.queued.set(option.name, { option, value });
        return;
      }
      setKernelOption(fd, option, value);
    }
  }
}

export function getSocketOption(state: ProviderState, s: Socket, level: number, optname: number): SockOptValue {
  const entry = state.sockets.require(s);
  const option = lookupSocketOption(level, optname);
  switch (option.kind) {
    case 'read-only':
      return option.name === 'SO_TYPE' ? entry.type : buildProtocolInfo(state.catalog, entry.af, entry.type, entry.protocol);
    case 'emulated':
      return option.name === 'SO_RCVTIMEO' ? entry.shared.options.rcvtimeoMs : entry.shared.options.sndtimeoMs;
    default: {
      const fd = optionFd(entry);
      if (fd === undefined) {
        return entry.queued.get(option.name)?.value ?? kernelDefault(option, (path) => readFileSync(path, 'utf8'));
      }
      if (option.kind === 'kernel-bool') return getSockOptInt(fd, option.level, option.optname) !== 0;
      if (option.kind === 'kernel-int') return getSockOptInt(fd, option.level, option.optname);
      const linger = getLinger(fd);
      return { onoff: linger.onoff, linger: linger.linger };
    }
  }
}
