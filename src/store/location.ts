/**
 * @module Where the embedded store lives: `--store PATH`, else `EXHUNT_HOME`, else the user's data
 * folder (`%LOCALAPPDATA%\exhunt` on Windows, `$XDG_DATA_HOME/exhunt` or
 * `~/.local/share/exhunt` elsewhere). The database file in that folder is `exhunt.db`.
 */
import { statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve, win32 } from 'node:path';

export const STORE_FILE_NAME = 'exhunt.db';

export type Env = Readonly<Record<string, string | undefined>>;

/** The folder exhunt keeps its data in (not created here). */
export function exhuntHome(env: Env = process.env, platform: NodeJS.Platform = process.platform): string {
  if (env.EXHUNT_HOME) return resolve(env.EXHUNT_HOME);
  if (platform === 'win32') {
    const base = env.LOCALAPPDATA ?? win32.join(env.USERPROFILE ?? homedir(), 'AppData', 'Local');
    return win32.join(base, 'exhunt');
  }
  if (env.XDG_DATA_HOME) return join(env.XDG_DATA_HOME, 'exhunt');
  return join(env.HOME ?? homedir(), '.local', 'share', 'exhunt');
}

/**
 * The database file for `--store PATH`: PATH itself, or `PATH/exhunt.db` when PATH is an
 * existing folder or ends with a separator. Without PATH, `exhunt.db` in {@link exhuntHome}.
 */
export function resolveStorePath(path?: string | null, env: Env = process.env, platform: NodeJS.Platform = process.platform): string {
  if (!path) return join(exhuntHome(env, platform), STORE_FILE_NAME);
  if (/[\\/]$/.test(path) || isDir(path)) return join(path, STORE_FILE_NAME);
  return resolve(path);
}

function isDir(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}
