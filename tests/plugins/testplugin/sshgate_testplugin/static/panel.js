// Loaded by the page as an ES module when the test plugin is enabled.
export const testpluginLoaded = true;
