// Finds Terraform and the hashicorp/aws provider on this machine (a filesystem mirror or a plugin
// cache) and prepares a scratch copy of a synthesized stack that Terraform can init offline: a CLI
// config (TF_CLI_CONFIG_FILE) that installs hashicorp/aws only from that mirror, and an
// override.tf.json pinning the provider version the mirror holds. The product's cdk.tf.json is
// copied, never edited (it pins the version production uses).
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { delimiter, join } from "node:path";

const PROVIDER = "registry.terraform.io/hashicorp/aws";

export interface ProviderMirror {
  /** The mirror root (holds registry.terraform.io/hashicorp/aws/<version>/<os_arch>/). */
  readonly dir: string;
  /** The newest version of hashicorp/aws in it for this platform. */
  readonly version: string;
}

/** Terraform's own implied mirror directories, the plugin cache, and this image's /opt/tf-plugins. */
export function mirrorCandidates(env: NodeJS.ProcessEnv = process.env): string[] {
  const home = env.HOME ?? homedir();
  const xdg = env.XDG_DATA_HOME ?? join(home, ".local", "share");
  return [
    env.TF_PLUGIN_CACHE_DIR,
    "/opt/tf-plugins",
    join(home, ".terraform.d", "plugins"),
    join(xdg, "terraform", "plugins"),
    "/usr/local/share/terraform/plugins",
    "/usr/share/terraform/plugins",
  ].filter((dir): dir is string => Boolean(dir));
}

function platform(): string {
  const arch = process.arch === "x64" ? "amd64" : process.arch;
  return `${process.platform}_${arch}`;
}

/** Compares dotted numeric versions (5.100.0 > 5.99.1). */
export function compareVersions(a: string, b: string): number {
  const pa = a.split(".").map(Number);
  const pb = b.split(".").map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** The first candidate directory holding an unpacked hashicorp/aws provider for this platform. */
export function findProviderMirror(candidates = mirrorCandidates()): ProviderMirror | undefined {
  for (const dir of candidates) {
    const base = join(dir, PROVIDER);
    if (!existsSync(base)) continue;
    const versions = readdirSync(base)
      .filter((v) => /^\d+\.\d+\.\d+$/.test(v) && existsSync(join(base, v, platform())))
      .sort(compareVersions);
    const version = versions.at(-1);
    if (version) return { dir, version };
  }
  return undefined;
}

/** The path of `name` on PATH, or undefined. */
export function which(name: string, path = process.env.PATH ?? ""): string | undefined {
  for (const dir of path.split(delimiter)) {
    const file = join(dir, name);
    if (dir && existsSync(file)) return file;
  }
  return undefined;
}

/** `terraform version` first line, e.g. "Terraform v1.11.4". */
export function terraformVersion(bin: string): string {
  return execFileSync(bin, ["version"], { encoding: "utf8" }).split("\n")[0] ?? "";
}

/** A Terraform CLI config that installs hashicorp/aws from the mirror only (no registry access). */
export function cliConfig(mirror: ProviderMirror): string {
  return [
    "provider_installation {",
    "  filesystem_mirror {",
    `    path    = ${JSON.stringify(mirror.dir)}`,
    `    include = [${JSON.stringify(PROVIDER)}]`,
    "  }",
    "  direct {",
    `    exclude = [${JSON.stringify(PROVIDER)}]`,
    "  }",
    "}",
    "",
  ].join("\n");
}

/** override.tf.json: Terraform merges it over cdk.tf.json, replacing the provider version constraint. */
export function providerOverride(version: string): string {
  return `${JSON.stringify({ terraform: { required_providers: { aws: { source: "hashicorp/aws", version } } } }, null, 2)}\n`;
}

/** Writes the CLI config into `dir` and returns the env that points Terraform at it. */
export function writeCliConfig(dir: string, mirror: ProviderMirror): NodeJS.ProcessEnv {
  const file = join(dir, "terraformrc");
  writeFileSync(file, cliConfig(mirror));
  return { TF_CLI_CONFIG_FILE: file, TF_IN_AUTOMATION: "1", CHECKPOINT_DISABLE: "1" };
}

/** A scratch copy of a synthesized stack directory with the provider pinned to the mirror's version. */
export function scratchStack(stackDir: string, mirror: ProviderMirror, into?: string): string {
  const dir = into ?? mkdtempSync(join(tmpdir(), "kr-tf-"));
  cpSync(stackDir, dir, { recursive: true });
  // Indented, so Terraform's diagnostics quote one line instead of the whole one-line JSON.
  const json = join(dir, "cdk.tf.json");
  writeFileSync(json, `${JSON.stringify(JSON.parse(readFileSync(json, "utf8")), null, 2)}\n`);
  writeFileSync(join(dir, "override.tf.json"), providerOverride(mirror.version));
  return dir;
}
