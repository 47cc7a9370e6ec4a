// moto_server (a third-party AWS emulator, on the image) as one emulated AWS account, for tests that
// need real AWS API answers (STS, S3, IAM, Redshift, Lambda, Firehose) from a real HTTP endpoint.
import { type ChildProcess, spawn } from "node:child_process";
import { createServer } from "node:net";

export interface MotoServer {
  /** http://127.0.0.1:<port> */
  endpoint: string;
  accountId: string;
  close(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() =>
        typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port")),
      );
    });
  });
}

/**
 * Starts `python3 -m moto.server` answering as `accountId` (MOTO_ACCOUNT_ID). Throws with what to install
 * when moto is missing. KR_REHEARSE_PYTHON picks another Python, as for `make rehearse`.
 */
export async function startMotoServer(options: { accountId?: string } = {}): Promise<MotoServer> {
  const accountId = options.accountId ?? "123456789012";
  const port = await freePort();
  const python = process.env.KR_REHEARSE_PYTHON ?? "python3";
  let log = "";
  const child: ChildProcess = spawn(python, ["-m", "moto.server", "-H", "127.0.0.1", "-p", String(port)], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, MOTO_ACCOUNT_ID: accountId },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout?.on("data", (d) => (log += d));
  child.stderr?.on("data", (d) => (log += d));
  const endpoint = `http://127.0.0.1:${port}`;
  const close = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once("exit", () => resolve());
      child.kill("SIGTERM");
    });
  for (let i = 0; i < 150; i++) {
    if (child.exitCode !== null) {
      throw new Error(
        `moto_server exited ${child.exitCode} (pip install 'moto[server]>=5.2', or set KR_REHEARSE_PYTHON):\n${log}`,
      );
    }
    const up = await fetch(`${endpoint}/moto-api/`).then(
      () => true,
      () => false,
    );
    if (up) return { endpoint, accountId, close };
    await new Promise((r) => setTimeout(r, 200));
  }
  await close();
  throw new Error(`moto_server did not answer on ${endpoint} in 30 s:\n${log}`);
}
