/**
 * WSPSend, WSPRecv and WSPShutdown on a connected socket. Each waits for the descriptor's
 * duplications to finish first (they stop and flush the stream), and a descriptor that was handed
 * off but is used again (the switch's access control allowed it: docs/decisions/0003, item 3)
 * reads and writes again.
 */
import { SD, WsaError, type RecvOptions, type Socket } from '@sanshare/protocol-info';
import { dupFd } from '@sanshare/transport-uds';
import { DEFAULT_RECV_BYTES } from './constants.js';
import { pick } from './errors.js';
import type { ProviderState } from './provider-state.js';
import type { ConnectedEntry } from './socket-entry.js';
import { wrapDescriptor } from './wrap-descriptor.js';

/** A handed-off descriptor used again for I/O reads and writes again. */
function resumeIfHandedOff(entry: ConnectedEntry): void {
  if (entry.stream.stopped) entry.stream.resume((fd) => wrapDescriptor(dupFd(fd)));
}

export async function sendOnSocket(state: ProviderState, s: Socket, data: Uint8Array): Promise<number> {
  if (!(data instanceof Uint8Array)) throw new WsaError(pick(['WSAEFAULT'], 'WSAEINVAL'), 'data must be a Uint8Array');
  const entry = state.sockets.connected(s);
  await entry.duplications;
  resumeIfHandedOff(entry);
  return entry.stream.send(data, entry.shared.options.sndtimeoMs);
}

export async function recvFromSocket(state: ProviderState, s: Socket, options: RecvOptions = {}): Promise<Uint8Array> {
  const maxBytes = options.maxBytes ?? DEFAULT_RECV_BYTES;
  if (!Number.isInteger(maxBytes) || maxBytes < 1) throw new WsaError('WSAEINVAL', 'maxBytes must be a positive integer');
  const entry = state.sockets.connected(s);
  await entry.duplications;
  resumeIfHandedOff(entry);
  return entry.stream.recv(maxBytes, { signal: options.signal, timeoutMs: entry.shared.options.rcvtimeoMs });
}

export async function shutdownSocket(state: ProviderState, s: Socket, how: number): Promise<void> {
  state.sockets.require(s);
  if (how !== SD.RECEIVE && how !== SD.SEND && how !== SD.BOTH) throw new WsaError('WSAEINVAL', `invalid how ${how}`);
  const { stream } = state.sockets.connected(s);
  if (how !== SD.SEND) stream.shutdownReceive();
  if (how !== SD.RECEIVE) await stream.shutdownSend();
}
