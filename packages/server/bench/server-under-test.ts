/**
 * The package the benchmark measures: the built one (`dist/`, what npm users run; `pnpm bench` builds
 * it first), not the TypeScript sources through tsx (whose transform adds its own cost to every
 * closure). Types still come from the sources.
 */
import type * as Server from '../src/index.js';

const DIST = new URL('../dist/index.js', import.meta.url).href;

export const { createRestarter, createWsAdapter, createHttpAdapter, prepareServer } = (await import(DIST)) as typeof Server;
export type { ConnectionAdapter, RestartProgress, RestartReport, TakeoverReport } from '../src/index.js';
