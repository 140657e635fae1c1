import type { ModelRegistry, ObjectModel, ResourceModel, ResourceType } from '../../../src/lwm2m/model/types.js';

type Spec = [id: number, name: string, type: ResourceType, multiple?: boolean];

function objectModel(id: number, name: string, resources: readonly Spec[]): ObjectModel {
  const map = new Map<number, ResourceModel>();
  for (const [rid, rname, type, multiple = false] of resources) {
    map.set(rid, {
      id: rid,
      name: rname,
      operations: type === 'none' ? 'E' : 'RW',
      multiple,
      mandatory: false,
      type,
      rangeEnumeration: '',
      units: '',
      description: '',
    });
  }
  return { id, name, description: '', version: '1.0', lwm2mVersion: '1.0', urn: `urn:oma:lwm2m:x:${id}`, multiple: true, mandatory: false, resources: map };
}

/** Resource types as in the OMA registry for 1, 2, 3; 65/66 from the TS §6.4.3 examples; 9999 has one resource per type. */
export const testModels: readonly ObjectModel[] = [
  objectModel(1, 'LwM2M Server', [
    [0, 'Short Server ID', 'Integer'],
    [1, 'Lifetime', 'Integer'],
    [2, 'Default Minimum Period', 'Integer'],
    [3, 'Default Maximum Period', 'Integer'],
    [4, 'Disable', 'none'],
    [5, 'Disable Timeout', 'Integer'],
    [6, 'Notification Storing', 'Boolean'],
    [7, 'Binding', 'String'],
    [8, 'Registration Update Trigger', 'none'],
  ]),
  objectModel(2, 'LwM2M Access Control', [
    [0, 'Object ID', 'Integer'],
    [1, 'Object Instance ID', 'Integer'],
    [2, 'ACL', 'Integer', true],
    [3, 'Access Control Owner', 'Integer'],
  ]),
  objectModel(3, 'Device', [
    [0, 'Manufacturer', 'String'],
    [1, 'Model Number', 'String'],
    [2, 'Serial Number', 'String'],
    [3, 'Firmware Version', 'String'],
    [4, 'Reboot', 'none'],
    [5, 'Factory Reset', 'none'],
    [6, 'Available Power Sources', 'Integer', true],
    [7, 'Power Source Voltage', 'Integer', true],
    [8, 'Power Source Current', 'Integer', true],
    [9, 'Battery Level', 'Integer'],
    [10, 'Memory Free', 'Integer'],
    [11, 'Error Code', 'Integer', true],
    [12, 'Reset Error Code', 'none'],
    [13, 'Current Time', 'Time'],
    [14, 'UTC Offset', 'String'],
    [15, 'Timezone', 'String'],
    [16, 'Supported Binding and Modes', 'String'],
    [22, 'ExtDevInfo', 'Objlnk', true],
  ]),
  objectModel(65, 'Example 65', [
    [0, 'Links', 'Objlnk', true],
    [1, 'Number', 'String'],
    [2, 'Value', 'Integer'],
  ]),
  objectModel(66, 'Example 66', [
    [0, 'Service', 'String'],
    [1, 'Address', 'String'],
    [2, 'Link', 'Objlnk'],
  ]),
  objectModel(9999, 'All Types', [
    [0, 'S', 'String'],
    [1, 'I', 'Integer'],
    [2, 'U', 'Unsigned Integer'],
    [3, 'F', 'Float'],
    [4, 'B', 'Boolean'],
    [5, 'O', 'Opaque'],
    [6, 'T', 'Time'],
    [7, 'L', 'Objlnk'],
    [8, 'C', 'Corelnk'],
    [9, 'IM', 'Integer', true],
    [10, 'X', 'none'],
  ]),
];

class TestRegistry implements ModelRegistry {
  readonly #byId: ReadonlyMap<number, ObjectModel>;
  constructor(models: readonly ObjectModel[]) {
    this.#byId = new Map(models.map((m) => [m.id, m]));
  }
  get(objectId: number): ObjectModel | undefined {
    return this.#byId.get(objectId);
  }
  resource(objectId: number, resourceId: number): ResourceModel | undefined {
    return this.#byId.get(objectId)?.resources.get(resourceId);
  }
  all(): readonly ObjectModel[] {
    return [...this.#byId.values()];
  }
}

export const models: ModelRegistry = new TestRegistry(testModels);
export const noModels: ModelRegistry = new TestRegistry([]);

/** Hex string with optional spaces/newlines -> Buffer. */
export function hex(text: string): Buffer {
  return Buffer.from(text.replace(/\s+/g, ''), 'hex');
}
