// Where nsinit-oci reports: runc's --log FILE and --log-format text|json. containerd's runc shim
// and podman's conmon read the JSON lines ({"level","msg","time"}) from the log file to explain a
// failed command; errors also go to stderr as one line, as runc prints them.
import { appendFileSync } from 'node:fs';

export type Level = 'debug' | 'info' | 'warning' | 'error';

export interface Logger {
  debugEnabled: boolean;
  log(level: Level, msg: string): void;
}

function logfmtQuote(s: string): string {
  return /^[\w./:-]+$/.test(s) ? s : JSON.stringify(s);
}

export function createLogger(file: string | undefined, format: 'text' | 'json', debug: boolean): Logger {
  const write = (line: string) => {
    if (file === undefined) {
      process.stderr.write(line);
      return;
    }
    try {
      appendFileSync(file, line);
    } catch {
      process.stderr.write(line);
    }
  };
  return {
    debugEnabled: debug,
    log(level, msg) {
      if (level === 'debug' && !debug) return;
      const time = new Date().toISOString();
      write(
        format === 'json'
          ? `${JSON.stringify({ level, msg, time })}\n`
          : `time="${time}" level=${level} msg=${logfmtQuote(msg)}\n`,
      );
    },
  };
}
