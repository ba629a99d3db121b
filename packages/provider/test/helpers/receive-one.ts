/**
 * A process with no stdin reader, no IPC channel and no timer of its own: it starts a provider, prints
 * `{ pid }`, then (mode `receive`) awaits one WSPReceiveDuplicate without a timeout at top level,
 * imports the socket, prints `{ message, sourcePid }` and ends by itself; in mode `idle` it just ends.
 * Whether it exits says what keeps it alive. Usage: node --import tsx receive-one.ts <runtimeDir> <mode>
 */
import { WSPStartup } from '../../src/index.js';
import { testCatalogEntry } from './catalog.js';
import { createTestUpcalls } from './test-upcalls.js';
import { toJson } from './wire-json.js';

const [runtimeDir = '', mode = 'receive'] = process.argv.slice(2);
const { procTable, extensions } = await WSPStartup(0x0202, testCatalogEntry(), createTestUpcalls(), { runtimeDir });
process.stdout.write(`${toJson({ pid: process.pid })}\n`);
if (mode === 'receive') {
  const receive = extensions?.WSPReceiveDuplicate;
  if (receive === undefined) throw new Error('the provider has no WSPReceiveDuplicate');
  // Nothing but this wait is pending: an unref'd wait would end the process here (exit code 13).
  const delivery = await receive();
  const s = await procTable.WSPSocket(-1, -1, -1, delivery.protocolInfo, 0, 0);
  await procTable.WSPCloseSocket(s);
  process.stdout.write(`${toJson({ message: delivery.message, sourcePid: delivery.sourcePid })}\n`);
}
await procTable.WSPCleanup();
