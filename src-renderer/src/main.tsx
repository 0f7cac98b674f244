import { createRoot } from 'react-dom/client';
import { App } from './App.js';
import { AudioController } from './audio/audio-controller.js';
import { connectBridge } from './bridge.js';
import { createStore } from './store.js';
import './styles.css';

const root = createRoot(document.getElementById('root') as HTMLElement);
try {
  const connection = connectBridge();
  const store = createStore(connection.bridge);
  const audio = new AudioController(connection.audioPort);
  store.subscribe(() => audio.follow(store.getState()));
  root.render(<App store={store} audio={audio.callAudio} />);
} catch (error) {
  root.render(<p className="error">{error instanceof Error ? error.message : String(error)}</p>);
}
