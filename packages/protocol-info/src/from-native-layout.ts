import { MAX_PROTOCOL_CHAIN, WSAPROTOCOL_INFOW_OFFSETS as OFF, WSAPROTOCOL_INFOW_SIZE, WSAPROTOCOL_LEN } from './constants.js';
import { WsaError } from './errors.js';
import { readGuid } from './guid.js';
import type { ProtocolInfo } from './protocol-info.js';
import { validateProtocolInfo } from './validate-protocol-info.js';

/**
 * Decodes a 628-byte little-endian Win32 `WSAPROTOCOL_INFOW`. `szProtocol` ends at its first NUL (the
 * bytes after it are ignored); trailing zero `ChainEntries` are padding and are dropped. The result has
 * no `handoff`: the native form carries only the export id, in `dwProviderReserved`.
 *
 * @throws WsaError `WSAEINVAL` when `bytes` is not a `Uint8Array` of exactly 628 bytes, `szProtocol` has
 * no NUL in its 256 code units, or a field breaks a rule of `validateProtocolInfo` (an unknown
 * `iAddressFamily`, a `ChainLen` over 7, an unpaired surrogate...); the message names the field.
 */
export function fromNativeLayout(bytes: Uint8Array): ProtocolInfo {
  if (!(bytes instanceof Uint8Array)) {
    throw new WsaError('WSAEINVAL', `fromNativeLayout: bytes must be a Uint8Array of ${WSAPROTOCOL_INFOW_SIZE} bytes, got a ${typeof bytes}`);
  }
  if (bytes.length !== WSAPROTOCOL_INFOW_SIZE) {
    throw new WsaError('WSAEINVAL', `fromNativeLayout: WSAPROTOCOL_INFOW is ${WSAPROTOCOL_INFOW_SIZE} bytes, got ${bytes.length}`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, WSAPROTOCOL_INFOW_SIZE);
  let entryCount = MAX_PROTOCOL_CHAIN;
  while (entryCount > 0 && view.getUint32(OFF.ChainEntries + 4 * (entryCount - 1), true) === 0) entryCount--;
  const chainEntries = new Array<number>(entryCount);
  for (let i = 0; i < entryCount; i++) chainEntries[i] = view.getUint32(OFF.ChainEntries + 4 * i, true);
  let units = 0;
  while (units <= WSAPROTOCOL_LEN && ((bytes[OFF.szProtocol + 2 * units] as number) | (bytes[OFF.szProtocol + 2 * units + 1] as number)) !== 0) {
    units++;
  }
  if (units > WSAPROTOCOL_LEN) {
    throw new WsaError('WSAEINVAL', `fromNativeLayout: szProtocol has no terminating NUL in its ${WSAPROTOCOL_LEN + 1} code units`);
  }
  let szProtocol = '';
  for (let i = 0, at = OFF.szProtocol; i < units; i++, at += 2) {
    szProtocol += String.fromCharCode((bytes[at] as number) | ((bytes[at + 1] as number) << 8));
  }
  const info: ProtocolInfo = {
    dwServiceFlags1: view.getUint32(OFF.dwServiceFlags1, true),
    dwServiceFlags2: view.getUint32(OFF.dwServiceFlags2, true),
    dwServiceFlags3: view.getUint32(OFF.dwServiceFlags3, true),
    dwServiceFlags4: view.getUint32(OFF.dwServiceFlags4, true),
    dwProviderFlags: view.getUint32(OFF.dwProviderFlags, true),
    ProviderId: readGuid(bytes, OFF.ProviderId),
    dwCatalogEntryId: view.getUint32(OFF.dwCatalogEntryId, true),
    ProtocolChain: { chainLen: view.getInt32(OFF.ChainLen, true), chainEntries },
    iVersion: view.getInt32(OFF.iVersion, true),
    iAddressFamily: view.getInt32(OFF.iAddressFamily, true),
    iMaxSockAddr: view.getInt32(OFF.iMaxSockAddr, true),
    iMinSockAddr: view.getInt32(OFF.iMinSockAddr, true),
    iSocketType: view.getInt32(OFF.iSocketType, true),
    iProtocol: view.getInt32(OFF.iProtocol, true),
    iProtocolMaxOffset: view.getInt32(OFF.iProtocolMaxOffset, true),
    iNetworkByteOrder: view.getInt32(OFF.iNetworkByteOrder, true),
    iSecurityScheme: view.getInt32(OFF.iSecurityScheme, true),
    dwMessageSize: view.getUint32(OFF.dwMessageSize, true),
    dwProviderReserved: view.getUint32(OFF.dwProviderReserved, true),
    szProtocol,
  };
  validateProtocolInfo(info, 'fromNativeLayout');
  return info;
}
