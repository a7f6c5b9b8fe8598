/** Browse `_lethe._tcp` on IFACE with a plain bonjour-service browser; print up/down lines. */
import { Bonjour, type Service } from "bonjour-service";
import { assertPrivateNetns } from "../netns/guard.js";

assertPrivateNetns();
const [iface] = process.argv.slice(2);
const b = new Bonjour({ interface: iface, bind: "0.0.0.0" } as never);
const browser = b.find({ type: "lethe", protocol: "tcp" });
const np = (s: Service) => (s.txt as Record<string, string> | undefined)?.np;
browser.on("up", (s: Service) => console.log(`up ${np(s)} from ${s.referer?.address}`));
browser.on("down", (s: Service) => {
  console.log(`down ${np(s)}`);
  b.destroy(() => process.exit(0));
});
console.log("watching");
