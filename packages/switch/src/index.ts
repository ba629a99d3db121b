/**
 * The Windows Sockets switch for sanshare: the catalog of providers, provider loading through
 * `WSPStartup` with the upcall table, the Winsock application API over switch descriptors, the access
 * control of shared sockets, the protocol-info channel that carries pids and protocol infos between
 * processes, and bridges to and from Node's `net.Socket`. It works with any provider that implements
 * the SPI procedure table (`WspProcTable` of `@sanshare/protocol-info`); `@sanshare/provider` is the
 * default one.
 *
 * @example
 * ```ts
 * import { AF, SOCK, IPPROTO } from '@sanshare/protocol-info';
 * import { createCatalog, defaultCatalogEntries, WSAStartup } from '@sanshare/switch';
 *
 * const catalog = await createCatalog();                       // or { file: 'catalog.json' }
 * for (const entry of defaultCatalogEntries()) await catalog.install(entry); // TCP/IPv4 and IPv6
 * const sw = await WSAStartup({ catalog });
 * const s = await sw.socket(AF.INET, SOCK.STREAM, IPPROTO.TCP);
 * await sw.connect(s, { address: '127.0.0.1', port: 8080 });
 * await sw.send(s, 'hello');
 * const info = await sw.WSADuplicateSocket(s, destinationPid); // send `info` over a protocol-info channel
 * await sw.closesocket(s);                                     // the connection lives on in the destination
 * await sw.WSACleanup();
 * ```
 *
 * @packageDocumentation
 */
export { createCatalog } from './catalog.js';
export type { Catalog, CatalogEntry, CatalogEntryInit, CatalogOptions } from './catalog.js';
export { defaultProtocolInfo } from './default-protocol-info.js';
export type { DefaultAddressFamily } from './default-protocol-info.js';
export { defaultCatalogEntry, defaultCatalogEntries } from './default-catalog-entry.js';
export { WSAStartup } from './wsa-startup.js';
export type {
  Switch,
  WsaStartupOptions,
  ProviderLoadFailure,
  LoadedProvider,
  DuplicateSettledEvent,
  DuplicateSocketBatchItem,
  DuplicateSocketBatchOptions,
  ReceiveDuplicatesOptions,
} from './switch-api.js';
export { SwitchError, isSwitchError, SWITCH_ERRORS } from './errors.js';
export type { SwitchErrorCode } from './errors.js';
export { SANSHARE_PROVIDER_ID, DEFAULT_PROVIDER_MODULE, PROTOCOL_INFO_CHANNEL_MAX_MESSAGE_BYTES } from './constants.js';
export { toNetSocket } from './to-net-socket.js';
export { adoptNetSocket } from './adopt-net-socket.js';
export { adoptNetSockets } from './adopt-net-sockets.js';
export { adoptNetServer } from './adopt-net-server.js';
export { toListeningDescriptor } from './to-listening-descriptor.js';
export { connectProtocolInfoChannel } from './protocol-info-channel.js';
export type { ProtocolInfoChannel, ConnectProtocolInfoChannelOptions, ChannelHooks } from './protocol-info-channel.js';
export { listenProtocolInfoChannel } from './protocol-info-channel-server.js';
export type { ProtocolInfoChannelServer, ListenProtocolInfoChannelOptions } from './protocol-info-channel-server.js';
export type { ChannelOperationOptions } from './channel-operation-options.js';
