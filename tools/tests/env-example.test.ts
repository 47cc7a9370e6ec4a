// .env.example must work both for node (process.loadEnvFile) and for a POSIX shell (`set -a; . ./.env`),
// and mean the same to both.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parseEnv } from "node:util";
import { expect, it } from "vitest";

const file = fileURLToPath(new URL("../../.env.example", import.meta.url));

it(".env.example is sourceable by sh and gives the values node reads", () => {
  const node = parseEnv(readFileSync(file, "utf8"));
  const names = Object.keys(node);
  expect(names.length).toBeGreaterThan(20);
  // Print each variable after sourcing, NUL-separated, so empty and spaced values survive.
  const script = `set -eu; set -a; . "$1"; for n in ${names.join(" ")}; do eval "printf '%s=%s\\\\0' \\"$n\\" \\"\\\${$n}\\""; done`;
  const run = spawnSync("sh", ["-c", script, "sh", file], {
    encoding: "utf8",
    env: { PATH: process.env.PATH },
  });
  expect(run.stderr).toBe("");
  expect(run.status).toBe(0);
  const shell = Object.fromEntries(
    run.stdout
      .split("\0")
      .filter(Boolean)
      .map((pair) => [pair.slice(0, pair.indexOf("=")), pair.slice(pair.indexOf("=") + 1)]),
  );
  expect(shell).toEqual(node);
  expect(shell.LOAD_SCHEDULE).toBe("rate(1 hour)");
});
