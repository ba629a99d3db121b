import { Client } from 'undici';
import { HTTP_KEEP_ALIVE_MS } from '../constants.js';
import { StreamingConnection, type LoadTarget } from './load-connection.js';

/**
 * An HTTP/1.1 keep-alive client (undici's `Client`: one TCP connection, one request at a time):
 * `GET /c/<index>/<seq>`, answered `<pid> /c/<index>/<seq>`. undici opens a new connection by itself
 * when the server closed the last one: its `connect` events count them.
 */
export class HttpConnection extends StreamingConnection {
  private readonly client: Client;

  constructor(index: number, target: LoadTarget) {
    super(index, target);
    this.client = new Client(`http://${target.host}:${target.port}`, {
      pipelining: 1,
      keepAliveTimeout: HTTP_KEEP_ALIVE_MS,
      keepAliveMaxTimeout: HTTP_KEEP_ALIVE_MS,
    });
    this.client.on('connect', () => {
      this.connects += 1;
    });
    this.client.on('disconnect', (_origin, _targets, error) => {
      if (!this.stopping) this.fail(`the connection closed: ${error.message}`);
    });
  }

  protected async exchange(seq: number): Promise<number> {
    const path = `/c/${this.index}/${seq}`;
    const res = await this.client.request({ path, method: 'GET' });
    const text = await res.body.text();
    const pid = Number(res.headers['x-pid']);
    if (res.statusCode !== 200 || text !== `${pid} ${path}`) throw new Error(`answered ${res.statusCode} '${text.slice(0, 80)}' to GET ${path}`);
    if (res.headers['connection'] === 'close') this.fail(`GET ${path}: the answer said Connection: close`);
    return pid;
  }

  protected async closeConnection(): Promise<void> {
    await this.client.close();
  }
}
