require('./resolve-ts.cjs');
module.exports = async () => require('./global-setup.ts').default();
