// One version for every @aws-sdk/* client across the workspace: clients of different releases pull
// different @smithy/* cores into the lockfile and the Lambda's node_modules, and behave differently
// (endpoint resolution, checksums). A client that AWS has not released at the common version is the
// signal to move every client together.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { expect, it } from "vitest";

const root = new URL("../../", import.meta.url).pathname;

function manifests(): string[] {
  return ["packages", "apps"].flatMap((dir) =>
    readdirSync(join(root, dir), { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => join(root, dir, d.name, "package.json"))
      .filter((file) => {
        try {
          readFileSync(file);
          return true;
        } catch {
          return false;
        }
      }),
  );
}

it("every @aws-sdk/* dependency of every workspace package has the same exact version", () => {
  const versions = new Map<string, string[]>();
  for (const file of manifests()) {
    const pkg = JSON.parse(readFileSync(file, "utf8"));
    for (const deps of [pkg.dependencies, pkg.devDependencies]) {
      for (const [name, version] of Object.entries<string>(deps ?? {})) {
        if (!name.startsWith("@aws-sdk/")) continue;
        expect(version, `${file}: ${name}`).toMatch(/^\d+\.\d+\.\d+$/);
        versions.set(version, [...(versions.get(version) ?? []), `${file.slice(root.length)} ${name}`]);
      }
    }
  }
  expect(versions.size, JSON.stringify(Object.fromEntries(versions), null, 2)).toBe(1);
});
