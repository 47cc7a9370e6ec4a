import { fileURLToPath } from "node:url";

/** The repository root (apps/bench/src → ../../..), whatever the working directory. */
export const REPO_ROOT = fileURLToPath(new URL("../../../", import.meta.url));
