// @kr/doctor: the preflight against the deployed accounts (`make doctor`).
export { type AwsPort, awsPort, bucketLocationRegion } from "./aws";
export {
  allowedPrincipals,
  CHECKS,
  type Check,
  type CheckResult,
  checksFor,
  type DoctorPort,
  runChecks,
  type Status,
  streamChecks,
} from "./checks";
export { runDoctor, USAGE } from "./cli-main";
export { DOCTOR_SETTINGS, type DoctorConfig, loadDoctorConfig } from "./config";
export { type DoctorReport, doctorReport, formatDoctorTable } from "./report";
