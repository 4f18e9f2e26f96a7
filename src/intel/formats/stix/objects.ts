/**
 * @module The STIX Cyber-observable object types and their top-level properties (STIX 2.1,
 * section 6, plus the STIX 2.0 names), to tell an unknown object path (an error in the source)
 * from a valid one exhunt simply cannot evaluate (kept). Custom types (`x-...`) and custom
 * properties (`x_...`) are valid.
 */

const COMMON = ['type', 'id', 'spec_version', 'object_marking_refs', 'granular_markings', 'defanged', 'extensions'];

export const SCO_PROPERTIES: Readonly<Record<string, readonly string[]>> = {
  artifact: ['mime_type', 'payload_bin', 'url', 'hashes', 'encryption_algorithm', 'decryption_key'],
  'autonomous-system': ['number', 'name', 'rir'],
  directory: ['path', 'path_enc', 'ctime', 'mtime', 'atime', 'contains_refs', 'created', 'modified', 'accessed'],
  'domain-name': ['value', 'resolves_to_refs'],
  'email-addr': ['value', 'display_name', 'belongs_to_ref'],
  'email-message': [
    'is_multipart',
    'date',
    'content_type',
    'from_ref',
    'sender_ref',
    'to_refs',
    'cc_refs',
    'bcc_refs',
    'message_id',
    'subject',
    'received_lines',
    'additional_header_fields',
    'body',
    'body_multipart',
    'raw_email_ref',
  ],
  file: [
    'hashes',
    'size',
    'name',
    'name_enc',
    'magic_number_hex',
    'mime_type',
    'ctime',
    'mtime',
    'atime',
    'parent_directory_ref',
    'contains_refs',
    'content_ref',
    'created',
    'modified',
    'accessed',
    'is_encrypted',
    'encryption_algorithm',
    'decryption_key',
  ],
  'ipv4-addr': ['value', 'resolves_to_refs', 'belongs_to_refs'],
  'ipv6-addr': ['value', 'resolves_to_refs', 'belongs_to_refs'],
  'mac-addr': ['value'],
  mutex: ['name'],
  'network-traffic': [
    'start',
    'end',
    'is_active',
    'src_ref',
    'dst_ref',
    'src_port',
    'dst_port',
    'protocols',
    'src_byte_count',
    'dst_byte_count',
    'src_packets',
    'dst_packets',
    'ipfix',
    'src_payload_ref',
    'dst_payload_ref',
    'encapsulates_refs',
    'encapsulated_by_ref',
  ],
  process: [
    'is_hidden',
    'pid',
    'created_time',
    'cwd',
    'command_line',
    'environment_variables',
    'opened_connection_refs',
    'creator_user_ref',
    'image_ref',
    'parent_ref',
    'child_refs',
    'name',
    'arguments',
    'created',
    'binary_ref',
  ],
  software: ['name', 'cpe', 'swid', 'languages', 'vendor', 'version'],
  url: ['value'],
  'user-account': [
    'user_id',
    'credential',
    'account_login',
    'account_type',
    'display_name',
    'is_service_account',
    'is_privileged',
    'can_escalate_privs',
    'is_disabled',
    'account_created',
    'account_expires',
    'credential_last_changed',
    'account_first_login',
    'account_last_login',
  ],
  'windows-registry-key': ['key', 'values', 'modified_time', 'creator_user_ref', 'number_of_subkeys', 'modified'],
  'x509-certificate': [
    'is_self_signed',
    'hashes',
    'version',
    'serial_number',
    'signature_algorithm',
    'issuer',
    'validity_not_before',
    'validity_not_after',
    'subject',
    'subject_public_key_algorithm',
    'subject_public_key_modulus',
    'subject_public_key_exponent',
    'x509_v3_extensions',
  ],
};

/** STIX 2.0 names of 2.1 types. */
const ALIASES: Readonly<Record<string, string>> = { 'win-registry-key': 'windows-registry-key' };

export function canonicalObjectType(t: string): string {
  return ALIASES[t] ?? t;
}

/** Null when `type:prop` is a valid STIX object path start, else the reason it is unknown. */
export function unknownPathReason(objectType: string, firstProp: string): string | null {
  if (/^x-/.test(objectType)) return null;
  const props = SCO_PROPERTIES[canonicalObjectType(objectType)];
  if (!props) return `"${objectType}" is not a STIX Cyber-observable type (custom types start with x-)`;
  if (props.includes(firstProp) || COMMON.includes(firstProp) || firstProp.startsWith('x_')) return null;
  return `"${objectType}" has no property "${firstProp}" (custom properties start with x_)`;
}
