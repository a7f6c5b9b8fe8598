/**
 * Advertise a nameplate on IFACE and wait to be killed (test/adapters/discovery/mdns/lan-veth.test.ts sends
 * SIGTERM): the adapter's signal handler must send goodbyes before the process dies.
 */
import { mdnsDiscovery } from "../../../../../src/adapters/discovery/mdns/index.js";
import { assertPrivateNetns } from "../netns/guard.js";

assertPrivateNetns();
const [iface, nameplate] = process.argv.slice(2);
const discovery = mdnsDiscovery({ interface: iface! })();
await discovery.advertise({ nameplate: nameplate!, address: iface!, port: 4999 });
console.log("advertised");
