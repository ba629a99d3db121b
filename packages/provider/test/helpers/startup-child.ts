/**
 * A process that starts one provider and reports how it went, as one JSON line on stdout:
 * `{ ok: true }` (after WSPCleanup) or `{ ok: false, code, message }`. Usage:
 * node --import tsx startup-child.ts '{"uid": 65534, "options": {...}}'. With `uid`, it drops to that
 * user (and group) after loading its modules and before WSPStartup, so that a test run as root sees
 * what an ordinary user gets.
 */
import { WSPStartup } from '../../src/index.js';
import { testCatalogEntry } from './catalog.js';
import { createTestUpcalls } from './test-upcalls.js';

const { uid, options } = JSON.parse(process.argv[2] ?? '{}') as { uid?: number; options?: Record<string, unknown> };
if (uid !== undefined) {
  process.setgroups?.([]);
  process.setgid?.(uid);
  process.setuid?.(uid);
}
try {
  const { procTable } = await WSPStartup(0x0202, testCatalogEntry(), createTestUpcalls(), options);
  await procTable.WSPCleanup();
  process.stdout.write(`${JSON.stringify({ ok: true })}\n`);
} catch (error) {
  const e = error as { code?: unknown; message?: unknown };
  process.stdout.write(`${JSON.stringify({ ok: false, code: e.code, message: String(e.message) })}\n`);
}
