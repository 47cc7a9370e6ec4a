import { mkdir, writeFile } from "node:fs/promises";
import { Session } from "node:inspector/promises";
import { join, resolve } from "node:path";

/** A V8 CPU profile of this process between start and stop, written as <dir>/<name>.cpuprofile. */
export async function startProfiler(): Promise<{ stop(dir: string, name: string): Promise<string> }> {
  const session = new Session();
  session.connect();
  await session.post("Profiler.enable");
  await session.post("Profiler.setSamplingInterval", { interval: 500 });
  await session.post("Profiler.start");
  return {
    async stop(dir, name) {
      const { profile } = await session.post("Profiler.stop");
      session.disconnect();
      const target = resolve(dir);
      await mkdir(target, { recursive: true });
      const file = join(target, `${name}.cpuprofile`);
      await writeFile(file, JSON.stringify(profile));
      return file;
    },
  };
}
