/**
 * The provider the benchmark measures: the built package (`dist/`, what npm users run; `pnpm bench`
 * builds it first), not the TypeScript sources. Run through tsx, the sources measure tsx's transform
 * too: its `keepNames` wraps every closure the provider creates per call in a `defineProperty`,
 * which cost about 20 % of a hand-off round trip here. Types still come from the sources.
 */
import type * as Provider from '../src/index.js';

const DIST = new URL('../dist/index.js', import.meta.url).href;

export const { WSPStartup } = (await import(DIST)) as typeof Provider;
