/**
 * Refuse to run mDNS code on a real network: every interface visible to this process must be
 * one the namespace helper created (`lo`, `lethe0`). Called at the top of every in-namespace
 * suite and script, so running one by hand outside a namespace fails before a packet leaves.
 */
import { networkInterfaces } from "node:os";

export function assertPrivateNetns(): void {
  const names = Object.keys(networkInterfaces());
  const foreign = names.filter((n) => n !== "lo" && n !== "lethe0");
  if (foreign.length > 0 || process.env.LETHE_NETNS === undefined) {
    throw new Error(`refusing to use mDNS outside a private namespace (interfaces: ${names.join(", ")})`);
  }
}
