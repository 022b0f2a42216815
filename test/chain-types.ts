/**
 * The real subtensor types for tests: a registry built from the spec-424 metadata file in
 * ../shared/chain/, with helpers that encode storage keys, storage values, events and errors
 * exactly as the runtime lays them out. Everything the fake node answers goes through these, so
 * the client under test decodes real SCALE.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Metadata, TypeRegistry } from '@polkadot/types';
import { decorateStorage } from '@polkadot/types/metadata/decorate';
import { unwrapStorageType } from '@polkadot/types/util';
import type { RuntimeVersion } from '@polkadot/types/interfaces';
import { compactStripLength, compactToU8a, u8aConcat, u8aToHex } from '@polkadot/util';
import { sharedDir } from './paths.js';

export const METADATA_FILE = join(sharedDir, 'chain', 'subtensor-metadata-spec424.scale');

/** A `skip` reason when the metadata file is absent; these tests read it in place and never copy it. */
export function metadataSkip(): string | false {
  return existsSync(METADATA_FILE)
    ? false
    : `${METADATA_FILE} is absent: the chain tests need the real subtensor metadata (spec 424) beside the project, and skip without it`;
}

type StorageFn = ((...args: unknown[]) => Uint8Array) & { keyPrefix(...args: unknown[]): Uint8Array; meta: { type: never; modifier: { isOptional: boolean } } };

export class SubtensorTypes {
  readonly registry = new TypeRegistry();
  readonly metadata: Metadata;
  readonly metadataHex: `0x${string}`;
  readonly runtimeVersion: RuntimeVersion;
  private readonly storage: Record<string, Record<string, StorageFn>>;

  constructor(bytes: Uint8Array = readFileSync(METADATA_FILE)) {
    this.metadata = new Metadata(this.registry, bytes);
    this.registry.setMetadata(this.metadata, undefined, undefined, true);
    this.metadataHex = u8aToHex(bytes);
    this.storage = decorateStorage(this.registry, this.metadata.asLatest, this.metadata.version) as unknown as Record<string, Record<string, StorageFn>>;
    const system = this.pallet('System');
    const version = system.constants.find((c) => c.name.eq('Version'))!;
    this.runtimeVersion = this.registry.createType('RuntimeVersion', version.value);
  }

  pallet(name: string) {
    const pallet = this.metadata.asLatest.pallets.find((p) => p.name.eq(name));
    if (!pallet) throw new Error(`no pallet ${name} in the metadata`);
    return pallet;
  }

  private entry(section: string, item: string): StorageFn {
    const fn = this.storage[section]?.[item];
    if (!fn) throw new Error(`no storage ${section}.${item} in the metadata`);
    return fn;
  }

  /** The full storage key of `section.item(args…)`, hex. */
  key(section: string, item: string, ...args: unknown[]): string {
    return u8aToHex(compactStripLength(this.entry(section, item)(...args))[1]);
  }

  /** The key prefix of a map, optionally with its first key (for `entries(netuid)`). */
  prefix(section: string, item: string, ...args: unknown[]): string {
    return u8aToHex(this.entry(section, item).keyPrefix(...args));
  }

  /** The SCALE of a storage value, with the item's own type from metadata. */
  value(section: string, item: string, value: unknown): string {
    const fn = this.entry(section, item);
    const type = unwrapStorageType(this.registry, fn.meta.type, false);
    return u8aToHex(this.registry.createType(type, value).toU8a());
  }

  /** Index of the call `name` in pallet `pallet`, and of the pallet. */
  callIndex(pallet: string, name: string): [number, number] {
    const p = this.pallet(pallet);
    const variants = this.registry.lookup.getSiType(p.calls.unwrap().type).def.asVariant.variants;
    const v = variants.find((x) => x.name.eq(name));
    if (!v) throw new Error(`no call ${pallet}.${name}`);
    return [p.index.toNumber(), v.index.toNumber()];
  }

  /** `[pallet index, error index]` of a module error, found by name as the runtime names it. */
  errorIndex(pallet: string, name: string): [number, number] {
    const p = this.pallet(pallet);
    const variants = this.registry.lookup.getSiType(p.errors.unwrap().type).def.asVariant.variants;
    const v = variants.find((x) => x.name.eq(name));
    if (!v) throw new Error(`no error ${pallet}.${name}`);
    return [p.index.toNumber(), v.index.toNumber()];
  }

  /** One runtime event, SCALE: pallet index, variant index, then each field with its metadata type. */
  event(pallet: string, name: string, args: unknown[]): Uint8Array {
    const p = this.pallet(pallet);
    const variants = this.registry.lookup.getSiType(p.events.unwrap().type).def.asVariant.variants;
    const v = variants.find((x) => x.name.eq(name));
    if (!v) throw new Error(`no event ${pallet}.${name}`);
    if (v.fields.length !== args.length) throw new Error(`${pallet}.${name} has ${v.fields.length} fields`);
    const fields = v.fields.map((f, k) => this.registry.createType(this.registry.createLookupType(f.type), args[k]).toU8a());
    return u8aConcat(new Uint8Array([p.index.toNumber(), v.index.toNumber()]), ...fields);
  }

  /** `Vec<EventRecord>` for a block: each event in phase `ApplyExtrinsic(index)`, no topics. */
  eventRecords(events: { extrinsic: number; event: Uint8Array }[]): string {
    const records = events.map(({ extrinsic, event }) =>
      u8aConcat(this.registry.createType('FrameSystemPhase', { ApplyExtrinsic: extrinsic }).toU8a(), event, compactToU8a(0)),
    );
    return u8aToHex(u8aConcat(compactToU8a(records.length), ...records));
  }

  /** ExtrinsicSuccess / ExtrinsicFailed(Module{pallet, error}) for extrinsic `index`, fee-free like weight calls. */
  outcomeEvent(error: { pallet: string; name: string } | 'BadOrigin' | null): Uint8Array {
    const info = { weight: { refTime: 1_000_000, proofSize: 0 }, class: 'Normal', paysFee: 'No' };
    if (error === null) return this.event('System', 'ExtrinsicSuccess', [info]);
    if (error === 'BadOrigin') return this.event('System', 'ExtrinsicFailed', [{ BadOrigin: null }, info]);
    const [index, err] = this.errorIndex(error.pallet, error.name);
    return this.event('System', 'ExtrinsicFailed', [{ Module: { index, error: u8aToHex(new Uint8Array([err, 0, 0, 0])) } }, info]);
  }
}
