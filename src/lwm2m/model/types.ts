/**
 * Object models as loaded from OMA DDF XML (the registry's format). All
 * readonly: models are loaded once at startup and frozen.
 */

/** DDF `Type`; `none` for executable resources (empty Type element). */
export type ResourceType = 'String' | 'Integer' | 'Unsigned Integer' | 'Float' | 'Boolean' | 'Opaque' | 'Time' | 'Objlnk' | 'Corelnk' | 'none';

export type Operations = '' | 'R' | 'W' | 'RW' | 'E';

export interface ResourceModel {
  readonly id: number;
  readonly name: string;
  readonly operations: Operations;
  readonly multiple: boolean;
  readonly mandatory: boolean;
  readonly type: ResourceType;
  readonly rangeEnumeration: string;
  readonly units: string;
  readonly description: string;
}

export interface ObjectModel {
  readonly id: number;
  readonly name: string;
  readonly description: string;
  /** ObjectVersion, default "1.0". */
  readonly version: string;
  /** LWM2MVersion, default "1.0". */
  readonly lwm2mVersion: string;
  readonly urn: string;
  readonly multiple: boolean;
  readonly mandatory: boolean;
  readonly resources: ReadonlyMap<number, ResourceModel>;
}

/** Lookup of loaded models, by object id and optionally version (from the registration's `ver=`). */
export interface ModelRegistry {
  /** The model for `objectId`; with `version`, that version if loaded, else the newest. */
  get(objectId: number, version?: string): ObjectModel | undefined;
  resource(objectId: number, resourceId: number, version?: string): ResourceModel | undefined;
  /** Every loaded model (all versions). */
  all(): readonly ObjectModel[];
}
