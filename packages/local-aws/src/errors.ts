/** An error that knows the process exit code a CLI should end with. */
export class LocalAwsError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** A bad or missing setting: exit code 2, like a usage error. */
export class ConfigError extends LocalAwsError {
  constructor(message: string) {
    super(message, 2);
  }
}
