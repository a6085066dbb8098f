import { readFile } from 'node:fs/promises';
import { UsageError } from './args.js';

/** Reads a JSON payload from a file ("-" for standard input); an unreadable or invalid one is a usage error. */
export async function readPayloadFile(file: string): Promise<{ text: string; value: unknown }> {
  let text: string;
  try {
    text = file === '-' ? await readStdin() : await readFile(file, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read --payload ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  try {
    return { text, value: JSON.parse(text) as unknown };
  } catch {
    throw new UsageError(`--payload ${file} is not valid JSON`);
  }
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
