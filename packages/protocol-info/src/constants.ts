/**
 * Winsock constants, with the values of the Windows SDK headers as mingw-w64 ships them
 * (mingw-w64-headers/include: winsock2.h, ws2spi.h, psdk_inc/_wsa_errnos.h, psdk_inc/_socket_types.h).
 */

/** Size in bytes of the Win32 `WSAPROTOCOL_INFOW` structure (gcc offsetof; no pointers, so Win32 = Win64). */
export const WSAPROTOCOL_INFOW_SIZE = 628;
/** `MAX_PROTOCOL_CHAIN`: a `WSAPROTOCOLCHAIN` holds at most this many catalog entry ids. */
export const MAX_PROTOCOL_CHAIN = 7;
/** `WSAPROTOCOL_LEN`: `szProtocol` holds at most this many UTF-16 code units before its terminating NUL. */
export const WSAPROTOCOL_LEN = 255;
/** `ChainLen` of a base protocol. */
export const BASE_PROTOCOL = 1;
/** `ChainLen` of a layered protocol. */
export const LAYERED_PROTOCOL = 0;
/** `FROM_PROTOCOL_INFO` (-1): WSPSocket takes af/type/protocol from the protocol info it is given. */
export const FROM_PROTOCOL_INFO = -1;
/** `SOCKET_ERROR`: the return value of a failed Winsock call. */
export const SOCKET_ERROR = -1;

/** `XP1_*`: `dwServiceFlags1` bits. */
export const XP1 = {
  CONNECTIONLESS: 0x1,
  GUARANTEED_DELIVERY: 0x2,
  GUARANTEED_ORDER: 0x4,
  MESSAGE_ORIENTED: 0x8,
  PSEUDO_STREAM: 0x10,
  GRACEFUL_CLOSE: 0x20,
  EXPEDITED_DATA: 0x40,
  CONNECT_DATA: 0x80,
  DISCONNECT_DATA: 0x100,
  SUPPORT_BROADCAST: 0x200,
  SUPPORT_MULTIPOINT: 0x400,
  MULTIPOINT_CONTROL_PLANE: 0x800,
  MULTIPOINT_DATA_PLANE: 0x1000,
  QOS_SUPPORTED: 0x2000,
  INTERRUPT: 0x4000,
  UNI_SEND: 0x8000,
  UNI_RECV: 0x10000,
  IFS_HANDLES: 0x20000,
  PARTIAL_MESSAGE: 0x40000,
  SAN_SUPPORT_SDP: 0x80000,
} as const;

/** `PFL_*`: `dwProviderFlags` bits. */
export const PFL = {
  MULTIPLE_PROTO_ENTRIES: 0x1,
  RECOMMENDED_PROTO_ENTRY: 0x2,
  HIDDEN: 0x4,
  MATCHES_PROTOCOL_ZERO: 0x8,
  NETWORKDIRECT_PROVIDER: 0x10,
} as const;

/** `WSA_FLAG_*`: the `dwFlags` of WSASocket/WSPSocket. */
export const WSA_FLAG = {
  OVERLAPPED: 0x1,
  MULTIPOINT_C_ROOT: 0x2,
  MULTIPOINT_C_LEAF: 0x4,
  MULTIPOINT_D_ROOT: 0x8,
  MULTIPOINT_D_LEAF: 0x10,
  ACCESS_SYSTEM_SECURITY: 0x40,
  NO_HANDLE_INHERIT: 0x80,
  REGISTERED_IO: 0x100,
} as const;

/** Winsock error codes (`WSAE*`), by name. */
export const WSA_ERRORS = {
  WSAEACCES: 10013,
  WSAEFAULT: 10014,
  WSAEINVAL: 10022,
  WSAEMFILE: 10024,
  WSAEWOULDBLOCK: 10035,
  WSAEINPROGRESS: 10036,
  WSAENOTSOCK: 10038,
  WSAEMSGSIZE: 10040,
  /** A protocol that is not of the requested socket type (`IPPROTO_UDP` with `SOCK_STREAM`, say). */
  WSAEPROTOTYPE: 10041,
  /** A protocol the provider does not implement. */
  WSAEPROTONOSUPPORT: 10043,
  /** A socket type the provider does not implement. */
  WSAESOCKTNOSUPPORT: 10044,
  /** An address family the provider does not implement (or an address of another family). */
  WSAEAFNOSUPPORT: 10047,
  WSAEADDRINUSE: 10048,
  WSAENETDOWN: 10050,
  WSAECONNABORTED: 10053,
  WSAECONNRESET: 10054,
  WSAENOBUFS: 10055,
  WSAENOTCONN: 10057,
  WSAESHUTDOWN: 10058,
  WSAETIMEDOUT: 10060,
  /**
   * A service provider broke the SPI contract (winerror.h: "the requested service provider is
   * invalid"): a switch gets it when a provider returns a descriptor from WSPSocket or WSPAccept
   * without having created the switch's descriptor for it with WPUCreateSocketHandle.
   */
  WSAEINVALIDPROVIDER: 10105,
} as const;

/** A Winsock error name, such as `'WSAEINVAL'`. */
export type WsaErrorCode = keyof typeof WSA_ERRORS;

/**
 * Address families as Winsock numbers them (winsock2.h; `AF_INET6` is 23 on Windows, 10 on Linux).
 * Those a Windows catalog holds besides IP: IPX/SPX (`AF_IPX` 6), infrared (`AF_IRDA` 26), Bluetooth
 * (`AF_BTH` 32), Hyper-V sockets (`AF_HYPERV` 34). A protocol info may hold any int32 here; a provider
 * refuses the ones it does not implement (`WSAEAFNOSUPPORT`).
 */
export const AF = { UNSPEC: 0, INET: 2, IPX: 6, INET6: 23, IRDA: 26, BTH: 32, HYPERV: 34 } as const;
/** Socket types (`SOCK_STREAM` 1 .. `SOCK_SEQPACKET` 5); any int32 is carried, providers refuse what they lack. */
export const SOCK = { STREAM: 1, DGRAM: 2, RAW: 3, RDM: 4, SEQPACKET: 5 } as const;
/** The IPX/SPX protocols of the `AF_IPX` catalog entries (wsnwlink.h): `NSPROTO_IPX` 1000, `NSPROTO_SPX` 1256, `NSPROTO_SPXII` 1257. */
export const NSPROTO = { IPX: 1000, SPX: 1256, SPXII: 1257 } as const;
/** IP protocols (`IPPROTO_TCP` 6, `IPPROTO_UDP` 17). */
export const IPPROTO = { IP: 0, TCP: 6, UDP: 17 } as const;

/** `BIGENDIAN` 0 and `LITTLEENDIAN` 1: the values of `iNetworkByteOrder`. */
export const NETWORK_BYTE_ORDER = { BIGENDIAN: 0, LITTLEENDIAN: 1 } as const;
/** `SECURITY_PROTOCOL_NONE`: the `iSecurityScheme` of a provider without a security scheme. */
export const SECURITY_PROTOCOL_NONE = 0;

/**
 * Byte offsets of the fields of the native `WSAPROTOCOL_INFOW` (little-endian, REFERENCE.md §1).
 * `ProtocolChain` is `ChainLen` (int32) at 40 then 7 uint32 `ChainEntries` at 44; `szProtocol` is
 * 256 UTF-16LE code units at 116 (255 plus the terminating NUL).
 */
export const WSAPROTOCOL_INFOW_OFFSETS = {
  dwServiceFlags1: 0,
  dwServiceFlags2: 4,
  dwServiceFlags3: 8,
  dwServiceFlags4: 12,
  dwProviderFlags: 16,
  ProviderId: 20,
  dwCatalogEntryId: 36,
  ChainLen: 40,
  ChainEntries: 44,
  iVersion: 72,
  iAddressFamily: 76,
  iMaxSockAddr: 80,
  iMinSockAddr: 84,
  iSocketType: 88,
  iProtocol: 92,
  iProtocolMaxOffset: 96,
  iNetworkByteOrder: 100,
  iSecurityScheme: 104,
  dwMessageSize: 108,
  dwProviderReserved: 112,
  szProtocol: 116,
} as const;

/**
 * Largest protobuf-encoded protocol info `decodeProtocolInfo` accepts. The largest valid message with
 * every field at its widest (255 units of 3-byte UTF-8 in `szProtocol`, a full chain, a hand-off
 * context) is about 1,100 bytes; the rest is room for unknown fields of a newer schema.
 */
export const MAX_PROTOCOL_INFO_BYTES = 4096;
/** Length in bytes of `ExportContext.nonce`. */
export const EXPORT_NONCE_LENGTH = 16;
