/**
 * werift (Node) ↔ Chromium at the transport level, in both roles: werift offers (it becomes the
 * DTLS server) and Chromium offers (werift is the DTLS client). Each side's SignalPipe is bridged
 * through playwright; the page (test/browser/page/transport-page.ts) echoes every message, so
 * Node times each round trip with its own clock. Checks: both ends report the selected path
 * (host ↔ host UDP here), and the first messages right after connecting arrive at once — werift's
 * DTLS numbering bug (src/adapters/werift/dtls-sequence.ts) made Chromium drop the ~8th record
 * of the connection, so the third message waited ~1 s for SCTP's retransmission (issue 15).
 */
import { afterAll, describe, expect, it } from "vitest";
import type { Page } from "playwright-core";
import { Subject, filter, firstValueFrom } from "rxjs";
import { weriftTransport } from "../../../../../src/adapters/transport/werift/index.js";
import type { Channel, SelectedPath } from "../../../../../src/adapters/transport/types.js";
import { BROWSER_NETNS_ADDRESS } from "../helpers/browser-netns.js";
import { assertBrowserNetns } from "./guard.js";
import { launchChromium } from "./chromium.js";
import { bundlePage } from "./page-build.js";
import { serveStatic } from "./static-server.js";

assertBrowserNetns();
const js = await bundlePage("transport-page.ts");
const server = await serveStatic({
  "/": { type: "text/html", body: '<!doctype html><meta charset="utf-8"><script type="module" src="/t.js"></script>' },
  "/t.js": { type: "text/javascript", body: js },
});
const browser = await launchChromium();
afterAll(async () => {
  await browser.close();
  await server.close();
});

interface PagePeer {
  startPeer(role: "offerer" | "answerer"): Promise<SelectedPath>;
  fromNode(b64: string): void;
  closePeer(): Promise<void>;
}

/** A werift channel to a fresh page, werift in `role`; the page's reported path too. */
async function connectToPage(role: "offerer" | "answerer") {
  const page: Page = await browser.newPage();
  await page.goto(server.url);
  await page.waitForFunction(() => "startPeer" in globalThis);
  const fromPage = new Subject<Uint8Array>();
  await page.exposeFunction("toNode", (b64: string) => fromPage.next(Buffer.from(b64, "base64")));
  const transport = weriftTransport({ interfaceAddress: BROWSER_NETNS_ADDRESS })();
  const pageRole: "offerer" | "answerer" = role === "offerer" ? "answerer" : "offerer";
  const pagePath = page.evaluate((r) => (globalThis as unknown as PagePeer).startPeer(r), pageRole);
  const channel: Channel = await transport.connect({
    role,
    signals: {
      send: (s) => void page.evaluate((b) => (globalThis as unknown as PagePeer).fromNode(b), Buffer.from(s).toString("base64")),
      received$: fromPage.asObservable(),
    },
  });
  return {
    channel,
    pagePath: await pagePath,
    close: async () => {
      channel.close();
      await page.evaluate(() => (globalThis as unknown as PagePeer).closePeer());
      await transport.close();
      await page.close();
    },
  };
}

/** Round-trip times of `n` messages sent one after another, each when the previous came back. */
async function roundTrips(channel: Channel, n: number): Promise<number[]> {
  const rtts: number[] = [];
  for (let i = 1; i <= n; i++) {
    const back = firstValueFrom(channel.messages$.pipe(filter((m) => m[0] === i)));
    const t0 = performance.now();
    channel.send(new Uint8Array(120).fill(i)); // the size of a small sealed edit frame
    await back;
    rtts.push(performance.now() - t0);
  }
  return rtts;
}

const HOST_UDP: SelectedPath = { kind: "ice", local: "host", remote: "host", protocol: "udp" };

describe("werift <-> Chromium transport", () => {
  for (const role of ["offerer", "answerer"] as const) {
    const dtls = role === "offerer" ? "server" : "client";
    it(`werift ${role} (DTLS ${dtls}): both report the path; the first messages each come back within 100 ms`, async () => {
      const c = await connectToPage(role);
      try {
        expect(c.channel.path).toEqual(HOST_UDP);
        expect(c.pagePath).toEqual(HOST_UDP);
        // Without the fix the second (DTLS client) or third (server) message hit the dropped record.
        const rtts = await roundTrips(c.channel, 5);
        console.log(`timing: werift ${role} -> Chromium first round trips (ms): ${rtts.map((t) => t.toFixed(1)).join(" ")}`);
        expect(rtts.every((t) => t < 100), rtts.map((t) => t.toFixed(1)).join(" ")).toBe(true);
      } finally {
        await c.close();
      }
    });
  }
});
