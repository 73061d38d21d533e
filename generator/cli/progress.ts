/** Stage messages and progress on stderr: live on a terminal, one line per stage otherwise. */
export interface Reporter {
  stage(message: string): void;
  done(message: string): void;
}

export function makeReporter(quiet: boolean): Reporter {
  const started = Date.now();
  const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1)}s`;
  const tty = process.stderr.isTTY === true;
  let live = false;
  return {
    stage(message) {
      if (quiet) return;
      if (tty) {
        process.stderr.write(`\r\x1b[2K[${elapsed()}] ${message}…`);
        live = true;
      } else {
        process.stderr.write(`[${elapsed()}] ${message}\n`);
      }
    },
    done(message) {
      if (live) process.stderr.write('\r\x1b[2K');
      live = false;
      if (!quiet) process.stderr.write(`[${elapsed()}] ${message}\n`);
    },
  };
}
