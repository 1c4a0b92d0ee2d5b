import { describe, expect, it } from 'vitest';
import { defaultDataDir, storeDataDir } from '../../src/lab/data-dir.js';

describe('defaultDataDir', () => {
  it('follows XDG_STATE_HOME on Linux, else ~/.local/state', () => {
    expect(
      defaultDataDir({ platform: 'linux', env: { XDG_STATE_HOME: '/xdg/state' }, home: '/home/ada' }),
    ).toBe('/xdg/state/plainwire/plainwire-data');
    expect(defaultDataDir({ platform: 'linux', env: {}, home: '/home/ada' })).toBe(
      '/home/ada/.local/state/plainwire/plainwire-data',
    );
    expect(defaultDataDir({ platform: 'freebsd', env: { XDG_STATE_HOME: '' }, home: '/home/ada' })).toBe(
      '/home/ada/.local/state/plainwire/plainwire-data',
    );
  });

  it('ignores a relative XDG_STATE_HOME, as the XDG spec asks', () => {
    expect(defaultDataDir({ platform: 'linux', env: { XDG_STATE_HOME: 'state' }, home: '/home/ada' })).toBe(
      '/home/ada/.local/state/plainwire/plainwire-data',
    );
  });

  it('uses Application Support on macOS and LOCALAPPDATA on Windows', () => {
    expect(defaultDataDir({ platform: 'darwin', env: {}, home: '/Users/ada' })).toBe(
      '/Users/ada/Library/Application Support/plainwire/plainwire-data',
    );
    expect(
      defaultDataDir({
        platform: 'win32',
        env: { LOCALAPPDATA: 'C:\\Users\\ada\\AppData\\Local' },
        home: 'C:\\Users\\ada',
      }),
    ).toBe('C:\\Users\\ada\\AppData\\Local\\plainwire\\plainwire-data');
    expect(defaultDataDir({ platform: 'win32', env: {}, home: 'C:\\Users\\ada' })).toBe(
      'C:\\Users\\ada\\AppData\\Local\\plainwire\\plainwire-data',
    );
  });

  it('keeps the store in a directory of its own inside it', () => {
    expect(storeDataDir('/data/plainwire-data')).toBe('/data/plainwire-data/store');
  });
});
