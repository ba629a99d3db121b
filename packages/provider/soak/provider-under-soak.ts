/**
 * The provider the soak runs: the built package (`dist/`, what npm users run), as the benchmark does
 * (bench/provider-under-test.ts says why); types come from the sources.
 */
import type * as Provider from '../src/index.js';

const DIST = new URL('../dist/index.js', import.meta.url).href;

export const { WSPStartup } = (await import(DIST)) as typeof Provider;
