import type { ProtocolInfo } from '@sanshare/protocol-info';
import type { ExportReceiver } from './export-receiver.js';
import type { ExportSender } from './export-sender.js';
import type { PendingImports } from './pending-imports.js';
import type { ResolvedProviderOptions } from './provider-options.js';
import type { SharedOptionsTable } from './shared-options.js';
import type { SocketRegistry } from './socket-registry.js';

/**
 * One provider instance (one `WSPStartup`): everything its calls share. The `Provider` builds it;
 * each call (connect, duplicate, import...) is a function of it in a file of its own.
 */
export interface ProviderState {
  readonly options: ResolvedProviderOptions;
  /** This provider's catalog entry: the template of every protocol info it returns. */
  readonly catalog: ProtocolInfo;
  readonly sockets: SocketRegistry;
  /** Sockets other providers pushed here, not claimed yet. */
  readonly pending: PendingImports;
  readonly sharedOptions: SharedOptionsTable;
  /** The source side of hand-offs: channels to other providers' endpoints. */
  readonly sender: ExportSender;
  /** The target side: this provider's endpoint, from `start` on. */
  receiver: ExportReceiver | undefined;
  /** Set by WSPCleanup: every later call fails with WSAENETDOWN. */
  cleanedUp: boolean;
}
