/**
 * A minimal HTTP server on 127.0.0.1 for test pages: a fixed map of paths to (content type,
 * bytes). Pages are served over http://127.0.0.1 so they are a secure context, as in real use.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface StaticFile {
  readonly type: string;
  readonly body: string | Uint8Array;
}

export async function serveStatic(files: Record<string, StaticFile>): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    const f = files[(req.url ?? "/").split("?")[0]!];
    if (f === undefined) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { "content-type": f.type, "cache-control": "no-store" }).end(f.body);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
