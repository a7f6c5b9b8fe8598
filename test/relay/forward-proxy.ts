/**
 * A reverse proxy for WebSockets that behaves like the nginx example in docs/relay.md: it
 * accepts clients on its own address, connects to the relay from that address, and appends
 * the client's address to `X-Forwarded-For` (or sets `Forwarded`). Loopback only.
 */
import { createServer, type IncomingMessage } from "node:http";
import { connect, type AddressInfo, type Socket } from "node:net";

export interface ForwardProxy {
  readonly url: string;
  close(): Promise<void>;
}

export async function startForwardProxy(relayUrl: string, options: { host: string; header: "x-forwarded-for" | "forwarded" }): Promise<ForwardProxy> {
  const target = new URL(relayUrl);
  const sockets = new Set<Socket>();
  const server = createServer((_req, res) => res.writeHead(404).end());
  server.on("upgrade", (req: IncomingMessage, client: Socket, head: Buffer) => {
    const upstream = connect({ host: target.hostname, port: Number(target.port), localAddress: options.host });
    sockets.add(client).add(upstream);
    const drop = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on("error", drop).on("close", drop);
    upstream.on("error", drop).on("close", drop);
    const addr = client.remoteAddress ?? "unknown";
    const headers: string[] = [];
    for (let i = 0; i < req.rawHeaders.length; i += 2) {
      const name = req.rawHeaders[i]!;
      if (name.toLowerCase() === options.header) continue;
      headers.push(`${name}: ${req.rawHeaders[i + 1]}`);
    }
    const prior = req.headers[options.header];
    if (options.header === "x-forwarded-for") headers.push(`X-Forwarded-For: ${prior ? `${String(prior)}, ` : ""}${addr}`);
    else headers.push(`Forwarded: ${prior ? `${String(prior)}, ` : ""}for="${addr.includes(":") ? `[${addr}]` : addr}"`);
    upstream.write(`${req.method} ${req.url} HTTP/1.1\r\n${headers.join("\r\n")}\r\n\r\n`);
    if (head.length) upstream.write(head);
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, options.host, () => resolve()));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `ws://${options.host}:${port}`,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
