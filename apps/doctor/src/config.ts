// The doctor's only reader of the environment: the settings that name what it checks (resource names
// come from @kr/contract's names, never re-derived here).
import {
  clusterName,
  copyRoleName,
  deliveryStreamName,
  type EnvRecord,
  eventsBucketName,
  loaderFunctionName,
  loaderRoleName,
  readSettings,
  type SettingName,
  SettingsError,
} from "@kr/contract";

export const DOCTOR_SETTINGS = [
  "KR_PROJECT",
  "KR_STREAMS",
  "AWS_REGION",
  "ACCOUNT_A_ID",
  "ACCOUNT_B_ID",
  "ACCOUNT_A_PROFILE",
  "ACCOUNT_B_PROFILE",
  "LOAD_FUNCTION_NAME",
] as const satisfies readonly SettingName[];

export interface AccountConfig {
  /** "A" (ingest) or "B" (warehouse). */
  which: "A" | "B";
  id: string;
  /** The AWS CLI profile; undefined = the default credential chain. */
  profile?: string;
  /** The setting that names the profile, for fix texts. */
  profileSetting: "ACCOUNT_A_PROFILE" | "ACCOUNT_B_PROFILE";
}

export interface DoctorConfig {
  project: string;
  region: string;
  streams: readonly string[];
  a: AccountConfig;
  b: AccountConfig;
  bucket: string;
  /** Account B's roles the bucket policy must name (the loader reads, Redshift's COPY role reads). */
  loaderRole: string;
  copyRole: string;
  cluster: string;
  functionName: string;
  /** stream → delivery stream name. */
  deliveryStreams: Readonly<Record<string, string>>;
}

/** Throws SettingsError (exit 2) naming every bad or missing setting. */
export function loadDoctorConfig(env: EnvRecord): DoctorConfig {
  const s = readSettings(env, DOCTOR_SETTINGS, (v) => [
    ...(v.ACCOUNT_A_ID ? [] : ["ACCOUNT_A_ID is required: the doctor checks the deployed ingest account"]),
    ...(v.ACCOUNT_B_ID ? [] : ["ACCOUNT_B_ID is required: the doctor checks the deployed warehouse account"]),
  ]);
  const a = s.ACCOUNT_A_ID as string;
  const b = s.ACCOUNT_B_ID as string;
  const project = s.KR_PROJECT;
  return {
    project,
    region: s.AWS_REGION,
    streams: [...s.KR_STREAMS],
    a: {
      which: "A",
      id: a,
      ...(s.ACCOUNT_A_PROFILE && { profile: s.ACCOUNT_A_PROFILE }),
      profileSetting: "ACCOUNT_A_PROFILE",
    },
    b: {
      which: "B",
      id: b,
      ...(s.ACCOUNT_B_PROFILE && { profile: s.ACCOUNT_B_PROFILE }),
      profileSetting: "ACCOUNT_B_PROFILE",
    },
    bucket: eventsBucketName(project, a),
    loaderRole: loaderRoleName(project),
    copyRole: copyRoleName(project),
    cluster: clusterName(project),
    functionName: s.LOAD_FUNCTION_NAME ?? loaderFunctionName(project),
    deliveryStreams: Object.fromEntries(
      s.KR_STREAMS.map((stream) => [stream, deliveryStreamName(project, stream)]),
    ),
  };
}

export { SettingsError };
