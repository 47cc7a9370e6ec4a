// Structured JSON log lines (one object per line on stdout: CloudWatch Logs parses them).
export type LogLevel = "info" | "warn" | "error";
export type Logger = (level: LogLevel, message: string, fields?: Record<string, unknown>) => void;

export function jsonLogger(
  write: (line: string) => void = (line) => process.stdout.write(`${line}\n`),
): Logger {
  return (level, message, fields = {}) => {
    write(JSON.stringify({ level, time: new Date().toISOString(), message, ...fields }));
  };
}
