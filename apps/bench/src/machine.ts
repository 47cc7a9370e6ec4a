import { cpus, loadavg, release, totalmem, type } from "node:os";
import type { Machine } from "./results";

export function describeMachine(backend: string, loadAtStart: number[]): Machine {
  const cpuList = cpus();
  return {
    cpu_model: cpuList[0]?.model.trim() ?? "unknown",
    cores: cpuList.length,
    memory_gb: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
    node_version: process.version,
    os: `${type()} ${release()}`,
    backend,
    load_average_at_start: loadAtStart.map((x) => Math.round(x * 100) / 100),
    load_average_at_end: loadavg().map((x) => Math.round(x * 100) / 100),
  };
}
