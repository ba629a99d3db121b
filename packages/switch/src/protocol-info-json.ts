import { MAX_PROTOCOL_CHAIN, WSAPROTOCOL_LEN, validateProtocolInfo, type ProtocolInfo } from '@sanshare/protocol-info';

const UINT32_FIELDS = [
  'dwServiceFlags1',
  'dwServiceFlags2',
  'dwServiceFlags3',
  'dwServiceFlags4',
  'dwProviderFlags',
  'dwCatalogEntryId',
  'dwMessageSize',
  'dwProviderReserved',
] as const;
const INT32_FIELDS = [
  'iVersion',
  'iAddressFamily',
  'iMaxSockAddr',
  'iMinSockAddr',
  'iSocketType',
  'iProtocol',
  'iProtocolMaxOffset',
  'iNetworkByteOrder',
  'iSecurityScheme',
] as const;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const isUint32 = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= 0 && (v as number) <= 0xffffffff;
const isInt32 = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= -0x80000000 && (v as number) <= 0x7fffffff;

/**
 * Checks that `value` (parsed JSON or a caller's object) is a whole catalog protocol info and returns
 * a clean copy: every `WSAPROTOCOL_INFOW` field with its Win32 range, no hand-off context (a catalog
 * entry describes a protocol, not a shared socket). Returns the first problem as a string instead.
 */
export function toCatalogProtocolInfo(value: unknown): ProtocolInfo | string {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'protocolInfo is not an object';
  const v = value as Record<string, unknown>;
  for (const f of UINT32_FIELDS) if (!isUint32(v[f])) return `protocolInfo.${f} is not a uint32`;
  for (const f of INT32_FIELDS) if (!isInt32(v[f])) return `protocolInfo.${f} is not an int32`;
  if (typeof v['ProviderId'] !== 'string' || !GUID.test(v['ProviderId'])) return 'protocolInfo.ProviderId is not canonical lowercase GUID text';
  if (typeof v['szProtocol'] !== 'string' || v['szProtocol'].length > WSAPROTOCOL_LEN) {
    return `protocolInfo.szProtocol is not a string of at most ${WSAPROTOCOL_LEN} UTF-16 code units`;
  }
  const chain = v['ProtocolChain'];
  if (typeof chain !== 'object' || chain === null) return 'protocolInfo.ProtocolChain is not an object';
  const { chainLen, chainEntries } = chain as Record<string, unknown>;
  if (!isInt32(chainLen) || chainLen < 0 || chainLen > MAX_PROTOCOL_CHAIN) return 'protocolInfo.ProtocolChain.chainLen is out of range';
  if (!Array.isArray(chainEntries) || chainEntries.length > MAX_PROTOCOL_CHAIN || !chainEntries.every(isUint32)) {
    return `protocolInfo.ProtocolChain.chainEntries is not a list of at most ${MAX_PROTOCOL_CHAIN} uint32`;
  }
  const info: ProtocolInfo = {
    dwServiceFlags1: v['dwServiceFlags1'] as number,
    dwServiceFlags2: v['dwServiceFlags2'] as number,
    dwServiceFlags3: v['dwServiceFlags3'] as number,
    dwServiceFlags4: v['dwServiceFlags4'] as number,
    dwProviderFlags: v['dwProviderFlags'] as number,
    ProviderId: v['ProviderId'],
    dwCatalogEntryId: v['dwCatalogEntryId'] as number,
    ProtocolChain: { chainLen, chainEntries: [...(chainEntries as number[])] },
    iVersion: v['iVersion'] as number,
    iAddressFamily: v['iAddressFamily'] as number,
    iMaxSockAddr: v['iMaxSockAddr'] as number,
    iMinSockAddr: v['iMinSockAddr'] as number,
    iSocketType: v['iSocketType'] as number,
    iProtocol: v['iProtocol'] as number,
    iProtocolMaxOffset: v['iProtocolMaxOffset'] as number,
    iNetworkByteOrder: v['iNetworkByteOrder'] as number,
    iSecurityScheme: v['iSecurityScheme'] as number,
    dwMessageSize: v['dwMessageSize'] as number,
    dwProviderReserved: v['dwProviderReserved'] as number,
    szProtocol: v['szProtocol'],
  };
  try {
    // protocol-info's own rules too (known address families, no unpaired surrogates...), so that every
    // catalog entry can travel in both of its codecs.
    validateProtocolInfo(info, 'protocolInfo');
  } catch (error) {
    return (error as Error).message;
  }
  return info;
}
