import { createRoot } from 'react-dom/client';
import { App } from './App.js';
import { connectBridge } from './bridge.js';
import { createStore } from './store.js';
import './styles.css';

const root = createRoot(document.getElementById('root') as HTMLElement);
try {
  root.render(<App store={createStore(connectBridge())} />);
} catch (error) {
  root.render(<p className="error">{error instanceof Error ? error.message : String(error)}</p>);
}
