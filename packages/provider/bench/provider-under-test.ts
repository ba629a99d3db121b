/**
 * The provider the benchmark measures: the built package (`dist/`, what npm users run; `pnpm bench`
 * builds it first), not the TypeScript sources. Run through tsx, the sources measure tsx's transform
 * too: its `keepNames` wraps every closure the provider creates per call in a `defineProperty`,
 * which cost about 20 % of a hand-off round trip here. Types still come from the sources.
 *
 * `BENCH_PROVIDER_DIST=<dir>` measures another build instead (a copy of `dist/` made before a change,
 * kept under this package's node_modules so that its imports resolve): before and after in one sitting.
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type * as Provider from '../src/index.js';

const other = process.env['BENCH_PROVIDER_DIST'];
const DIST = other === undefined || other === '' ? new URL('../dist/index.js', import.meta.url).href : pathToFileURL(resolve(other, 'index.js')).href;

export const { WSPStartup } = (await import(DIST)) as typeof Provider;
