/** An error that carries the exit code the CLI ends with. */
export class GeneratorError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** Bad flags: exit 2, with a message that says what to type. */
export class UsageError extends GeneratorError {
  constructor(message: string) {
    super(message, 2);
  }
}

/** Bad or missing settings: exit 2, naming each one. */
export class ConfigError extends GeneratorError {
  constructor(message: string) {
    super(message, 2);
  }
}
