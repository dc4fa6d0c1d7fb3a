// The shape of the house, checked by `npm run lint` (dependency-cruiser). A feature imports only
// the floors below it; `domain/` folders are pure; `src/` never imports `test/`. A new top-level
// folder under src/ must be given a floor here before it can be imported at all.
// test/unit/boundaries.spec.ts proves each rule fails on a throwaway file.

/** Lowest first. Folders on one floor do not import each other. */
const FLOORS = [
  ['config'],
  ['common'],
  ['database'],
  ['mail'],
  ['audit'],
  ['tenants', 'regulations'],
  ['api-keys', 'health'],
  ['incidents'],
  ['notices'],
  ['webhooks'],
  ['contacts'],
  ['delivery'],
  ['acknowledgements'],
  ['compliance'],
  ['console', 'portal'],
];
const KNOWN = FLOORS.flat();

const floorRules = FLOORS.flatMap((floor, level) =>
  floor.map((folder) => {
    const notBelow = KNOWN.filter((f) => !FLOORS.slice(0, level).flat().includes(f) && f !== folder);
    return {
      name: `floor-${folder}`,
      severity: 'error',
      comment: `src/${folder} may import only the floors below it (${FLOORS.slice(0, level).flat().join(', ') || 'none'})`,
      from: { path: `^src/${folder}/` },
      to: { path: `^src/(${notBelow.join('|')})/` },
    };
  }),
);

const FRAMEWORK = ['@nestjs/[^/]+', 'typeorm', 'bullmq', 'ioredis', 'nodemailer', 'pg', 'express'];

module.exports = {
  forbidden: [
    ...floorRules,
    {
      name: 'floor-unknown-folder',
      severity: 'error',
      comment: 'every top-level folder of src/ has a floor in .dependency-cruiser.cjs',
      from: { path: '^src/' },
      to: { path: `^src/(?!(${KNOWN.join('|')})/)[^/]+/` },
    },
    {
      name: 'domain-is-pure',
      severity: 'error',
      comment: 'domain/ takes plain data: no Nest, TypeORM, BullMQ, Redis, nodemailer, pg or file system',
      // Specs beside the domain may make temp folders; the domain code itself may not.
      from: { path: '(^|/)domain/', pathNot: '\\.spec\\.ts$' },
      to: {
        path: [`(^|/)node_modules/(${FRAMEWORK.join('|')})/`, '^(node:)?fs(/promises)?$'],
      },
    },
    {
      name: 'src-never-imports-test',
      severity: 'error',
      comment: 'src/ is what ships; test/ helpers stay in test/',
      from: { path: '^src/' },
      to: { path: '^test/' },
    },
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'no import cycles (entities that refer to each other use type-only Relation<> imports)',
      from: { path: '^src/' },
      to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only'] } },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      comment: 'an import that does not resolve is a typo or a missing package',
      from: { path: '^src/' },
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(dist|var|coverage)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      mainFields: ['module', 'main', 'types', 'typings'],
    },
    moduleSystems: ['es6', 'cjs'],
  },
};
