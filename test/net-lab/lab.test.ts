/**
 * The net lab itself: the routers' NAT behaves as its kind says (measured with a STUN probe to
 * two coturn addresses, never assumed), the strict firewall drops inbound UDP, a relinked device
 * gets a new address and mapping while its old link is gone, coturn in TURN REST API mode
 * allocates for minted credentials and refuses forged ones, and nothing is left afterwards.
 */
import { execFileSync } from "node:child_process";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createNetLab, LAB, type Coturn, type LabDevice, type LabRouter, type NetLab } from "../helpers/net-lab/index.js";

let lab: NetLab;
let coturn: Coturn;
let cone: LabRouter;
let symmetric: LabRouter;
let strict: LabRouter;
let phone: LabDevice;
let laptop: LabDevice;
let walled: LabDevice;
const names: string[] = [];

beforeAll(async () => {
  lab = await createNetLab();
  cone = await lab.addRouter("home", { nat: "cone" });
  symmetric = await lab.addRouter("cellular", { nat: "symmetric" });
  strict = await lab.addRouter("office", { nat: "cone", dropInboundUdp: true });
  laptop = await lab.addDevice("laptop", cone);
  phone = await lab.addDevice("phone", symmetric);
  walled = await lab.addDevice("walled", strict);
  coturn = await lab.startCoturn({ auth: "rest" });
  names.push(lab.inet.name, cone.ns.name, symmetric.ns.name, strict.ns.name, laptop.ns.name, phone.ns.name, walled.ns.name);
  console.log(`net lab: built in ${lab.timings.buildMs.toFixed(0)} ms (7 namespaces + coturn start separately)`);
});
afterAll(async () => {
  await lab?.destroy();
  console.log(`net lab: torn down in ${lab?.timings.destroyMs.toFixed(0)} ms`);
  const left = execFileSync("ip", ["netns", "list"], { encoding: "utf8" });
  for (const n of names) expect(left).not.toContain(n);
});

it("a cone router keeps one public port whatever the destination", async () => {
  const p = await lab.probe(laptop);
  console.log(`probe cone: ${JSON.stringify(p)}`);
  expect(p.mapping).toBe("endpoint-independent");
  expect(p.mapped.every((m) => m?.address === cone.wan)).toBe(true);
});

it("a symmetric router gives each destination a new public port", async () => {
  const p = await lab.probe(phone);
  console.log(`probe symmetric: ${JSON.stringify(p)}`);
  expect(p.mapping).toBe("address-and-port-dependent");
  expect(p.mapped.every((m) => m?.address === symmetric.wan)).toBe(true);
});

it("a strict firewall drops inbound UDP: no STUN answer gets back in", async () => {
  const p = await lab.probe(walled);
  expect(p.mapping).toBe("blocked");
});

it("relink moves a device to another network: new address, new public address, old link gone", async () => {
  const device = await lab.addDevice("roamer", cone);
  names.push(device.ns.name);
  const before = await lab.probe(device);
  expect(before.mapped[0]?.address).toBe(cone.wan);
  const oldAddress = device.address;
  await lab.relink(device, symmetric);
  expect(device.address).not.toBe(oldAddress);
  expect(device.address.startsWith(symmetric.lanPrefix + ".")).toBe(true);
  const after = await lab.probe(device);
  expect(after.mapped[0]?.address).toBe(symmetric.wan);
  const links = (await device.ns.exec(["ip", "-o", "addr", "show"])).stdout;
  expect(links).not.toContain(oldAddress);
  // The relay address is reachable only through the new router.
  expect(LAB.relay).toBe("203.0.113.1");
});

it("coturn with use-auth-secret: REST-API credentials minted with its secret allocate, forged ones do not", async () => {
  const uclient = (username: string, credential: string) =>
    laptop.ns.exec(["turnutils_uclient", "-u", username, "-w", credential, "-n", "1", "-m", "1", "-e", LAB.stun[0], "-y", LAB.stun[0]], { timeoutMs: 15_000 });
  const before = coturn.allocations();
  const good = coturn.restCredentials("laptop", 60);
  expect(good.username).toMatch(/^\d+:laptop$/);
  await uclient(good.username, good.credential);
  expect(coturn.allocations()).toBeGreaterThan(before);
  const afterGood = coturn.allocations();
  await uclient(good.username, Buffer.from("forged-credential").toString("base64"));
  const expired = coturn.restCredentials("laptop", -10); // correctly signed, but expired
  await uclient(expired.username, expired.credential);
  expect(coturn.allocations()).toBe(afterGood);
});
