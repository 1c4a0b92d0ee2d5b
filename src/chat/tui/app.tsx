// The ink component of `plainwire chat --tui`: the shared full-screen component, drawing the frame that
// screen.ts composes from the controller's state.
import { ScreenApp } from '../../term/screen-app.js';
import type { ChatTuiController } from './controller.js';
import { composeFrame } from './screen.js';

export interface ChatAppProps {
  controller: ChatTuiController;
  colour: boolean;
}

export function ChatApp({ controller, colour }: ChatAppProps) {
  return (
    <ScreenApp
      controller={controller}
      columns={(state) => state.columns}
      compose={(state) => {
        const frame = composeFrame(state, colour);
        return [...frame.body, frame.status, frame.input];
      }}
    />
  );
}
