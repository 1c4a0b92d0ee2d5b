// Where the lab keeps its data across runs when --data does not say: the user's state directory, by platform.
import { join, posix, win32 } from 'node:path';

export interface DataDirContext {
  platform: NodeJS.Platform;
  env: NodeJS.ProcessEnv;
  home: string;
}

const NAME = 'plainwire-data';

/**
 * Linux and other Unixes follow the XDG base directories (state, not cache: the store is data a user keeps);
 * macOS and Windows use their per-user application data folders.
 */
export function defaultDataDir(context: DataDirContext): string {
  const { platform, env, home } = context;
  if (platform === 'win32') {
    const base = env.LOCALAPPDATA || win32.join(home, 'AppData', 'Local');
    return win32.join(base, 'plainwire', NAME);
  }
  if (platform === 'darwin') return posix.join(home, 'Library', 'Application Support', 'plainwire', NAME);
  // The XDG spec says a relative XDG_STATE_HOME is invalid and must be ignored.
  const state = env.XDG_STATE_HOME?.startsWith('/')
    ? env.XDG_STATE_HOME
    : posix.join(home, '.local', 'state');
  return posix.join(state, 'plainwire', NAME);
}

/** The store's lmdb directory inside the lab's data directory (plainwire store --data takes the same path). */
export function storeDataDir(dataDir: string): string {
  return join(dataDir, 'store');
}
