/**
 * `lethe device` argument and edits-file handling (the two-process runs over a real LAN are in
 * test/adapters/discovery/mdns/lan-veth.test.ts): a bad edits file is a clear EditsFileError and exit code 2 before
 * any socket opens; the doc hash is the sha256 of canonical JSON, independent of key order.
 */
import { describe, expect, it } from "vitest";
import { test, fc } from "@fast-check/vitest";
import * as Y from "yjs";
import { parseDeviceArgs, runDevice } from "../../src/cli/device.js";
import { canonicalJson, docHash, parseEdits } from "../../src/cli/device-doc.js";

const capture = () => {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (l: string) => out.push(l), err: (l: string) => err.push(l) }, out, err };
};

describe("lethe device: arguments and edits", () => {
  it("parses host/join and the options", () => {
    expect(parseDeviceArgs(["--host", "--interface", "10.0.0.1", "--peer-gone-ms", "2000", "--stay"])).toEqual({
      role: "host", iface: "10.0.0.1", peerGoneMs: 2000, stay: true, verify: false, iceServers: [],
    });
    expect(parseDeviceArgs(["--join", "7-aardvark-adroitness", "--relay", "ws://127.0.0.1:8787"])).toMatchObject({
      role: "join", code: "7-aardvark-adroitness", relay: "ws://127.0.0.1:8787",
    });
    // --join alone: the code comes from the terminal or stdin (test/cli/device-join.test.ts)
    expect(parseDeviceArgs(["--join", "--relay", "ws://127.0.0.1:8787"])).toEqual({ role: "join", relay: "ws://127.0.0.1:8787", stay: false, verify: false, iceServers: [] });
    expect(parseDeviceArgs(["--host", "--verify"])).toEqual({ role: "host", stay: false, verify: true, iceServers: [] });
    for (const bad of [[], ["--host", "--join", "1-a-b"], ["--join", "--host"], ["--host", "--interface", "eth0"], ["--host", "--relay", "http://x"], ["--host", "--peer-gone-ms", "5"], ["--host", "--what"]]) {
      expect(() => parseDeviceArgs(bad), JSON.stringify(bad)).toThrow(expect.objectContaining({ name: "DeviceUsageError" }));
    }
  });

  it("parses --ice servers; TURN needs both credentials, and a bad one never echoes the credential", () => {
    expect(parseDeviceArgs(["--host", "--ice", "stun:203.0.113.2:3478", "--ice", "turn:203.0.113.2:3478?transport=udp", "--ice-username", "u", "--ice-credential", "s3cret"]).iceServers).toEqual([
      { urls: "stun:203.0.113.2:3478" },
      { urls: "turn:203.0.113.2:3478?transport=udp", username: "u", credential: "s3cret" },
    ]);
    const bad = [
      ["--host", "--ice", "turn:203.0.113.2"],
      ["--host", "--ice", "turn:203.0.113.2", "--ice-username", "u"],
      ["--host", "--ice", "stun:203.0.113.2", "--ice-credential", "s3cret"],
      ["--host", "--ice", "http://203.0.113.2", "--ice-credential", "s3cret", "--ice-username", "u"],
      ["--host", "--ice", "turn:203.0.113.2 --x", "--ice-credential", "s3cret", "--ice-username", "u"],
    ];
    for (const argv of bad) {
      let error: Error | undefined;
      try {
        parseDeviceArgs(argv);
      } catch (e) {
        error = e as Error;
      }
      expect(error?.name, JSON.stringify(argv)).toBe("DeviceUsageError");
      expect(error?.message).not.toContain("s3cret");
    }
  });

  it("decodes a good edits file and names what is wrong in a bad one", () => {
    expect(parseEdits('[{"map":"prefs","key":"theme","value":"dark"},{"map":"m","key":"n","value":null}]')).toHaveLength(2);
    for (const bad of ["not json", "{}", '[{"map":"prefs"}]', '[{"map":"","key":"k","value":1}]', '[{"map":"p","key":"k","value":{"x":1}}]', '[{"map":"p","key":"k","value":1e999}]']) {
      expect(() => parseEdits(bad), bad).toThrow(expect.objectContaining({ name: "EditsFileError" }));
    }
  });

  it("a bad edits file exits 2 with a clear error (and so does a missing one, and bad usage)", async () => {
    for (const argv of [["--host", "--edits", "test/cli/fixtures/bad-edits.json"], ["--host", "--edits", "test/cli/fixtures/missing.json"], ["--nope"]]) {
      const c = capture();
      expect(await runDevice(argv, c.io)).toBe(2);
      expect(c.err.join("\n")).toMatch(/EditsFileError|DeviceUsageError/);
      expect(c.out).toEqual([]);
    }
  });

  test.prop([fc.dictionary(fc.string({ maxLength: 8 }), fc.oneof(fc.string(), fc.integer(), fc.boolean(), fc.constant(null)), { maxKeys: 8 })], { numRuns: 50 })(
    "two docs with the same content in any insertion order hash the same",
    (entries) => {
      const keys = Object.keys(entries);
      const a = new Y.Doc();
      const b = new Y.Doc();
      for (const k of keys) a.getMap("prefs").set(k, entries[k]);
      for (const k of [...keys].reverse()) b.getMap("prefs").set(k, entries[k]);
      expect(docHash(a)).toBe(docHash(b));
      expect(canonicalJson({ b: 1, a: [2, { d: 3, c: 4 }] })).toBe('{"a":[2,{"c":4,"d":3}],"b":1}');
    },
  );

  it("a map created by a remote update (never asked for locally) is in the hash", () => {
    const a = new Y.Doc();
    a.getMap("tabs").set("x", 1);
    const b = new Y.Doc();
    Y.applyUpdate(b, Y.encodeStateAsUpdate(a));
    expect(docHash(b)).toBe(docHash(a));
    expect(docHash(b)).not.toBe(docHash(new Y.Doc()));
  });
});
