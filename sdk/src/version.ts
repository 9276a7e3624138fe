/** This package's version (sdk/package.json; `version.test.ts` keeps them equal). */
export const version = '0.1.0'
