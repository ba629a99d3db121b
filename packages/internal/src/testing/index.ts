// Test helpers shared by the packages' own tests (never bundled into a published build).
export { AgentError, AgentProcess } from './agent-process.js';
export { tightConnectLoop } from './connect-loop.js';
export { rejection } from './rejection.js';
