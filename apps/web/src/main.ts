import './style.css';
import { App } from './app.js';
import { setupEvalTab, type EvalTabSnapshot } from './eval/tab.js';

const app = new App();
(window as unknown as { __d2pruner: App['snapshot'] }).__d2pruner = app.snapshot;
void app.start(new URL(window.location.href));

const evalTab: EvalTabSnapshot = { state: 'idle', result: null, error: null };
(window as unknown as { __d2prunerEval: EvalTabSnapshot }).__d2prunerEval = evalTab;
setupEvalTab(evalTab);
