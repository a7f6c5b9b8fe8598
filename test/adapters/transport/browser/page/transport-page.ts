/**
 * Page entry for Node ↔ Chromium transport tests: one `browserTransport` peer whose SignalPipe is
 * bridged to the Node side (signals cross as base64 through playwright: `toNode` is exposed by
 * the driver, `fromNode` is called by it). The page echoes every message back on the channel and
 * records when each arrived, so the driver measures round trips with Node's clock alone.
 */
import { Subject } from "rxjs";
import { browserTransport } from "../../../../../src/adapters/transport/browser/index.js";
import type { Channel, SelectedPath } from "../../../../../src/adapters/transport/types.js";

const toB64 = (b: Uint8Array) => btoa(String.fromCharCode(...b));
const fromB64 = (s: string) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));

interface PageApi {
  toNode(b64: string): void;
  fromNode(b64: string): void;
  startPeer(role: "offerer" | "answerer"): Promise<SelectedPath>;
  closePeer(): Promise<void>;
}

const w = globalThis as unknown as PageApi;
const inbox = new Subject<Uint8Array>();
const transport = browserTransport()();
let channel: Channel | undefined;

w.fromNode = (b64) => inbox.next(fromB64(b64));
w.startPeer = async (role) => {
  channel = await transport.connect({ role, signals: { send: (s) => w.toNode(toB64(s)), received$: inbox.asObservable() } });
  const ch = channel;
  ch.messages$.subscribe((m) => ch.send(m));
  return ch.path;
};
w.closePeer = async () => {
  channel?.close();
  await transport.close();
};
