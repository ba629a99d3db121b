/**
 * A compliance suite for SAN service providers: the spec's duplication rules (WSPDuplicateSocket)
 * as framework-free checks that any test runner can wrap, run across two real processes: the
 * provider under test in this process, the same provider in a peer process started with
 * `startPeerProvider`. Another provider runs it with its own `setup()`.
 *
 * @example
 * ```ts
 * import { mkdtempSync, rmSync } from 'node:fs';
 * import { tmpdir } from 'node:os';
 * import { join } from 'node:path';
 * import { WSPStartup } from '@sanshare/provider';
 * import { complianceChecks, startPeerProvider, type ProviderFixture } from '@sanshare/provider/testing';
 * import { tcpProtocolInfo, WINSOCK_VERSION_2_2, type WspUpcallTable } from '@sanshare/protocol-info';
 *
 * const entry = tcpProtocolInfo({ providerId: '5a4e5348-0000-4000-8000-000000000001', szProtocol: 'TCP', catalogEntryId: 1001 });
 * let next = 100;
 * const upcalls: WspUpcallTable = { WPUCreateSocketHandle: () => next++, WPUCloseSocketHandle: () => {}, WPUQuerySocketHandleContext: () => 0 };
 * const runtimeDir = mkdtempSync(join(tmpdir(), 'sanshare-'));
 *
 * async function setup(): Promise<ProviderFixture> {
 *   const { procTable } = await WSPStartup(WINSOCK_VERSION_2_2, entry, upcalls, { runtimeDir });
 *   const peer = await startPeerProvider({ provider: '@sanshare/provider', catalogEntry: entry, startupOptions: { runtimeDir } });
 *   return { procTable, pid: process.pid, peer };
 * }
 *
 * for (const check of complianceChecks) {
 *   const fixture = await setup();
 *   try {
 *     await check.run(fixture);
 *   } finally {
 *     await fixture.peer.close();
 *     await fixture.procTable.WSPCleanup();
 *   }
 * }
 * rmSync(runtimeDir, { recursive: true });
 * ```
 *
 * @packageDocumentation
 */
export { complianceChecks } from './compliance-checks.js';
export type { ComplianceCheck, ProviderFixture } from './compliance-checks.js';
export { startPeerProvider } from './peer-provider.js';
export type { PeerProvider, PeerProviderOptions } from './peer-provider.js';
export type { PeerProcTable } from './peer-calls.js';
