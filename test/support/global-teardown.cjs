require('./resolve-ts.cjs');
module.exports = async () => require('./global-teardown.ts').default();
