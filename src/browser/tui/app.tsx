// The ink component of the full-screen browser: the shared full-screen component, drawing the frame that
// screen.ts composes from the controller's state.
import { ScreenApp } from '../../term/screen-app.js';
import type { TuiController } from './controller.js';
import { composeFrame } from './screen.js';

export interface AppProps {
  controller: TuiController;
  colour: boolean;
}

export function App({ controller, colour }: AppProps) {
  return (
    <ScreenApp
      controller={controller}
      columns={(state) => state.columns}
      compose={(state) => {
        const frame = composeFrame(state, colour);
        return [...frame.page, frame.status, frame.prompt];
      }}
    />
  );
}
