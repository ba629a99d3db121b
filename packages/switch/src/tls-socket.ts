import type { Socket as NetSocket } from 'node:net';
import { WsaError } from '@sanshare/protocol-info';

/**
 * Throws `WsaError` `WSAEINVAL` (naming `call`) for a TLS socket (`tls.TLSSocket`, whose `encrypted`
 * is true): its descriptor carries TLS records that only its TLS layer, in this process, can read and
 * write. A provider given that descriptor would send and receive them as plain bytes, and the
 * decrypted bytes Node read ahead would arrive where ciphertext is expected: refused, untouched.
 */
export function refuseTlsSocket(socket: NetSocket, call: string): void {
  if ((socket as NetSocket & { encrypted?: unknown }).encrypted === true) {
    throw new WsaError('WSAEINVAL', `${call}: the net.Socket is a TLS socket (tls.TLSSocket): its descriptor carries TLS records that only its TLS layer in this process can read and write; move the connection before TLS starts, or end it`);
  }
}
