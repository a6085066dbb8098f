import { delimiter, join } from 'node:path';
import { detectError, findOnPath } from './files.js';

export const PYTHON_FILES = ['requirements.txt', 'pyproject.toml'] as const;

export interface PythonBuild {
  build: string;
  env: Record<string, string>;
}

/**
 * A Python app: a virtual environment in the worktree (one per sha), made and filled by the
 * build from requirements.txt (else the project of pyproject.toml); its bin folder comes
 * first on PATH for the build, the release step and the web: process.
 */
export async function pythonBuild(workdir: string, requirements: boolean, path: string | undefined): Promise<PythonBuild> {
  if ((await findOnPath('python3', path)) === null) {
    throw detectError(`the app is a Python app (${requirements ? 'requirements.txt' : 'pyproject.toml'}), but python3 is not on slipway's PATH; install Python 3 with its venv module`);
  }
  const venv = join(workdir, '.venv');
  const install = requirements ? '.venv/bin/pip install -r requirements.txt' : '.venv/bin/pip install .';
  return {
    build: `python3 -m venv .venv && ${install}`,
    env: {
      PATH: [join(venv, 'bin'), ...(path === undefined || path === '' ? [] : [path])].join(delimiter),
      VIRTUAL_ENV: venv,
      PIP_DISABLE_PIP_VERSION_CHECK: '1',
      PYTHONUNBUFFERED: '1',
    },
  };
}
