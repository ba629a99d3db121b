/**
 * The versions this package's moves were tested with. Moving a connection at a safe point relies on
 * undocumented internals of Node's HTTP server (its parser, `socket._httpMessage`) and of `ws` (its
 * receiver's and sender's buffers): see the README's "Internals relied upon". Other versions may work;
 * these are the ones the suite proves.
 */
export const TESTED_VERSIONS = { node: '20.20.2', ws: '8.23.1' } as const;
