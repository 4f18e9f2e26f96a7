/**
 * @module The schema of exhunt's Exchange inventory content (`content/exchange/`): the build
 * table (`builds.yaml`), the products and their support lifecycle (`products.yaml`) and the fix
 * table of exploited vulnerability families (`fixes.yaml`). Parsing is strict: an unknown key is
 * an error, so a typo cannot silently turn a vulnerable build into a fixed one.
 *
 * Every entry names its sources (ids declared in the file's `sources:` list), and disagreements
 * between sources are data too (`conflicts:`), which exhunt reports instead of hiding.
 */
import { z } from 'zod';
import { parseBuild } from '../build.js';

export const PRODUCT_IDS = ['2010', '2013', '2016', '2019', 'SE'] as const;
export type ProductId = (typeof PRODUCT_IDS)[number];

export const BUILD_TYPES = ['Preview', 'RTM', 'SP', 'CU', 'RU', 'SU', 'HU'] as const;
export type BuildType = (typeof BUILD_TYPES)[number];

const productId = z.enum(PRODUCT_IDS).describe('Exchange Server product: 2010, 2013, 2016, 2019 or SE (Subscription Edition); quote the years in YAML.');

const fullBuild = z
  .string()
  .refine((s) => /^\d+\.\d+\.\d+\.\d+$/.test(s) && parseBuild(s) !== null, 'a four-part short build such as 15.1.2176.9')
  .describe('Short form, four parts: 15.1.2176.9.');
const longBuild = z.string().regex(/^\d{2}\.\d{2}\.\d{4}\.\d{3}$/, 'a long build such as 15.01.2176.009').describe('Long form: 15.01.2176.009.');
const date = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a date YYYY-MM-DD');
const dateOrMonth = z.string().regex(/^\d{4}-\d{2}(-\d{2})?$/, 'a date YYYY-MM-DD or a month YYYY-MM');
const kb = z.string().regex(/^KB\d{6,8}$/, 'a KB id such as KB5000871');
const lineName = z.string().regex(/^(RTM|Preview|SP\d|CU\d{1,2})$/, 'a CU line name: RTM, Preview, SP3, CU19');
const cveId = z.string().regex(/^CVE-\d{4}-\d{4,}$/, 'a CVE id such as CVE-2021-26855');
const sourceRefs = z.array(z.string().min(1)).min(1).describe('Ids from the file\'s `sources:` list.');

export const sourceSchema = z.strictObject({
  id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/).describe('Short id entries refer to.'),
  name: z.string().min(1).describe('Who published it, with the version or date read.'),
  url: z.url().optional(),
  note: z.string().optional(),
});
export type ContentSource = z.infer<typeof sourceSchema>;

export const buildEntrySchema = z.strictObject({
  product: productId,
  line: lineName.describe('CU line (SP3 for Exchange 2010 rollups).'),
  type: z.enum(BUILD_TYPES),
  update: z.string().regex(/^[A-Za-z0-9]+$/).optional().describe('Update name: Mar21SU, Apr24HU, RU32.'),
  name: z.string().min(1),
  kb: kb.nullable(),
  released: dateOrMonth,
  build: fullBuild,
  buildLong: longBuild,
  sources: sourceRefs,
  notes: z.array(z.string().min(1)).optional(),
  conflicts: z.array(z.string().min(1)).optional().describe('Where sources disagree about this build; reported with it.'),
});
export type BuildEntry = z.infer<typeof buildEntrySchema>;

export const buildsFileSchema = z.strictObject({
  schema: z.literal('exhunt/exchange-builds@1'),
  description: z.string().optional(),
  sources: z.array(sourceSchema).min(1),
  builds: z.array(buildEntrySchema).min(1),
});
export type BuildsFile = z.infer<typeof buildsFileSchema>;

export const productSchema = z.strictObject({
  id: productId,
  name: z.string().min(1),
  /** major.minor of its builds; SE shares 15.2 with 2019 from `fromBuild` on. */
  version: z.string().regex(/^\d+\.\d+$/),
  fromBuild: z.number().int().nonnegative().optional().describe('First build number (third part) of this product inside its version.'),
  endOfSupport: date.nullable().describe('End of extended support; null for the Modern Lifecycle (SE).'),
  esu: z
    .strictObject({
      until: date,
      lines: z.array(lineName).min(1).describe('CU lines that received Extended Security Updates.'),
      source: z.string().min(1),
    })
    .optional(),
  sources: sourceRefs,
  notes: z.array(z.string()).optional(),
});
export type Product = z.infer<typeof productSchema>;

export const productsFileSchema = z.strictObject({
  schema: z.literal('exhunt/exchange-products@1'),
  sources: z.array(sourceSchema).min(1),
  products: z.array(productSchema).min(1),
});
export type ProductsFile = z.infer<typeof productsFileSchema>;

export const fixEntrySchema = z.strictObject({
  product: productId,
  line: lineName,
  update: z.string().optional(),
  build: fullBuild,
  kb: kb.nullable(),
  released: dateOrMonth.optional(),
  alternate: z.array(fullBuild).optional().describe('Lower builds another source names for the same update; builds from the lowest are "likely fixed".'),
  conflict: z.string().optional().describe('Id of the conflict entry that explains `alternate`.'),
  source: z.string().min(1),
});
export type FixEntry = z.infer<typeof fixEntrySchema>;

export const includedSchema = z.strictObject({
  product: productId,
  line: lineName,
  build: fullBuild.describe('First build of this CU; this CU and every later one include the fix.'),
  released: dateOrMonth.optional(),
  source: z.string().min(1),
});
export type IncludedEntry = z.infer<typeof includedSchema>;

export const mitigationLineSchema = z.strictObject({
  product: productId,
  line: lineName,
  minimumBuild: fullBuild.describe('Lowest build on this line where the configuration remedy works.'),
  action: z.string().min(1),
  source: z.string().min(1),
});
export type MitigationLine = z.infer<typeof mitigationLineSchema>;

export const cveSchema = z.strictObject({
  id: cveId,
  products: z.array(productId).min(1).describe('Products this CVE affects (Microsoft-assessed; SE continues the 2019 code line).'),
  notAffected: z.array(productId).optional().describe('Overrides the family-level notAffected for this CVE.'),
  fixed: z.array(fixEntrySchema).optional().describe('Overrides the family-level fixed builds for this CVE.'),
  includedFrom: z.array(includedSchema).optional(),
  note: z.string().optional(),
});
export type CveEntry = z.infer<typeof cveSchema>;

export const POSTURE_REMEDIES = ['extended-protection'] as const;
export const POSTURE_MITIGATIONS = ['eomt-cve-2021-26855', 'proxynotshell-url-rewrite'] as const;

export const familySchema = z.strictObject({
  id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/),
  name: z.string().min(1),
  short: z.string().min(1).max(16).describe('Label for tables: ProxyLogon, Jul-2021.'),
  disclosed: date,
  exploited: z.boolean().describe('Known exploited in the wild.'),
  exploitedNote: z.string().optional(),
  cves: z.array(cveSchema).min(1),
  notAffected: z.array(productId).default([]).describe('Products Microsoft said are not affected; products in neither list are "not assessed" (unknown).'),
  kbs: z.record(z.string(), z.string()).describe('What to install, by product, as Microsoft names it.'),
  fixed: z.array(fixEntrySchema).default([]),
  includedFrom: z.array(includedSchema).default([]),
  mitigationOnly: z.array(mitigationLineSchema).default([]).describe('Lines without a build fix where a configuration (posture) remedies it.'),
  remedy: z.enum(POSTURE_REMEDIES).optional().describe('Posture check that turns "open" into "mitigated" on mitigationOnly lines.'),
  mitigations: z.array(z.enum(POSTURE_MITIGATIONS)).default([]).describe('Temporary mitigations reported beside an open family (they do not fix it).'),
  noFixAvailableFor: z.array(z.string()).default([]),
  oneOff: z
    .strictObject({
      lines: z.array(z.string().regex(/^(2010|2013|2016|2019|SE) [A-Za-z0-9]+$/)).min(1),
      note: z.string().min(1),
      source: z.string().min(1),
    })
    .optional()
    .describe('Lines that got this update as a one-off: a server there lacks the older updates of its line.'),
  notes: z.array(z.string()).default([]),
  sources: sourceRefs,
});
export type Family = z.infer<typeof familySchema>;

export const conflictSchema = z.strictObject({
  id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/),
  about: z.string().min(1),
  values: z
    .array(z.strictObject({ source: z.string().min(1), says: z.string().min(1) }))
    .min(2)
    .describe('What each source says.'),
  resolution: z.string().min(1).describe('What exhunt does about it.'),
  builds: z.array(fullBuild).default([]).describe('Servers on these builds get this conflict in their report.'),
  lines: z.array(z.string().regex(/^(2010|2013|2016|2019|SE) [A-Za-z0-9]+$/)).default([]).describe('…or on these CU lines ("2016 CU8").'),
  families: z.array(z.string()).default([]).describe('…or whenever these families are evaluated for them.'),
  products: z.array(productId).default([]).describe('Limits `families` to these products (empty: all).'),
});
export type Conflict = z.infer<typeof conflictSchema>;

export const fixesFileSchema = z.strictObject({
  schema: z.literal('exhunt/exchange-fixes@1'),
  description: z.string().optional(),
  sources: z.array(sourceSchema).min(1),
  howToEvaluate: z.array(z.string()).default([]),
  families: z.array(familySchema).min(1),
  conflicts: z.array(conflictSchema).default([]),
});
export type FixesFile = z.infer<typeof fixesFileSchema>;
