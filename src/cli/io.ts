// Where a CLI command writes: the process's streams, or a test's buffers.

export interface Io {
  stdout: { write(s: string): unknown };
  stderr: { write(s: string): unknown };
}

/** The process's own streams. */
export const processIo = (): Io => ({ stdout: process.stdout, stderr: process.stderr });
