/** Progress lines on stderr, so stdout carries only the table. */
export type Progress = (message: string) => void;

export function stderrProgress(start = performance.now()): Progress {
  return (message: string) => {
    const seconds = ((performance.now() - start) / 1000).toFixed(1).padStart(6);
    process.stderr.write(`[bench ${seconds}s] ${message}\n`);
  };
}

export const silentProgress: Progress = () => {};
