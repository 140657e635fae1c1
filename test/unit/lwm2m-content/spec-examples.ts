import { hex } from './test-models.js';

/**
 * Byte sequences of the TLV examples in LwM2M 1.0 TS §6.4.3.1-§6.4.3.3,
 * written out from the spec's tables (comments name each record).
 */

/** §6.4.3.1 Read /3/0: Device object resources without an object-instance wrapper. */
export const DEVICE_RESOURCES = hex(`
  C8 00 14 4F70656E204D6F62696C6520416C6C69616E6365
  C8 01 16 4C69676874776569676874204D324D20436C69656E74
  C8 02 09 333435303030313233
  C3 03 312E30
  86 06
     41 00 01
     41 01 05
  88 07 08
     42 00 0ED8
     42 01 1388
  87 08
     41 00 7D
     42 01 0384
  C1 09 64
  C1 0A 0F
  83 0B
     41 00 00
  C4 0D 5182428F
  C6 0E 2B30323A3030
  C1 10 55
`);
// ^ Manufacturer "Open Mobile Alliance", Model "Lightweight M2M Client", Serial "345000123",
//   Firmware "1.0", Available Power Sources [1, 5], Voltage [3800, 5000], Current [125, 900],
//   Battery Level 100, Memory Free 15, Error Code [0], Current Time 0x5182428F,
//   UTC Offset "+02:00", Binding "U".

/** §6.4.3.1 Read /3: the same resources inside object instance 0 (length 0x79 = 121). */
export const DEVICE_OBJECT = Buffer.concat([hex('08 00 79'), DEVICE_RESOURCES]);

/** §6.4.3.2 A) Read /1 on a multiple-instance object with one instance (Server). */
export const SERVER_ONE_INSTANCE = hex(`
  08 00 0F
     C1 00 01
     C4 01 00015180
     C1 06 01
     C1 07 55
`);

/** §6.4.3.2 B) Read /2: Access Control with 2 instances, a 16-bit resource-instance id (310 = 0x0136). */
export const ACCESS_CONTROL_TWO_INSTANCES = hex(`
  08 00 0E
     C1 00 01
     C1 01 00
     83 02
        41 7F 07
     C1 03 7F
  08 02 12
     C1 00 03
     C1 01 00
     87 02
        41 7F 07
        61 0136 01
     C1 03 7F
`);

/** §6.4.3.3 Example 1) Read /65/0: multiple Objlnk resource [66:0, 66:1], a String and an Integer. */
export const OBJECT_65_INSTANCE = hex(`
  88 00 0C
     44 00 00420000
     44 01 00420001
  C8 01 0D 38363133383030373535353030
  C4 02 12345678
`);

/** §6.4.3.3 Example 2) Read /66: two instances, each with two Strings and an Objlnk (67:0, 65535:65535). */
export const OBJECT_66_TWO_INSTANCES = hex(`
  08 00 26
     C8 00 0B 6D79536572766963652031
     C8 01 0F 496E7465726E65742E31352E323334
     C4 02 00430000
  08 01 26
     C8 00 0B 6D79536572766963652032
     C8 01 0F 496E7465726E65742E31352E323335
     C4 02 FFFFFFFF
`);
