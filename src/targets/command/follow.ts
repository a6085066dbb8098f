import { open, type FileHandle } from 'node:fs/promises';

/** How often a followed file is read for what was added. */
const FOLLOW_MS = 50;

/**
 * Passes on what is appended to a file while a command writes it (its output goes to a file,
 * not a pipe, so it survives a killed slipway); `stop` passes on the rest and stops.
 */
export class FileFollower {
  private position = 0;
  private readonly timer: NodeJS.Timeout;
  private reading: Promise<void> = Promise.resolve();
  private handle: Promise<FileHandle | null>;

  constructor(
    file: string,
    private readonly onChunk: (chunk: Buffer) => void,
  ) {
    this.handle = open(file, 'r').catch(() => null);
    this.timer = setInterval(() => this.tick(), FOLLOW_MS);
  }

  private tick(): void {
    this.reading = this.reading.then(() => this.read());
  }

  private async read(): Promise<void> {
    const handle = await this.handle;
    if (handle === null) return;
    const buffer = Buffer.alloc(64 * 1024);
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, this.position);
      if (bytesRead === 0) return;
      this.position += bytesRead;
      this.onChunk(Buffer.from(buffer.subarray(0, bytesRead)));
    }
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.tick();
    await this.reading;
    await (await this.handle)?.close();
  }
}
