import { createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import * as z from 'zod';
import { always, strictShape, unknownKeyReported, wholeNumber } from './fields.js';

/** A GitHub App's credentials, the key read and checked: what slipway signs its JWTs with. */
export interface GitHubAppConfig {
  /** The App ID shown on the App's settings page. */
  id: number;
  /** The App's private key (PEM). A secret: never printed. */
  privateKey: string;
}

const NOT_A_KEY = 'is not a PEM private key; give the whole .pem file GitHub generated for the App, from -----BEGIN to -----END';

/**
 * `github.app`: `id` and exactly one of `privateKey` (the PEM text) or `privateKeyPath` (read
 * now, relative to `baseDir`), checked to be an RSA private key. Messages never quote the key.
 */
export function githubAppSchema(baseDir: string) {
  return strictShape({
    id: wholeNumber(1, Number.MAX_SAFE_INTEGER, 'expected the App ID, a whole number from the App\'s settings page'),
    privateKey: z.string().min(1).optional(),
    privateKeyPath: z.string().min(1).optional(),
  })
    .superRefine((app, ctx) => {
      if (unknownKeyReported(ctx)) return;
      if ((app.privateKey === undefined) === (app.privateKeyPath === undefined)) {
        ctx.addIssue({ code: 'custom', message: 'give exactly one of privateKey (the PEM text) or privateKeyPath (a file holding it)' });
      }
    }, { when: always })
    .transform((app, ctx): GitHubAppConfig => {
      if (app.privateKeyPath !== undefined) {
        const file = resolve(baseDir, app.privateKeyPath);
        const pem = readKey(file);
        if (pem.problem !== null) ctx.addIssue({ code: 'custom', path: ['privateKeyPath'], message: `${file} ${pem.problem}` });
        return { id: app.id, privateKey: pem.text };
      }
      // A key set from an environment variable often has its newlines written as "\n".
      const given = app.privateKey ?? '';
      const privateKey = given.includes('\n') ? given : given.replaceAll('\\n', '\n');
      const problem = keyProblem(privateKey);
      if (problem !== null) ctx.addIssue({ code: 'custom', path: ['privateKey'], message: problem });
      return { id: app.id, privateKey };
    });
}

function readKey(file: string): { text: string; problem: string | null } {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'does not exist' : code === 'EACCES' || code === 'EPERM' ? 'cannot be read: permission denied' : code === 'EISDIR' ? 'is a directory, not a key file' : `cannot be read (${code ?? 'unknown error'})`;
    return { text: '', problem: reason };
  }
  return { text, problem: keyProblem(text) };
}

/** Null for an RSA private key in PEM (PKCS#1 as GitHub gives it, or PKCS#8); else what is wrong. */
function keyProblem(text: string): string | null {
  if (!text.includes('-----BEGIN')) return NOT_A_KEY;
  try {
    const key = createPrivateKey({ key: text, format: 'pem' });
    return key.asymmetricKeyType === 'rsa' ? null : `is a ${key.asymmetricKeyType ?? 'non-RSA'} key; GitHub Apps sign with RSA keys: give the .pem file GitHub generated for the App`;
  } catch {
    return NOT_A_KEY;
  }
}
