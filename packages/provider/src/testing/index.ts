/**
 * A compliance suite for sanshare providers: the spec's duplication rules as framework-free checks
 * that any test runner can wrap, run against a fixture (a provider started by `WSPStartup`, or one
 * loaded by a switch).
 *
 * @example
 * ```ts
 * import { complianceChecks } from '@sanshare/provider/testing';
 *
 * for (const check of complianceChecks) {
 *   it(check.name, async () => check.run({ procTable, pid: process.pid }));
 * }
 * ```
 *
 * @packageDocumentation
 */
export { complianceChecks } from './compliance-checks.js';
export type { ComplianceCheck, ProviderFixture } from './compliance-checks.js';
