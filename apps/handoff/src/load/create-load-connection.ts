import { HttpConnection } from './http-connection.js';
import type { LoadConnection, LoadTarget } from './load-connection.js';
import type { Protocol } from './protocol.js';
import { TcpConnection } from './tcp-connection.js';
import { WsConnection } from './ws-connection.js';

/** A client connection of `protocol` (not opened yet: `open()` does). */
export function createLoadConnection(protocol: Protocol, index: number, target: LoadTarget): LoadConnection {
  switch (protocol) {
    case 'http':
      return new HttpConnection(index, target);
    case 'ws':
      return new WsConnection(index, target);
    case 'tcp':
      return new TcpConnection(index, target);
  }
}
