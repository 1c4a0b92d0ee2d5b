// The ink component of `plainwire chat --tui`: it feeds keys and resizes to the controller and draws the frame
// that screen.ts composes from the controller's state. Nothing else lives here.
import { Box, Text, useInput, useStdout } from 'ink';
import { useEffect, useSyncExternalStore } from 'react';
import { keysFromInk } from '../../browser/tui/keys.js';
import type { ChatTuiController } from './controller.js';
import { composeFrame } from './screen.js';

export interface ChatAppProps {
  controller: ChatTuiController;
  colour: boolean;
}

export function ChatApp({ controller, colour }: ChatAppProps) {
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

  const frame = composeFrame(state, colour);
  return (
    <Box flexDirection="column" width={state.columns}>
      {frame.body.map((line, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: rows of the screen are identified by their position
        <Text key={i} wrap="truncate">
          {line}
        </Text>
      ))}
      <Text wrap="truncate">{frame.status}</Text>
      <Text wrap="truncate">{frame.input}</Text>
    </Box>
  );
}
