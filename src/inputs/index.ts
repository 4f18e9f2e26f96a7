/**
 * @module Inputs: every PATH (folder, zip, single file) and the live host, seen as one read-only
 * tree of files, plus what each file is to exhunt (a log, a file in a swept folder) from its path.
 *
 * Owns reading and placing files; must not parse their contents (sources) or judge them
 * (detectors). Nothing here writes to the input, follows links or extracts archives to disk.
 */
export type { InputTree, TreeEntry } from './tree.js';
export { SWEEP_ZONES, type Placement, type SweepZone } from './placement.js';
export { openInput, type OpenInputOptions } from './open.js';
export { openFolderTree, type FolderTreeOptions } from './fs-tree.js';
export { openZipTree, ZipBombError, ZIP_LIMIT_DEFAULTS, type ZipLimits, type ZipTreeOptions } from './zip-tree.js';
export { openMappedTree, type MappedRoot, type MappedTreeOptions } from './mapped-tree.js';
export {
  openLiveHostTree,
  findExchangeInstallPath,
  parseRegQueryValue,
  planLiveRoots,
  EXCHANGE_SETUP_KEY,
  type LiveHostOptions,
  type RegValue,
} from './live-host.js';
export { detectLayout, INSTALL_PLACEHOLDER, type Layout } from './layout.js';
export { detectHosts, type HostGroup } from './hosts.js';
export type { DriveFolder } from './anchors.js';
export { compareTreePaths, treeBaseName } from './tree-path.js';
export * from './winpath.js';
