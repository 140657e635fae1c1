import type { ResourceModel } from '../model/types.js';

/** Resource model lookup with the device's object versions already applied. */
export type ResourceLookup = (objectId: number, resourceId: number) => ResourceModel | undefined;
