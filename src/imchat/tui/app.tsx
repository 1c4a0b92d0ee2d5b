// The ink component of `plainwire imchat --tui`: the shared full-screen component, drawing the frame that
// screen.ts composes from the controller's state.
import { ScreenApp } from '../../term/screen-app.js';
import type { ImchatTuiController } from './controller.js';
import { composeFrame } from './screen.js';

export interface ImchatAppProps {
  controller: ImchatTuiController;
  colour: boolean;
}

export function ImchatApp({ controller, colour }: ImchatAppProps) {
  return (
    <ScreenApp
      controller={controller}
      columns={(state) => state.columns}
      compose={(state) => {
        const frame = composeFrame(state, colour);
        return [...frame.body, ...frame.held, frame.status, frame.input];
      }}
    />
  );
}
