/** `npm start` on real transports (LAN signaling on 127.0.0.1, werift on loopback) and with --memory. */
import { expect, it } from "vitest";
import { runDemo } from "../../src/cli/demo.js";

for (const [label, argv, expectLabel] of [
  ["real transports (default)", ["--fast"], "werift data channels on loopback"],
  ["--memory", ["--fast", "--memory"], "an in-memory network"],
] as const) {
  it(`demo on ${label}: pairs, syncs, rotates, ends by itself, shows the wipe; exit 0`, async () => {
    const lines: string[] = [];
    const code = await runDemo([...argv], { out: (l) => lines.push(l) });
    const text = lines.join("\n");
    expect(code, text).toBe(0);
    expect(text).toContain(expectLabel);
    expect(text).toMatch(/ok {2}all \d+ key buffers are zero/);
    expect(text).toContain("ended by inactivity on both devices");
    expect(text).toMatch(/ok {2}both devices show the same four verification words/);
    const words = /laptop: ([a-z]+(?: [a-z]+){3})\n {2}phone: {2}([a-z]+(?: [a-z]+){3})/.exec(text);
    expect(words?.[1]).toBe(words?.[2]);
    expect(text).toMatch(/\[phone\] verification: [a-z]+( [a-z]+){3}/);
    expect(text).not.toContain("FAIL");
  });
}
