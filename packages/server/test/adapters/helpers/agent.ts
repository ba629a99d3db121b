import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { AgentProcess } from '@sanshare/internal/testing';

const require = createRequire(import.meta.url);

export { AgentError } from '@sanshare/internal/testing';

/** A separate OS process running fixtures/server-agent.ts (through tsx, so it runs this package's sources), driven command by command. */
export class ServerAgent extends AgentProcess {
  static spawn(): ServerAgent {
    const script = join(import.meta.dirname, '../fixtures/server-agent.ts');
    const child = spawn(process.execPath, ['--import', require.resolve('tsx'), script], { stdio: ['pipe', 'pipe', 'inherit'] });
    return new ServerAgent(child);
  }
}

/** What an agent's `status` says. */
export interface AgentStatus {
  pid: number;
  frozen: number;
  /** 'request' events of the http.Server. */
  requests: number;
  connections: number;
  adopted: number;
  adoptFailures: string[];
  errors: string[];
  wsClients: number | null;
  /** Connections whose ws receiver has a fragmented message open. */
  wsFragmented: number;
  wsConnections: Array<{ clientId: string; url: string | undefined; protocol: string; extensions: string; header: string | undefined; moved: boolean }>;
  serverConnections: number;
  serverClosed: boolean;
  /** Bytes of partial lines the line server holds, over its connections. */
  tcpPartialBytes: number;
}

/** What an agent's `move` / `moveFrozen` says. */
export interface MoveReport {
  moved: number;
  refused: string[];
  /** Bytes in the socket's buffer after detach: the read-ahead that travels. */
  readAheadBytes: number;
  /** Of which ws's receiver had taken from the socket without parsing them. */
  receiverBytes: number;
  failures: string[];
}
