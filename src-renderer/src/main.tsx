import { createRoot } from 'react-dom/client';
// Tokens and the shared frame first: each screen's own styles come with its component.
import './theme/tokens.css';
import './theme/base.css';
import './ui/keypad.css';
import { App } from './app/App.js';
import { AudioController } from './audio/audio-controller.js';
import { connectBridge } from './state/bridge.js';
import { createStore } from './state/store.js';
import { followTheme } from './theme/apply-theme.js';

const root = createRoot(document.getElementById('root') as HTMLElement);
try {
  const connection = connectBridge();
  const store = createStore(connection.bridge);
  followTheme(store, {
    root: document.documentElement,
    systemDark: window.matchMedia('(prefers-color-scheme: dark)'),
    storage: () => window.localStorage,
  });
  const audio = new AudioController(connection.audioPort);
  store.subscribe(() => audio.follow(store.getState()));
  root.render(<App store={store} audio={audio.callAudio} />);
} catch (error) {
  root.render(<p className="error">{error instanceof Error ? error.message : String(error)}</p>);
}
