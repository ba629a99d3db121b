/**
 * The Windows Sockets switch for sanshare: the catalog of providers, provider loading through
 * `WSPStartup` with the upcall table, the Winsock application API over switch descriptors, the access
 * control of shared sockets, the hand-off channel that carries pids and protocol infos between
 * processes, and bridges to and from Node's `net.Socket`.
 *
 * @example
 * ```ts
 * import { AF, SOCK, IPPROTO } from '@sanshare/protocol-info';
 * import { createCatalog, defaultCatalogEntry, WSAStartup } from '@sanshare/switch';
 *
 * const catalog = await createCatalog();                       // or { file: 'catalog.json' }
 * await catalog.install(defaultCatalogEntry('inet'));          // TCP/IPv4 by @sanshare/provider
 * const sw = await WSAStartup({ catalog });
 * const s = await sw.socket(AF.INET, SOCK.STREAM, IPPROTO.TCP);
 * await sw.connect(s, { address: '127.0.0.1', port: 8080 });
 * await sw.send(s, 'hello');
 * const info = await sw.WSADuplicateSocket(s, destinationPid); // send `info` over a hand-off channel
 * await sw.closesocket(s);                                     // the connection lives on in the destination
 * await sw.WSACleanup();
 * ```
 *
 * @packageDocumentation
 */
export { createCatalog } from './catalog.js';
export type { Catalog, CatalogEntry, CatalogOptions } from './catalog.js';
export { defaultProtocolInfo, defaultCatalogEntry } from './default-protocol-info.js';
export type { CatalogEntryInit, DefaultAddressFamily } from './default-protocol-info.js';
export { WSAStartup } from './switch.js';
export type { Switch, WsaStartupOptions, ProviderLoadFailure, LoadedProvider } from './switch.js';
export { SwitchError, isSwitchError, SWITCH_ERRORS } from './errors.js';
export type { SwitchErrorCode } from './errors.js';
export { SANSHARE_PROVIDER_ID, DEFAULT_PROVIDER_MODULE, HANDOFF_CHANNEL_MAX_MESSAGE_BYTES } from './constants.js';
export { toNetSocket } from './to-net-socket.js';
export { adoptNetSocket } from './adopt-net-socket.js';
export { connectHandoffChannel, listenHandoffChannel } from './handoff-channel.js';
export type {
  HandoffChannel,
  HandoffChannelServer,
  ConnectHandoffChannelOptions,
  ListenHandoffChannelOptions,
} from './handoff-channel.js';
export type { ChannelOperationOptions } from './deadline.js';
