import { isRecord } from '../../../config/fields.js';
import { detectError } from './files.js';

/** What slipway takes from an app.json (Heroku's app manifest). */
export interface AppJson {
  env: Record<string, string>;
  postdeploy: string | null;
  notes: string[];
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** Keys of app.json that need Heroku itself. */
const UNMAPPED = ['addons', 'buildpacks', 'formation', 'stack', 'image'];


function invalid(path: string, message: string): Error {
  return detectError(`app.json ${path} ${message}`);
}

interface Variable {
  value: string | null;
  required: boolean;
  generator: boolean;
}

function variable(name: string, spec: unknown): Variable {
  if (typeof spec === 'string' || typeof spec === 'number' || typeof spec === 'boolean') return { value: String(spec), required: true, generator: false };
  if (!isRecord(spec)) throw invalid(`env.${name}`, 'must be a string or an object such as { "value": "…", "required": false }');
  const { value, required } = spec;
  if (value !== undefined && typeof value !== 'string') throw invalid(`env.${name}.value`, 'must be a string');
  if (required !== undefined && typeof required !== 'boolean') throw invalid(`env.${name}.required`, 'must be true or false');
  // Heroku's default: a variable is required unless it says otherwise; `value` is its default.
  return { value: value ?? null, required: required ?? true, generator: spec.generator !== undefined };
}

/**
 * Reads app.json: its `env` (a value, or `{ value, required }`; a required one needs a value
 * here or in `vars`, slipway's `env:` for the app) and `scripts.postdeploy`. For a pull
 * request's environment (`review`), `environments.review` overrides them, as on Heroku.
 */
export function readAppJson(text: string, vars: Record<string, string>, review: boolean): AppJson {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw detectError(`app.json is not valid JSON (${(error as Error).message}); fix it or remove it`);
  }
  if (!isRecord(data)) throw detectError('app.json must hold a JSON object');
  const overrides = review && isRecord(data.environments) && isRecord(data.environments.review) ? data.environments.review : {};
  const section = (key: string): Record<string, unknown> => {
    for (const [where, value] of [[key, data[key]], [`environments.review.${key}`, overrides[key]]] as const) {
      if (value !== undefined && !isRecord(value)) throw invalid(where, 'must be an object');
    }
    return { ...(data[key] as Record<string, unknown> | undefined), ...(overrides[key] as Record<string, unknown> | undefined) };
  };

  const notes: string[] = [];
  const env: Record<string, string> = {};
  const missing: string[] = [];
  const skipped: string[] = [];
  for (const [name, spec] of Object.entries(section('env'))) {
    if (!NAME.test(name)) throw invalid(`env`, `has ${JSON.stringify(name)}, which is not a variable name (letters, digits and _)`);
    const { value, required, generator } = variable(name, spec);
    if (name === 'PORT' || name.startsWith('SLIPWAY_')) {
      skipped.push(name);
      continue;
    }
    if (value !== null && value !== '') env[name] = value;
    else if (required && (vars[name] ?? '') === '') missing.push(generator ? `${name} (a generated secret on Heroku)` : name);
  }
  if (skipped.length > 0) notes.push(`app.json env ${skipped.join(', ')} ignored: slipway sets ${skipped.length === 1 ? 'it' : 'them'}`);
  if (missing.length > 0) {
    throw detectError(`app.json requires ${missing.join(', ')}, which slipway's config does not set; give ${missing.length === 1 ? 'it' : 'them'} under the app's env: in slipway's config`);
  }

  const scripts = section('scripts');
  let postdeploy: string | null = null;
  for (const [name, script] of Object.entries(scripts)) {
    if (name !== 'postdeploy') {
      notes.push(`app.json scripts.${name} is not run by slipway`);
      continue;
    }
    const command = isRecord(script) ? script.command : script;
    if (typeof command !== 'string' || command.trim() === '' || command.includes('\0')) {
      throw invalid('scripts.postdeploy', 'must be a command, or an object with a "command"');
    }
    postdeploy = command.trim();
  }
  const unmapped = UNMAPPED.filter((key) => data[key] !== undefined || overrides[key] !== undefined);
  if (unmapped.length > 0) notes.push(`app.json ${unmapped.join(', ')} ${unmapped.length === 1 ? 'is' : 'are'} for Heroku; slipway does not provide ${unmapped.length === 1 ? 'it' : 'them'}`);
  return { env, postdeploy, notes };
}
