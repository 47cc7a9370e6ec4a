// A batch cut by its statement_timeout: which limit it was, that nothing of the batch is loaded, and
// what to change (the run-level cases are in lock-wait.test.ts and stale-session.test.ts).
import { describe, expect, it } from "vitest";
import { isStatementCancelled, statementCancelledMessage } from "../src/batch-timeout";

const batch = { files: 3, bytes: 3 * 1024 * 1024 };
const server = "canceling statement due to statement timeout";

describe("a batch's cancelled statement", () => {
  it("is SQLSTATE 57014, whatever the server's words", () => {
    expect(isStatementCancelled(Object.assign(new Error(server), { code: "57014" }))).toBe(true);
    expect(
      isStatementCancelled(
        Object.assign(new Error("Query (42) cancelled on user's request"), { code: "57014" }),
      ),
    ).toBe(true);
    expect(isStatementCancelled(Object.assign(new Error(server), { code: "40P01" }))).toBe(false);
    expect(isStatementCancelled(new Error(server))).toBe(false);
    expect(isStatementCancelled(undefined)).toBe(false);
  });

  it("at the run's deadline: names the budget, says nothing is loaded, and what to change", () => {
    const message = statementCancelledMessage(
      "events",
      batch,
      { budgetMs: 5_000, statementTimeoutSeconds: 0 },
      server,
    );
    expect(message).toMatch(
      /^events: a statement of the batch \(3 files, 3\.0 MiB\) was cancelled at this run's deadline \(time budget 5\.0 s\)/,
    );
    expect(message).toContain("nothing of it is loaded");
    expect(message).toContain(
      "Run the same command again: the next batches of this stream take at most half these bytes",
    );
    expect(message).toContain("LOAD_TIME_BUDGET_SECONDS");
    expect(message).toContain("LOAD_BATCH_MAX_BYTES");
    expect(message).toContain("LOAD_STALE_SESSION_SECONDS");
    expect(message).toMatch(/\(server: canceling statement due to statement timeout\)$/);
  });

  it("in the Lambda: the function's timeout, not a setting it does not read", () => {
    const message = statementCancelledMessage(
      "utm",
      { files: 1, bytes: 2048 },
      { budgetMs: 840_000, fromLambda: true, statementTimeoutSeconds: 0 },
      server,
    );
    expect(message).toMatch(
      /^utm: a statement of the batch \(1 file, 2\.0 KiB\) was cancelled at this run's deadline \(time budget 840\.0 s\)/,
    );
    expect(message).toContain("give the function a longer timeout");
    expect(message).not.toContain("LOAD_TIME_BUDGET_SECONDS");
  });

  it("without a budget: LOAD_STATEMENT_TIMEOUT_SECONDS, or a limit set outside the loader", () => {
    const limited = statementCancelledMessage("events", batch, { statementTimeoutSeconds: 600 }, server);
    expect(limited).toContain("ran longer than LOAD_STATEMENT_TIMEOUT_SECONDS=600 and was cancelled");
    expect(limited).toContain("nothing of it is loaded");
    expect(limited).toContain("the next batches of this stream take at most half these bytes");
    const outside = statementCancelledMessage("events", batch, { statementTimeoutSeconds: 0 }, server);
    expect(outside).toContain("pg_cancel_backend");
    expect(outside).toContain("nothing of it is loaded");
    expect(outside).toContain("the next batches of this stream take at most half these bytes");
  });
});
