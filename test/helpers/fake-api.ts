import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A request the fake API got: `body` read as latin1 (an upload's bytes, one character each), `text` as UTF-8. */
export interface Seen {
  method: string;
  url: string;
  body: string;
  text: string;
}

export type Answer = (req: IncomingMessage, res: ServerResponse, url: string, body: string) => void;

/**
 * A fake API (and object store) on a free port of 127.0.0.1, for the CLI and typed-client tests: `answer` writes
 * each reply (it gets the server's own URL, to hand out upload and download links on it); `seen` lists the requests.
 */
export async function fakeApi(answer: Answer) {
  let url = '';
  const seen: Seen[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (d: Buffer) => chunks.push(d));
    req.on('end', () => {
      const bytes = Buffer.concat(chunks);
      const body = bytes.toString('latin1');
      seen.push({ method: req.method!, url: req.url!, body, text: bytes.toString('utf8') });
      answer(req, res, url, body);
    });
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    seen,
    close: () => {
      server.closeAllConnections();
      server.close();
    },
  };
}

/** A JSON answer; a 4xx or 5xx as problem+json, as the API writes them. */
export function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': status >= 400 ? 'application/problem+json' : 'application/json', ...headers });
  res.end(JSON.stringify(body));
}
