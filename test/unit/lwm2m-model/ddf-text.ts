/** Builds small DDF documents for tests (not a test file itself). */

export interface ItemSpec {
  id: number | string;
  name?: string;
  operations?: string;
  multiple?: string;
  mandatory?: string;
  /** `undefined` leaves the Type element out entirely. */
  type?: string | undefined;
}

export interface ObjectSpec {
  id?: number | string;
  name?: string;
  version?: string;
  lwm2mVersion?: string;
  urn?: string;
  multiple?: string;
  mandatory?: string;
  items?: ItemSpec[];
}

export function itemXml(spec: ItemSpec): string {
  const type = 'type' in spec ? (spec.type === undefined ? '' : `<Type>${spec.type}</Type>`) : '<Type>String</Type>';
  return `<Item ID="${spec.id}">
      <Name>${spec.name ?? `Resource ${spec.id}`}</Name>
      <Operations>${spec.operations ?? 'R'}</Operations>
      <MultipleInstances>${spec.multiple ?? 'Single'}</MultipleInstances>
      <Mandatory>${spec.mandatory ?? 'Optional'}</Mandatory>
      ${type}
      <RangeEnumeration></RangeEnumeration>
      <Units></Units>
      <Description><![CDATA[test resource]]></Description>
    </Item>`;
}

export function objectXml(spec: ObjectSpec): string {
  const id = 'id' in spec ? (spec.id === undefined ? '' : `<ObjectID>${spec.id}</ObjectID>`) : '<ObjectID>20100</ObjectID>';
  const urn =
    spec.urn ??
    (typeof spec.id === 'number' && spec.id >= 10241 && spec.id <= 42800
      ? `urn:oma:lwm2m:x:${spec.id}${spec.version && spec.version !== '1.0' ? `:${spec.version}` : ''}`
      : undefined);
  return `<Object ObjectType="MODefinition">
    <Name>${spec.name ?? 'Test Object'}</Name>
    <Description1>test object</Description1>
    ${id}
    ${urn === undefined ? '' : `<ObjectURN>${urn}</ObjectURN>`}
    ${spec.lwm2mVersion === undefined ? '' : `<LWM2MVersion>${spec.lwm2mVersion}</LWM2MVersion>`}
    ${spec.version === undefined ? '' : `<ObjectVersion>${spec.version}</ObjectVersion>`}
    <MultipleInstances>${spec.multiple ?? 'Multiple'}</MultipleInstances>
    <Mandatory>${spec.mandatory ?? 'Optional'}</Mandatory>
    <Resources>
    ${(spec.items ?? [{ id: 0 }]).map(itemXml).join('\n    ')}
    </Resources>
  </Object>`;
}

export function ddfXml(...objects: ObjectSpec[]): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<LWM2M xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:noNamespaceSchemaLocation="http://openmobilealliance.org/tech/profiles/LWM2M.xsd">
  ${objects.map(objectXml).join('\n  ')}
</LWM2M>
`;
}
