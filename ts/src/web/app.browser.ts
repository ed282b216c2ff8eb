// The page's entry (index.html loads the bundle of this file as app.js): tabs and the panels.
import { setUpAnalysisPanel } from './analysis-panel.browser.js';
import { setUpHashPromptsPanel } from './hash-prompts-panel.browser.js';
import { setUpSynthesisPanel } from './synthesis-panel.browser.js';
import { setUpTabs } from './tabs.browser.js';

setUpTabs(document);
setUpAnalysisPanel(document);
setUpSynthesisPanel(document);
setUpHashPromptsPanel(document);
