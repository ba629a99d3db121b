import { MAX_PROTOCOL_INFO_BYTES } from './constants.js';
import { WsaError } from './errors.js';
import type { ProtocolInfo } from './protocol-info.js';
import { readProtocolInfoMessage } from './read-protocol-info-message.js';
import { checkChain, checkByteOrder, checkExportContext, checkProviderId, checkSzProtocol } from './validate-protocol-info.js';

/**
 * Decodes a `sanshare.v1.ProtocolInfo` protobuf message (proto/sanshare/v1/protocol_info.proto) with a
 * strict single-pass decoder (wire types, varint ranges, UTF-8, no repeated singular field, at most
 * `MAX_PROTOCOL_INFO_BYTES`), then applies the rules of `validateProtocolInfo` that the wire checks do
 * not already guarantee (GUID text, enum values, chain shape, `szProtocol`, export context).
 *
 * @throws WsaError `WSAEINVAL` when `bytes` is not a `Uint8Array`, is too large, is truncated or
 * malformed, or carries a value the model cannot hold exactly; the message names the field.
 */
export function decodeProtocolInfo(bytes: Uint8Array): ProtocolInfo {
  if (!(bytes instanceof Uint8Array)) {
    throw new WsaError('WSAEINVAL', `decodeProtocolInfo: bytes must be a Uint8Array, got ${bytes === null ? 'null' : `a ${typeof bytes}`}`);
  }
  if (bytes.length > MAX_PROTOCOL_INFO_BYTES) {
    throw new WsaError('WSAEINVAL', `decodeProtocolInfo: message is ${bytes.length} bytes, at most ${MAX_PROTOCOL_INFO_BYTES} are accepted`);
  }
  const info = readProtocolInfoMessage(bytes);
  // The decoder already held every integer to its uint32/int32 range and every string to valid UTF-8
  // (so no unpaired surrogate); the remaining rules of validateProtocolInfo run here.
  const context = 'decodeProtocolInfo';
  checkByteOrder(info, context);
  checkProviderId(info.ProviderId, context);
  checkChain(info.ProtocolChain, context);
  checkSzProtocol(info.szProtocol, context);
  checkExportContext(info.exportContext, info.dwProviderReserved, context);
  return info;
}
