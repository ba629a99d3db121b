import { WsaError, isWsaError, type DuplicateDelivery, type Socket } from '@sanshare/protocol-info';
import type { AccessControl } from './access-control.js';
import { DescriptorTable } from './descriptor-table.js';
import { DuplicateReceiver, type ReceiveManyOptions, type ReceiveOptions } from './duplicate-receiver.js';
import type { DuplicationLedger } from './duplication-ledger.js';
import type { Descriptor, ProviderSlot } from './provider-slot.js';
import type { LoadFailureRecord } from './load-provider-slots.js';
import { isLocalKey } from './socket-key.js';

/**
 * The state of one started switch and the steps every call shares: the loaded providers, the
 * descriptor table their upcalls fill, the access control, and the checks a call runs before it
 * reaches a provider. The public `Switch` object (`switch-facade.ts`) forwards to it.
 */
export class SwitchCore {
  readonly table: DescriptorTable<ProviderSlot>;
  readonly slots: readonly ProviderSlot[];
  readonly failures: readonly LoadFailureRecord[];
  readonly access: AccessControl;
  /** The duplications whose outcome a provider may still report (`WPUNotifyDuplicateSettled`). */
  readonly ledger: DuplicationLedger<ProviderSlot>;
  #cleanedUp = false;
  #receiver: DuplicateReceiver | undefined;

  constructor(parts: {
    table: DescriptorTable<ProviderSlot>;
    slots: readonly ProviderSlot[];
    failures: readonly LoadFailureRecord[];
    access: AccessControl;
    ledger: DuplicationLedger<ProviderSlot>;
  }) {
    this.table = parts.table;
    this.slots = parts.slots;
    this.failures = parts.failures;
    this.access = parts.access;
    this.ledger = parts.ledger;
  }

  /** Throws `WSAENETDOWN` after `WSACleanup`. */
  assertAlive(): void {
    if (this.#cleanedUp) throw new WsaError('WSAENETDOWN', 'WSACleanup has been called on this switch; start another one with WSAStartup');
  }

  /** Looks up a descriptor for a call that touches the socket: unknown → `WSAENOTSOCK`, handed off → `WSAEACCES`. */
  use(s: Socket, call: string): Descriptor {
    const d = this.lookup(s, call);
    if (this.access.isLocked(d.s)) {
      throw new WsaError(
        'WSAEACCES',
        `${call}: socket ${s} was duplicated to another process (WSADuplicateSocket); this process may only closesocket it until WSASocket creates a descriptor from a protocol info for it again`,
      );
    }
    return d;
  }

  /**
   * Looks up a descriptor for `accept`. As `use`, except on a listener this process handed off: the
   * connections its provider accepted before the hand-off are this process's alone (they are not
   * the shared socket), so `accept` still reaches the provider, which hands out those and fails
   * `WSAEACCES` once none is left (docs/switch.md "Listeners"). Never dropped, never the target's.
   */
  useForAccept(s: Socket): Descriptor {
    const d = this.lookup(s, 'accept');
    if (!this.access.isLocked(d.s) || isLocalKey(this.access.keyOf(d.s))) return d;
    // Locked, and not a listener's: `use` refuses it with its WSAEACCES.
    return this.use(s, 'accept');
  }

  /** Looks up a descriptor without the access check (closesocket, trace queries). */
  lookup(s: Socket, call: string): Descriptor {
    this.assertAlive();
    const d = Number.isInteger(s) ? this.table.get(s) : undefined;
    if (d === undefined) throw new WsaError('WSAENOTSOCK', `${call}: ${String(s)} is not a socket of this switch (never created, or closed); pass a descriptor that socket, accept or WSASocket returned and that is still open`);
    return d;
  }

  /**
   * The switch descriptor of a provider descriptor that `WSPSocket`, `WSPAccept` or
   * `WSPAdoptDescriptor` just returned: the one the provider created with `WPUCreateSocketHandle`.
   * A provider that returns a descriptor without creating one broke the SPI (the spec: it "must call
   * the switch's WPUCreateSocketHandle"): its descriptor is closed, and the call fails with
   * `WSAEINVALIDPROVIDER` rather than get a switch descriptor the provider does not know about.
   */
  async adoptResult(slot: ProviderSlot, context: number, call: string): Promise<Descriptor> {
    const d = this.table.findByContext(slot, context);
    if (d !== undefined) return d;
    try {
      await slot.procTable.WSPCloseSocket(context);
    } catch {
      // The provider's own descriptor, and the provider is already misbehaving: the error below says so.
    }
    throw new WsaError(
      'WSAEINVALIDPROVIDER',
      `${call}: provider ${slot.providerModule} returned its descriptor ${String(context)} without creating a switch descriptor for it with WPUCreateSocketHandle; its descriptor was closed. The provider must call WPUCreateSocketHandle(catalogEntryId, itsDescriptor) before returning`,
    );
  }

  /** Releases the switch's record of `d` (after the provider closed or detached it). */
  forget(d: Descriptor): void {
    this.table.delete(d.s);
    this.access.release(d.s);
    this.ledger.forget(d.s);
  }

  async closesocket(s: Socket): Promise<void> {
    const d = this.lookup(s, 'closesocket');
    try {
      await d.provider.procTable.WSPCloseSocket(d.context);
    } catch (error) {
      if (!isWsaError(error, 'WSAENOTSOCK')) throw error;
    }
    this.forget(d);
  }

  /** WSAReceiveDuplicate across the providers that offer it. */
  receiveDuplicate(options?: ReceiveOptions): Promise<DuplicateDelivery> {
    this.assertAlive();
    return this.#duplicateReceiver().receive(options);
  }

  /** WSAReceiveDuplicates across the providers that offer WSPReceiveDuplicate (WSPReceiveDuplicates where they offer it). */
  receiveDuplicates(options?: ReceiveManyOptions): Promise<DuplicateDelivery[]> {
    this.assertAlive();
    return this.#duplicateReceiver().receiveMany(options);
  }

  /** One receiver for both calls, so that a delivery one kept is the other's next (made at first use: the slots are fixed by then). */
  #duplicateReceiver(): DuplicateReceiver {
    this.#receiver ??= new DuplicateReceiver(
      this.slots.flatMap((slot) => {
        const extensions = slot.extensions;
        const one = extensions?.WSPReceiveDuplicate;
        const many = extensions?.WSPReceiveDuplicates;
        if (one === undefined) return [];
        return [
          {
            one: (options?: ReceiveOptions) => one.call(extensions, options),
            many: many === undefined ? undefined : (options?: ReceiveManyOptions) => many.call(extensions, options),
          },
        ];
      }),
    );
    return this.#receiver;
  }

  async cleanup(): Promise<void> {
    if (this.#cleanedUp) return;
    this.#cleanedUp = true;
    this.#receiver?.clear();
    const errors: unknown[] = [];
    for (const slot of this.slots) {
      try {
        await slot.procTable.WSPCleanup();
      } catch (error) {
        errors.push(error);
      }
    }
    this.table.clear();
    this.access.clear();
    this.ledger.clear();
    if (errors.length > 0) {
      throw new WsaError('WSAENETDOWN', 'WSACleanup: a provider failed to clean up (see cause)', { cause: errors.length === 1 ? errors[0] : new AggregateError(errors) });
    }
  }
}
