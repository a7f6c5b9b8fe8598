/**
 * Advertise a nameplate on IFACE and wait to be killed (test/mdns/lan-veth.test.ts sends
 * SIGTERM): the adapter's signal handler must send goodbyes before the process dies.
 */
import { mdnsDiscovery } from "../../../src/adapters/mdns/index.js";
import { assertPrivateNetns } from "../netns/guard.js";

assertPrivateNetns();
const [iface, nameplate] = process.argv.slice(2);
const discovery = mdnsDiscovery({ interface: iface! });
await discovery.advertise({ nameplate: nameplate!, address: iface!, port: 4999 });
console.log("advertised");
