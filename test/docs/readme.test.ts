/**
 * The host-app example in README.md runs as written: a relay is started on loopback, and the block
 * runs two engines over werift (loopback only) with signaling through that relay.
 */
import { expect, it } from "vitest";
import { createRelayServer } from "../../src/relay/index.js";
import { docExample, runDocExample } from "../helpers/doc-example.js";

it("README.md: the host-app example runs and does what it says", { timeout: 60_000 }, async () => {
  const block = docExample("README.md", "## A host app in 20 lines");
  expect(block.split("\n").filter((l) => l.trim() !== "").length).toBeLessThanOrEqual(22);
  const relay = createRelayServer({ port: 0, host: "127.0.0.1", log: false });
  const { url } = await relay.start();
  process.env["LETHE_RELAY"] = url;
  let logs: string[];
  try {
    logs = await runDocExample(block);
  } finally {
    delete process.env["LETHE_RELAY"];
    await relay.stop();
  }
  expect(logs).toContain('phone sees {"theme":"dark"}');
  expect(logs).toContain("phone ended: peerEnded");
  // the verification words: four, and the same on both devices
  const words = logs.map((l) => /^words: ([a-z]+(?: [a-z]+){3}) \/ ([a-z]+(?: [a-z]+){3})$/.exec(l)).find((m) => m !== null);
  expect(words?.[1]).toBeDefined();
  expect(words?.[2]).toBe(words?.[1]);
});
