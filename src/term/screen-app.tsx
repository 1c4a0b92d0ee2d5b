// The one ink component of plainwire's full-screen programs (browse --tui, chat --tui): it feeds keys and resizes
// to a controller and draws the rows a pure function composes from the controller's state. Nothing else lives
// here; each program's screen.ts decides what the rows say.
import { Box, Text, useInput, useStdout } from 'ink';
import { useEffect, useSyncExternalStore } from 'react';
import { keysFromInk, type TuiKey } from './keys.js';

export interface ScreenController<S> {
  subscribe(listener: () => void): () => void;
  getState(): S;
  resize(columns: number, rows: number): void;
  key(key: TuiKey): void;
}

export interface ScreenAppProps<S> {
  controller: ScreenController<S>;
  /** Every row of the screen, top to bottom, for this state. */
  compose(state: S): string[];
  columns(state: S): number;
}

export function ScreenApp<S>({ controller, compose, columns }: ScreenAppProps<S>) {
  const { stdout } = useStdout();
  const state = useSyncExternalStore(controller.subscribe, controller.getState);

  useEffect(() => {
    const onResize = (): void => controller.resize(stdout.columns || 80, stdout.rows || 24);
    stdout.on('resize', onResize);
    return () => {
      stdout.off('resize', onResize);
    };
  }, [stdout, controller]);

  useInput((input, key) => {
    for (const k of keysFromInk(input, key)) controller.key(k);
  });

  return (
    <Box flexDirection="column" width={columns(state)}>
      {compose(state).map((line, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: rows of the screen are identified by their position
        <Text key={i} wrap="truncate">
          {line === '' ? ' ' : line}
        </Text>
      ))}
    </Box>
  );
}
