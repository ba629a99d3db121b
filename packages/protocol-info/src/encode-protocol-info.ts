import type { ProtocolInfo } from './protocol-info.js';
import { validateProtocolInfo } from './validate-protocol-info.js';
import { writeProtocolInfoMessage } from './write-protocol-info-message.js';

/**
 * Encodes `info` as a `sanshare.v1.ProtocolInfo` protobuf message (proto/sanshare/v1/protocol_info.proto),
 * export context included. The bytes are exactly those protobufjs's generated encoder (src/gen/) writes
 * for the same info; a hand-written encoder writes them, for speed (docs/decisions/0001-protobuf-codegen.md).
 *
 * The result is a `Buffer` (a `Uint8Array`) from Node's pool: honour its `byteOffset`, or `slice()` it,
 * before using `.buffer`.
 *
 * @throws WsaError `WSAEINVAL` when `info` breaks a rule of `validateProtocolInfo`.
 */
export function encodeProtocolInfo(info: ProtocolInfo): Uint8Array {
  validateProtocolInfo(info, 'encodeProtocolInfo');
  return writeProtocolInfoMessage(info);
}
