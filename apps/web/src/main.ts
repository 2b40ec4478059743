import './style.css';
import { App } from './app.js';

const app = new App();
(window as unknown as { __d2pruner: App['snapshot'] }).__d2pruner = app.snapshot;
void app.start(new URL(window.location.href));
