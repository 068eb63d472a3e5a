/** Codes whose fixtures are cases in file-checks.test.ts (a YAML file cannot express them). */
export const FILE_LEVEL_CODES = [
  'file-symlink',
  'file-submodule',
  'file-not-regular',
  'file-too-large',
  'file-unreadable',
  'file-not-utf8',
  'too-many-documents',
  'duplicate-name',
  'no-plans',
  'empty-file',
];
