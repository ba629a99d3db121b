import { WSA_FLAG, WsaError } from '@sanshare/protocol-info';
import { DEFAULT_BACKLOG } from './constants.js';
import { copyProtocolInfo } from './copy-protocol-info.js';
import { duplicateSocket } from './duplicate-socket.js';
import { duplicateSocketBatch } from './duplicate-socket-batch.js';
import type { Switch } from './switch-api.js';
import type { SwitchCore } from './switch-core.js';
import { wsaSocket } from './wsa-socket.js';
import { wsaSocketBatch } from './wsa-socket-batch.js';

const encoder = new TextEncoder();

/**
 * The public `Switch` object over a core: each application call checks its descriptor (`use`:
 * unknown, handed off, cleaned up) and forwards to the provider's procedure table with the provider's
 * own descriptor. Calls that involve more than one step live in their own files (`wsa-socket.ts`,
 * `duplicate-socket.ts`, `duplicate-socket-batch.ts`).
 */
export function switchFacade(core: SwitchCore): Switch {
  return {
    pid: process.pid,
    get loadFailures() {
      return core.failures.map(({ catalogEntryId, providerModule, error }) => ({ catalogEntryId, providerModule, error }));
    },
    get providers() {
      return core.slots.map((slot) => ({
        catalogEntryIds: slot.entries.map((e) => e.catalogEntryId),
        providerModule: slot.providerModule,
        description: slot.description,
        version: slot.version,
        hasExtensions: slot.extensions !== undefined,
      }));
    },
    WSAEnumProtocols: () => core.slots.flatMap((slot) => slot.entries.map((e) => copyProtocolInfo(e.protocolInfo))),
    WSASocket: (af, type, protocol, protocolInfo = null, group = 0, flags = WSA_FLAG.OVERLAPPED) => wsaSocket(core, af, type, protocol, protocolInfo, group, flags),
    WSASocketBatch: (protocolInfos, flags = WSA_FLAG.OVERLAPPED) => wsaSocketBatch(core, protocolInfos, flags),
    socket: (af, type, protocol) => wsaSocket(core, af, type, protocol, null, 0, WSA_FLAG.OVERLAPPED),
    bind: async (s, name) => {
      const d = core.use(s, 'bind');
      await d.provider.procTable.WSPBind(d.context, name);
    },
    listen: async (s, backlog = DEFAULT_BACKLOG) => {
      const d = core.use(s, 'listen');
      await d.provider.procTable.WSPListen(d.context, backlog);
    },
    accept: async (s, options) => {
      const d = core.useForAccept(s);
      const context = await d.provider.procTable.WSPAccept(d.context, options);
      return (await core.adoptResult(d.provider, context, 'accept')).s;
    },
    connect: async (s, name, options) => {
      const d = core.use(s, 'connect');
      await d.provider.procTable.WSPConnect(d.context, name, options);
    },
    send: async (s, data) => {
      const d = core.use(s, 'send');
      if (typeof data !== 'string' && !(data instanceof Uint8Array)) throw new WsaError('WSAEFAULT', 'send: data must be a Uint8Array or a string');
      return d.provider.procTable.WSPSend(d.context, typeof data === 'string' ? encoder.encode(data) : data);
    },
    recv: async (s, options) => {
      const d = core.use(s, 'recv');
      return d.provider.procTable.WSPRecv(d.context, options);
    },
    shutdown: async (s, how) => {
      const d = core.use(s, 'shutdown');
      await d.provider.procTable.WSPShutdown(d.context, how);
    },
    setsockopt: (s, level, optname, value) => {
      const d = core.use(s, 'setsockopt');
      d.provider.procTable.WSPSetSockOpt(d.context, level, optname, value);
    },
    getsockopt: (s, level, optname) => {
      const d = core.use(s, 'getsockopt');
      return d.provider.procTable.WSPGetSockOpt(d.context, level, optname);
    },
    getsockname: (s) => {
      const d = core.use(s, 'getsockname');
      return d.provider.procTable.WSPGetSockName(d.context);
    },
    getpeername: (s) => {
      const d = core.use(s, 'getpeername');
      return d.provider.procTable.WSPGetPeerName(d.context);
    },
    closesocket: (s) => core.closesocket(s),
    WSADuplicateSocket: (s, dwProcessId) =>
      duplicateSocket(core, s, dwProcessId, 'WSADuplicateSocket', (d) => d.provider.procTable.WSPDuplicateSocket(d.context, dwProcessId)),
    WSADuplicateSocketWithMessage: (s, dwProcessId, message) => {
      const call = 'WSADuplicateSocketWithMessage';
      return duplicateSocket(core, s, dwProcessId, call, (d) => {
        const extensions = d.provider.extensions;
        if (extensions?.WSPDuplicateSocketWithMessage === undefined) {
          throw new WsaError('WSAEINVAL', `${call}: the provider of socket ${s} does not offer WSPDuplicateSocketWithMessage; use WSADuplicateSocket and send the protocol info yourself`);
        }
        return extensions.WSPDuplicateSocketWithMessage(d.context, dwProcessId, typeof message === 'string' ? encoder.encode(message) : message);
      });
    },
    WSAReceiveDuplicate: (options) => core.receiveDuplicate(options),
    WSADuplicateSocketBatch: (items, dwProcessId, options) => duplicateSocketBatch(core, items, dwProcessId, options),
    WSAReceiveDuplicates: (options) => core.receiveDuplicates(options),
    providerSocketOf: (s) => core.lookup(s, 'providerSocketOf').context,
    socketCookie: (s) => {
      const d = core.lookup(s, 'socketCookie');
      if (d.provider.extensions === undefined) throw new WsaError('WSAEINVAL', `socketCookie: the provider of socket ${s} has no WSPGetSocketCookie extension`);
      return d.provider.extensions.WSPGetSocketCookie(d.context);
    },
    isHandedOff: (s) => core.access.isLocked(core.lookup(s, 'isHandedOff').s),
    onDuplicateSettled: (listener) => {
      core.assertAlive();
      return core.ledger.onSettled(listener);
    },
    WSACleanup: () => core.cleanup(),
  };
}
