import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: [
      "packages/*/tests/**/*.test.ts",
      "apps/*/tests/**/*.test.ts",
      "stacks/tests/**/*.test.ts",
      "tools/tests/**/*.test.ts",
    ],
    // Tests start real servers (S3, PGlite, PostgreSQL) and child processes: give them room.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
    reporters: ["default", "./tools/plain-summary-reporter.ts"],
  },
});
