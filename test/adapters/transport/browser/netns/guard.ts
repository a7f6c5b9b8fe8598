/**
 * Refuse to start Chromium on a real network: every interface this process sees must be one
 * the browser namespace wrapper created (lo and the in-namespace veth pair), and LETHE_NETNS
 * must be set. Run by hand outside a namespace, a browser suite fails before a packet leaves.
 */
import { networkInterfaces } from "node:os";
import { BROWSER_NETNS_IFACES } from "../helpers/browser-netns.js";

export function assertBrowserNetns(): void {
  const names = Object.keys(networkInterfaces());
  const foreign = names.filter((n) => n !== "lo" && !BROWSER_NETNS_IFACES.includes(n));
  if (foreign.length > 0 || process.env.LETHE_NETNS === undefined) {
    throw new Error(`refusing to run Chromium outside a private namespace (interfaces: ${names.join(", ")})`);
  }
}
