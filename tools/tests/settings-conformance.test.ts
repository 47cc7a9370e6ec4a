// Every package's settings reader, run over one table of good and bad values: they must agree.
// (#11 found KR_PROJECT=a passing three readers and failing infra, `_x` passing only the loader, ...)
import { describe, expect, it } from "vitest";
import { loadBenchConfig } from "../../apps/bench/src/config";
import { DOCTOR_SETTINGS, loadDoctorConfig } from "../../apps/doctor/src/config";
import { INFRA_ENV_SETTINGS, parseInfraConfig } from "../../apps/infra/src/config";
import {
  SETTINGS,
  type SettingName,
  type SettingUser,
  settingsUsedBy,
} from "../../packages/contract/src/index";
import { GENERATOR_SETTINGS, loadGeneratorConfig } from "../../packages/generator/src/config";
import { LOADER_SETTINGS, loadConfig } from "../../packages/loader/src/config";
import { LOCAL_STACK_SETTINGS, loadLocalStackConfig } from "../../packages/local-aws/src/config";

type Env = Record<string, string>;
/** Each package's reader; local mode so that no AWS-only requirement gets in the way. */
const READERS: Record<
  Exclude<SettingUser, "demo">,
  { names: readonly string[]; read: (env: Env) => unknown }
> = {
  loader: { names: LOADER_SETTINGS, read: (env) => loadConfig({ KR_MODE: "local", ...env }) },
  generator: { names: GENERATOR_SETTINGS, read: (env) => loadGeneratorConfig({ KR_MODE: "local", ...env }) },
  "local-aws": { names: LOCAL_STACK_SETTINGS, read: (env) => loadLocalStackConfig(env) },
  infra: { names: INFRA_ENV_SETTINGS, read: (env) => parseInfraConfig(env, {}, { stateDir: "/tmp" }) },
  // The doctor always checks deployed accounts: the two account ids are required.
  doctor: {
    names: DOCTOR_SETTINGS,
    read: (env) => loadDoctorConfig({ ACCOUNT_A_ID: "111111111111", ACCOUNT_B_ID: "222222222222", ...env }),
  },
  bench: {
    names: ["PG_URL", "FIREHOSE_BUFFER_SIZE_MB", "FIREHOSE_BUFFER_INTERVAL_SECONDS"],
    read: (env) => loadBenchConfig({ env }),
  },
};

/** Values every reader of the setting must accept, and values every reader must refuse naming it. */
const TABLE: Partial<Record<SettingName, { good: string[]; bad: string[] }>> = {
  KR_MODE: { good: ["local"], bad: ["cloud", "LOCAL"] },
  KR_PROJECT: { good: ["kr", "acme-data", "a1"], bad: ["a", "kr-", "a--b", "Kr", "1kr", "x".repeat(31)] },
  KR_STREAMS: { good: ["events", "events,utm", "x_1"], bad: ["_x", "Events", "a-b", "events,events", "1a"] },
  AWS_REGION: { good: ["eu-west-1", "eu-west-10", "us-gov-west-1"], bad: ["Europe", "eu_west_1", "eu-west"] },
  ACCOUNT_A_ID: { good: ["123456789012"], bad: ["12345", "12345678901x"] },
  ACCOUNT_B_ID: { good: ["210987654321"], bad: ["1"] },
  ACCOUNT_A_PROFILE: { good: ["kr-ingest"], bad: ["my profile"] },
  S3_BUCKET: { good: ["kr-events", "my.bucket-1"], bad: ["Bad_Bucket", "ab", "xn--x"] },
  S3_ENDPOINT: { good: ["http://127.0.0.1:4569"], bad: ["127.0.0.1:4569", "ftp://x"] },
  FIREHOSE_ENDPOINT: { good: ["http://127.0.0.1:4573"], bad: ["localhost:4573"] },
  FIREHOSE_BUFFER_SIZE_MB: { good: ["1", "128"], bad: ["0", "129", "5m"] },
  FIREHOSE_BUFFER_INTERVAL_SECONDS: { good: ["0", "900"], bad: ["901", "-1", "5m"] },
  RS_HOST: { good: ["127.0.0.1", "localhost"], bad: ["db host", "db:5439"] },
  RS_PORT: { good: ["5439", "65535"], bad: ["65536", "54x", "-1"] },
  RS_DATABASE: { good: ["dev", "analytics_1"], bad: ["Dev-DB", "1db"] },
  RS_USER: { good: ["loader"], bad: ["bad user"] },
  RS_SCHEMA: { good: ["public", "_x"], bad: ["public; drop", "Public"] },
  LOAD_MAX_ERRORS: { good: ["0", "99999"], bad: ["100000", "-1"] },
  LOAD_LOOKBACK_HOURS: { good: ["1", "48"], bad: ["0", "8785"] },
  PG_URL: { good: ["postgres://postgres@127.0.0.1:5432/postgres"], bad: ["mysql://x"] },
};

function outcome(read: (env: Env) => unknown, env: Env): "ok" | string[] {
  try {
    read(env);
    return "ok";
  } catch (error) {
    const problems = (error as { problems?: readonly string[] }).problems;
    return problems ? [...problems] : [(error as Error).message];
  }
}

describe("every package reads the settings the contract says it reads", () => {
  it.each(Object.keys(READERS))("%s", (user) => {
    const { names } = READERS[user as keyof typeof READERS];
    expect([...names].sort()).toEqual(settingsUsedBy(user as SettingUser).sort());
  });
});

describe("all readers agree on one table of values", () => {
  const cases = Object.entries(TABLE).flatMap(([name, { good, bad }]) => [
    ...good.map((value) => [name, value, true] as const),
    ...bad.map((value) => [name, value, false] as const),
  ]);
  it.each(cases)("%s=%j accepted: %s", (name, value, accepted) => {
    const users = SETTINGS[name as SettingName].usedBy.filter((u): u is keyof typeof READERS => u in READERS);
    expect(users.length).toBeGreaterThan(0);
    for (const user of users) {
      const result = outcome(READERS[user].read, { [name]: value });
      if (accepted) expect(result, `${user} should accept ${name}=${value}`).toBe("ok");
      else {
        expect(result, `${user} should refuse ${name}=${value}`).not.toBe("ok");
        expect(String(result), user).toContain(name);
      }
    }
  });
});
