/** What a CLI command gets: arguments and the three streams, so commands are testable in-process. */
export interface CliIO {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  cwd: string;
  env: Record<string, string | undefined>;
  /** True when stderr is a TTY (enables colours and live progress). */
  isTTY: boolean;
}

/** Exit codes of ../shared/spec/runtime.md. */
export const Exit = { OK: 0, FAILED: 1, USAGE: 2, SUSPENDED: 3 } as const;
