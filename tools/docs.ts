// pnpm run docs: regenerates the settings tables in README.md and docs/ from @kr/contract.
import { writeSettingsDocs } from "./settings-docs";

const changed = writeSettingsDocs(new URL("../", import.meta.url));
process.stdout.write(changed.length ? `docs: updated ${changed.join(", ")}\n` : "docs: up to date\n");
