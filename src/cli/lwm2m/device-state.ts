import type { ModelRegistry, ObjectModel, ResourceModel } from '../../lwm2m/model/types.js';
import type { JsonValue, WriteEntry } from '../../lwm2m/content/index.js';
import { formatPath, type Lwm2mPath } from '../../lwm2m/path.js';

/** One resource of a simulated object instance: a single value or resource instances. */
export interface ResourceState {
  readonly model: ResourceModel;
  value: JsonValue;
  instances: Map<number, JsonValue> | undefined;
}

export interface InstanceState {
  readonly model: ObjectModel;
  readonly instanceId: number;
  readonly resources: Map<number, ResourceState>;
}

/** Values a fresh device starts with, by `objectId/resourceId`; everything else gets a neutral value of its type. */
function initialValue(objectId: number, resource: ResourceModel, endpoint: string, lifetime: number, binding: string): JsonValue {
  const known: Record<string, JsonValue> = {
    '1/0': 1,
    '1/1': lifetime,
    '1/6': true,
    '1/7': binding,
    '3/0': 'snlw',
    '3/1': 'simulated device',
    '3/2': endpoint,
    '3/3': '1.0.0',
    '3/6': 1,
    '3/7': 3700,
    '3/8': 120,
    '3/9': 80 + Math.floor(Math.random() * 21),
    '3/10': 512,
    '3/11': 0,
    '3/14': '+00:00',
    '3/15': 'Etc/UTC',
    '3/16': binding,
    '3/17': 'sensor',
    '3/18': '1.0',
    '3/19': '1.0.0',
    '3/20': 0,
    '3/21': 1024,
    '3303/5700': 21.5,
    '3303/5601': 21.5,
    '3303/5602': 21.5,
    '3303/5603': -40,
    '3303/5604': 85,
    '3303/5701': 'Cel',
    '6/0': 48.8584,
    '6/1': 2.2945,
    '6/2': 35,
    '6/3': 5,
    '6/6': 0,
  };
  const special = known[`${objectId}/${resource.id}`];
  if (special !== undefined) return special;
  switch (resource.type) {
    case 'Integer':
    case 'Unsigned Integer':
    case 'Float':
      return 0;
    case 'Boolean':
      return false;
    case 'Time':
      return Math.floor(Date.now() / 1000);
    case 'Objlnk':
      return '65535:65535';
    default:
      return '';
  }
}

/** Resources whose value is the current time whenever read (never counted as a change). */
const CLOCK_RESOURCES = new Set(['3/13', '6/5']);

/**
 * The object instances of one simulated device, built from the loaded object
 * definitions: every mandatory resource and every readable optional one,
 * values typed per the model. Values change over time: the temperature
 * (3303/5700) drifts with its min/max following, the battery (3/9) drains.
 */
export class DeviceState {
  readonly instances = new Map<string, InstanceState>();
  #ticks = 0;

  constructor(models: ModelRegistry, objectIds: readonly number[], endpoint: string, lifetime: number, binding: string) {
    for (const objectId of objectIds) {
      const model = models.get(objectId);
      if (model === undefined) continue;
      const resources = new Map<number, ResourceState>();
      for (const resource of model.resources.values()) {
        if (resource.operations === 'E') continue;
        if (!resource.mandatory && !resource.operations.includes('R')) continue;
        const value = initialValue(objectId, resource, endpoint, lifetime, binding);
        resources.set(resource.id, { model: resource, value, instances: resource.multiple ? new Map([[0, value]]) : undefined });
      }
      this.instances.set(`${objectId}/0`, { model, instanceId: 0, resources });
    }
  }

  instance(objectId: number, instanceId: number): InstanceState | undefined {
    return this.instances.get(`${objectId}/${instanceId}`);
  }

  objectIds(): number[] {
    return [...new Set([...this.instances.values()].map((i) => i.model.id))];
  }

  /** One simulation step (once a second). */
  tick(): void {
    this.#ticks += 1;
    const temperature = this.instance(3303, 0);
    const value = temperature?.resources.get(5700);
    if (temperature !== undefined && value !== undefined && typeof value.value === 'number') {
      // A random walk pulled back toward 21.5 °C, in steps of 0.1.
      const next = value.value + (Math.random() - 0.5) * 0.3 + (21.5 - value.value) * 0.05;
      value.value = Math.round(next * 10) / 10;
      const min = temperature.resources.get(5601);
      const max = temperature.resources.get(5602);
      if (min !== undefined && typeof min.value === 'number' && value.value < min.value) min.value = value.value;
      if (max !== undefined && typeof max.value === 'number' && value.value > max.value) max.value = value.value;
    }
    const battery = this.instance(3, 0)?.resources.get(9);
    if (battery !== undefined && this.#ticks % 60 === 0 && typeof battery.value === 'number' && battery.value > 0) battery.value -= 1;
  }

  /** The values at or below `path` as typed entries (the shape the content encoders take); undefined = no such path. */
  entries(path: Lwm2mPath): WriteEntry[] | undefined {
    const instances = [...this.instances.values()].filter(
      (i) => i.model.id === path.objectId && (path.instanceId === undefined || i.instanceId === path.instanceId),
    );
    if (instances.length === 0) return undefined;
    const out: WriteEntry[] = [];
    for (const instance of instances) {
      for (const resource of instance.resources.values()) {
        if (path.resourceId !== undefined && resource.model.id !== path.resourceId) continue;
        if (!resource.model.operations.includes('R')) continue;
        const base = { objectId: instance.model.id, instanceId: instance.instanceId, resourceId: resource.model.id };
        const value = CLOCK_RESOURCES.has(`${instance.model.id}/${resource.model.id}`) ? Math.floor(Date.now() / 1000) : resource.value;
        if (resource.instances === undefined) {
          if (path.resourceInstanceId !== undefined) continue;
          out.push({ path: base, type: resource.model.type, value });
        } else {
          for (const [riid, v] of resource.instances) {
            if (path.resourceInstanceId !== undefined && riid !== path.resourceInstanceId) continue;
            out.push({ path: { ...base, resourceInstanceId: riid }, type: resource.model.type, value: v });
          }
        }
      }
    }
    if (out.length === 0 && path.resourceId !== undefined) return undefined;
    return out;
  }

  /** The resource model at `path`, also for executable resources. */
  resourceModel(path: Lwm2mPath): ResourceModel | undefined {
    if (path.resourceId === undefined || path.instanceId === undefined) return undefined;
    const instance = this.instance(path.objectId, path.instanceId);
    return instance?.model.resources.get(path.resourceId);
  }

  /** Stores a written value; false when the path names no writable resource of an existing instance. */
  write(path: Lwm2mPath, value: JsonValue): boolean {
    if (path.instanceId === undefined || path.resourceId === undefined) return false;
    const instance = this.instance(path.objectId, path.instanceId);
    const model = instance?.model.resources.get(path.resourceId);
    if (instance === undefined || model === undefined || !model.operations.includes('W')) return false;
    let state = instance.resources.get(path.resourceId);
    if (state === undefined) {
      state = { model, value, instances: model.multiple ? new Map() : undefined };
      instance.resources.set(path.resourceId, state);
    }
    if (state.instances !== undefined) state.instances.set(path.resourceInstanceId ?? 0, value);
    else state.value = value;
    return true;
  }

  /** Executable side effects; false when the resource is not executable. */
  execute(path: Lwm2mPath): boolean {
    const model = this.resourceModel(path);
    if (model === undefined || model.operations !== 'E') return false;
    if (path.objectId === 3303 && path.resourceId === 5605) {
      // Reset Min and Max Measured Values.
      const instance = this.instance(3303, path.instanceId ?? 0);
      const current = instance?.resources.get(5700)?.value ?? null;
      for (const id of [5601, 5602]) {
        const r = instance?.resources.get(id);
        if (r !== undefined) r.value = current;
      }
    }
    return true;
  }

  /** A fingerprint of the values at `path`, to tell whether a notification is due. */
  snapshot(path: Lwm2mPath): string {
    const entries = (this.entries(path) ?? []).filter((e) => !CLOCK_RESOURCES.has(`${e.path.objectId}/${e.path.resourceId ?? -1}`));
    return JSON.stringify(entries.map((e) => [formatPath(e.path), e.value]));
  }
}
