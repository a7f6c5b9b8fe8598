/** What machine a run was on: recorded in bench/results.json beside the numbers. */
import { readFileSync } from "node:fs";
import os from "node:os";
import type { MachineInfo } from "./table.js";

/**
 * Linux's CPU pressure (PSI, /proc/pressure/cpu): the share of time some task waited for a CPU,
 * averaged over 10, 60 and 300 s, in percent; null where the kernel does not report it. On a
 * shared VM this tells a slow machine from a slow change: the load average counts only this
 * VM's runnable tasks, not the host's other tenants taking its CPUs.
 */
export function cpuPressure(): readonly [number, number, number] | null {
  let text: string;
  try {
    text = readFileSync("/proc/pressure/cpu", "utf8");
  } catch {
    return null; // no PSI here (not Linux, or a kernel without it): the figure is simply absent
  }
  return parseCpuPressure(text);
}

/** The "some" line's three averages from /proc/pressure/cpu's text, or null if it has none. */
export function parseCpuPressure(text: string): readonly [number, number, number] | null {
  const some = /^some avg10=([\d.]+) avg60=([\d.]+) avg300=([\d.]+)/m.exec(text);
  return some ? [Number(some[1]), Number(some[2]), Number(some[3])] : null;
}

/** "some 12.3 / 8.1 / 4.0 % (10 s / 60 s / 300 s)", or "n/a". */
export function cpuPressureLabel(p = cpuPressure()): string {
  return p ? `some ${p.join(" / ")} % (10 s / 60 s / 300 s)` : "n/a";
}

export function machineInfo(): MachineInfo {
  const cpus = os.cpus();
  return {
    cpuModel: cpus[0]?.model ?? "unknown",
    cores: cpus.length,
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
    date: new Date().toISOString(),
    loadAverage: os.loadavg().map((x) => Math.round(x * 100) / 100),
    cpuPressure: cpuPressure(),
  };
}
