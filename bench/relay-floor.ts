/**
 * The bench's floor: a bare `ws` forwarder that speaks just enough of the relay protocol for the
 * same client to run against it — the same connections and the same frames in both directions
 * (welcome, hosted, joined, peer, ok, blob) — with no store, no limits, no validation beyond
 * JSON.parse, no logging. What the relay costs above this is what its store, limits and
 * bookkeeping cost. Prints `listening on ws://…` like `lethe relay`; SIGTERM stops it. It listens
 * with the relay's default backlog, so at C = 500 neither side loses SYNs the other keeps.
 */
import { randomBytes } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { WebSocketServer, type WebSocket } from "ws";
import { DEFAULT_LISTEN_BACKLOG } from "../src/relay/options.js";

interface Box {
  host: WebSocket | undefined;
  join: WebSocket | undefined;
  /** Blobs posted by the host before the joiner arrived. */
  held: string[];
}

const WELCOME = JSON.stringify({ t: "welcome", v: 1, limits: { maxBlobBytes: 65536, idleTimeoutMs: 90000, messagesPerSecond: 50 } });
const boxes = new Map<string, Box>();
const byNameplate = new Map<string, string>();
let nextNameplate = 1;

const http = createServer((_req, res) => res.end());
const wss = new WebSocketServer({ server: http, perMessageDeflate: false, skipUTF8Validation: true });
wss.on("connection", (ws) => {
  let mine: string | undefined;
  ws.on("error", () => {});
  ws.on("close", () => {
    const box = mine === undefined ? undefined : boxes.get(mine);
    if (!box) return;
    if (box.host === ws) box.host = undefined;
    if (box.join === ws) box.join = undefined;
    if (!box.host && !box.join) boxes.delete(mine!);
  });
  ws.send(WELCOME);
  ws.on("message", (data) => {
    const f = JSON.parse(String(data)) as { t: string; r: number; nameplate?: string; m?: string; b?: string };
    switch (f.t) {
      case "host": {
        const m = randomBytes(16).toString("hex");
        const nameplate = String(nextNameplate++);
        boxes.set(m, { host: ws, join: undefined, held: [] });
        mine = m;
        byNameplate.set(nameplate, m);
        ws.send(JSON.stringify({ t: "hosted", r: f.r, nameplate, m }));
        return;
      }
      case "join": {
        const m = byNameplate.get(f.nameplate!)!;
        byNameplate.delete(f.nameplate!);
        const box = boxes.get(m)!;
        box.join = ws;
        mine = m;
        ws.send(JSON.stringify({ t: "joined", r: f.r, m }));
        for (const b of box.held.splice(0)) ws.send(JSON.stringify({ t: "blob", m, b }));
        ws.send(JSON.stringify({ t: "peer", m }));
        box.host?.send(JSON.stringify({ t: "peer", m }));
        return;
      }
      case "post": {
        const box = boxes.get(f.m!)!;
        const to = box.host === ws ? box.join : box.host;
        if (to) to.send(JSON.stringify({ t: "blob", m: f.m, b: f.b }));
        else box.held.push(f.b!);
        ws.send(JSON.stringify({ t: "ok", r: f.r }));
        return;
      }
      case "close": {
        const box = boxes.get(f.m!);
        if (box) {
          if (box.host === ws) box.host = undefined;
          if (box.join === ws) box.join = undefined;
          if (!box.host && !box.join) boxes.delete(f.m!);
        }
        ws.send(JSON.stringify({ t: "ok", r: f.r }));
        return;
      }
      default:
        ws.send(JSON.stringify({ t: "pong", r: f.r }));
    }
  });
});
http.listen({ port: 0, host: "127.0.0.1", backlog: DEFAULT_LISTEN_BACKLOG }, () => {
  process.stdout.write(`listening on ws://127.0.0.1:${(http.address() as AddressInfo).port}\n`);
});
process.on("SIGTERM", () => {
  for (const ws of wss.clients) ws.terminate();
  wss.close();
  http.close(() => process.exit(0));
});
