import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { AgentProcess } from '@sanshare/internal/testing';
import { tsxNode } from './spawn-script.js';

export { AgentError } from '@sanshare/internal/testing';

/** A separate OS process running test/fixtures/switch-agent.ts, driven command by command. */
export class Agent extends AgentProcess {
  static spawn(): Agent {
    const child = spawn(...tsxNode(join(import.meta.dirname, '../fixtures/switch-agent.ts')), { stdio: ['pipe', 'pipe', 'inherit'] });
    return new Agent(child);
  }
}
