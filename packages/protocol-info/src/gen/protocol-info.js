/*eslint-disable block-scoped-var, id-length, no-control-regex, no-magic-numbers, no-mixed-operators, no-prototype-builtins, no-redeclare, no-shadow, no-var, sort-vars, default-case, jsdoc/require-param*/
import $protobuf from "protobufjs/minimal.js";

// Common aliases
const $Reader = $protobuf.Reader, $Writer = $protobuf.Writer, $util = $protobuf.util;
const $Object = $util.global.Object, $undefined = $util.global.undefined, $Error = $util.global.Error, $RangeError = $util.global.RangeError;

// Exported root namespace
const $root = $protobuf.roots["default"] || ($protobuf.roots["default"] = {});

export const sanshare = $root.sanshare = (() => {

    /**
     * Namespace sanshare.
     * @exports sanshare
     * @namespace
     */
    const sanshare = {};

    sanshare.v1 = (function() {

        /**
         * Namespace v1.
         * @memberof sanshare
         * @namespace
         */
        const v1 = {};

        /**
         * AddressFamily enum.
         * @name sanshare.v1.AddressFamily
         * @enum {number}
         * @property {number} ADDRESS_FAMILY_UNSPEC=0 ADDRESS_FAMILY_UNSPEC value
         * @property {number} ADDRESS_FAMILY_INET=2 ADDRESS_FAMILY_INET value
         * @property {number} ADDRESS_FAMILY_IPX=6 ADDRESS_FAMILY_IPX value
         * @property {number} ADDRESS_FAMILY_INET6=23 ADDRESS_FAMILY_INET6 value
         * @property {number} ADDRESS_FAMILY_IRDA=26 ADDRESS_FAMILY_IRDA value
         * @property {number} ADDRESS_FAMILY_BTH=32 ADDRESS_FAMILY_BTH value
         * @property {number} ADDRESS_FAMILY_HYPERV=34 ADDRESS_FAMILY_HYPERV value
         */
        v1.AddressFamily = (function() {
            const valuesById = $Object.create(null), values = $Object.create(valuesById);
            values[valuesById[0] = "ADDRESS_FAMILY_UNSPEC"] = 0;
            values[valuesById[2] = "ADDRESS_FAMILY_INET"] = 2;
            values[valuesById[6] = "ADDRESS_FAMILY_IPX"] = 6;
            values[valuesById[23] = "ADDRESS_FAMILY_INET6"] = 23;
            values[valuesById[26] = "ADDRESS_FAMILY_IRDA"] = 26;
            values[valuesById[32] = "ADDRESS_FAMILY_BTH"] = 32;
            values[valuesById[34] = "ADDRESS_FAMILY_HYPERV"] = 34;
            return values;
        })();

        /**
         * SocketType enum.
         * @name sanshare.v1.SocketType
         * @enum {number}
         * @property {number} SOCKET_TYPE_UNSPECIFIED=0 SOCKET_TYPE_UNSPECIFIED value
         * @property {number} SOCKET_TYPE_STREAM=1 SOCKET_TYPE_STREAM value
         * @property {number} SOCKET_TYPE_DGRAM=2 SOCKET_TYPE_DGRAM value
         * @property {number} SOCKET_TYPE_RAW=3 SOCKET_TYPE_RAW value
         * @property {number} SOCKET_TYPE_RDM=4 SOCKET_TYPE_RDM value
         * @property {number} SOCKET_TYPE_SEQPACKET=5 SOCKET_TYPE_SEQPACKET value
         */
        v1.SocketType = (function() {
            const valuesById = $Object.create(null), values = $Object.create(valuesById);
            values[valuesById[0] = "SOCKET_TYPE_UNSPECIFIED"] = 0;
            values[valuesById[1] = "SOCKET_TYPE_STREAM"] = 1;
            values[valuesById[2] = "SOCKET_TYPE_DGRAM"] = 2;
            values[valuesById[3] = "SOCKET_TYPE_RAW"] = 3;
            values[valuesById[4] = "SOCKET_TYPE_RDM"] = 4;
            values[valuesById[5] = "SOCKET_TYPE_SEQPACKET"] = 5;
            return values;
        })();

        /**
         * NetworkByteOrder enum.
         * @name sanshare.v1.NetworkByteOrder
         * @enum {number}
         * @property {number} NETWORK_BYTE_ORDER_BIG_ENDIAN=0 NETWORK_BYTE_ORDER_BIG_ENDIAN value
         * @property {number} NETWORK_BYTE_ORDER_LITTLE_ENDIAN=1 NETWORK_BYTE_ORDER_LITTLE_ENDIAN value
         */
        v1.NetworkByteOrder = (function() {
            const valuesById = $Object.create(null), values = $Object.create(valuesById);
            values[valuesById[0] = "NETWORK_BYTE_ORDER_BIG_ENDIAN"] = 0;
            values[valuesById[1] = "NETWORK_BYTE_ORDER_LITTLE_ENDIAN"] = 1;
            return values;
        })();

        v1.ProtocolChain = (function() {

            /**
             * Properties of a ProtocolChain.
             * @typedef {Object} sanshare.v1.ProtocolChain.$Properties
             * @property {number|null} [chainLen] ProtocolChain chainLen
             * @property {Array.<number>|null} [chainEntries] ProtocolChain chainEntries
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */

            /**
             * Properties of a ProtocolChain.
             * @memberof sanshare.v1
             * @interface IProtocolChain
             * @augments sanshare.v1.ProtocolChain.$Properties
             * @deprecated Use sanshare.v1.ProtocolChain.$Properties instead.
             */

            /**
             * Shape of a ProtocolChain.
             * @typedef {sanshare.v1.ProtocolChain.$Properties} sanshare.v1.ProtocolChain.$Shape
             */

            /**
             * Constructs a new ProtocolChain.
             * @memberof sanshare.v1
             * @classdesc Represents a ProtocolChain.
             * @constructor
             * @param {sanshare.v1.ProtocolChain.$Properties=} [properties] Properties to set
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */
            const ProtocolChain = function (properties) {
                this.chainEntries = [];
                if (properties)
                    for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                        if (properties[keys[i]] != null && keys[i] !== "__proto__")
                            this[keys[i]] = properties[keys[i]];
            };

            /**
             * ProtocolChain chainLen.
             * @member {number} chainLen
             * @memberof sanshare.v1.ProtocolChain
             * @instance
             */
            ProtocolChain.prototype.chainLen = 0;

            /**
             * ProtocolChain chainEntries.
             * @member {Array.<number>} chainEntries
             * @memberof sanshare.v1.ProtocolChain
             * @instance
             */
            ProtocolChain.prototype.chainEntries = $util.emptyArray;

            /**
             * Encodes the specified ProtocolChain message. Does not implicitly {@link sanshare.v1.ProtocolChain.verify|verify} messages.
             * @function encode
             * @memberof sanshare.v1.ProtocolChain
             * @static
             * @param {sanshare.v1.ProtocolChain.$Properties} message ProtocolChain message or plain object to encode
             * @param {$protobuf.Writer} [writer] Writer to encode to
             * @returns {$protobuf.Writer} Writer
             */
            ProtocolChain.encode = function (message, writer, _depth) {
                if (!writer)
                    writer = $Writer.create();
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                if (message.chainLen != null && $Object.hasOwnProperty.call(message, "chainLen") && message.chainLen !== 0)
                    writer.uint32(/* id 1, wireType 0 =*/8).int32(message.chainLen);
                if (message.chainEntries != null && message.chainEntries.length)
                    writer.uint32(/* id 2, wireType 2 =*/18).uint32s(message.chainEntries);
                if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                    for (let i = 0; i < message.$unknowns.length; ++i)
                        writer.raw(message.$unknowns[i]);
                return writer;
            };

            /**
             * Decodes a ProtocolChain message from the specified reader or buffer.
             * @function decode
             * @memberof sanshare.v1.ProtocolChain
             * @static
             * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
             * @param {number} [length] Message length if known beforehand
             * @returns {sanshare.v1.ProtocolChain & sanshare.v1.ProtocolChain.$Shape} ProtocolChain
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            ProtocolChain.decode = function (reader, length, _end, _depth, _target) {
                if (!(reader instanceof $Reader))
                    reader = $Reader.create(reader);
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $Reader.recursionLimit)
                    throw $Error("max depth exceeded");
                let end, message, value;
                if (length === $undefined)
                    end = reader.len;
                else {
                    end = reader.pos + length;
                    if (end > reader.len)
                        throw $RangeError("index out of range");
                    length = reader.len;
                    reader.len = end;
                }
                message = _target || new $root.sanshare.v1.ProtocolChain();
                while (reader.pos < end) {
                    let start = reader.pos;
                    let tag = reader.tag();
                    if (tag === _end) {
                        _end = $undefined;
                        break;
                    }
                    let wireType = tag & 7;
                    switch (tag >>>= 3) {
                    case 1: {
                            if (wireType !== 0)
                                break;
                            if (value = reader.int32())
                                message.chainLen = value;
                            else
                                delete message.chainLen;
                            continue;
                        }
                    case 2: {
                            if (wireType === 2) {
                                if (!(message.chainEntries && message.chainEntries.length))
                                    message.chainEntries = [];
                                reader.uint32s(message.chainEntries);
                                continue;
                            }
                            if (wireType !== 0)
                                break;
                            if (!(message.chainEntries && message.chainEntries.length))
                                message.chainEntries = [];
                            message.chainEntries.push(reader.uint32());
                            continue;
                        }
                    }
                    reader.skipType(wireType, _depth, tag);
                    if (!reader.discardUnknown) {
                        $util.makeProp(message, "$unknowns", false);
                        (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                    }
                }
                if (length !== $undefined) {
                    if (reader.pos !== end)
                        throw $RangeError("index out of range");
                    reader.len = length;
                }
                if (_end !== $undefined)
                    throw $Error("missing end group");
                return message;
            };

            return ProtocolChain;
        })();

        v1.ExportContext = (function() {

            /**
             * Properties of an ExportContext.
             * @typedef {Object} sanshare.v1.ExportContext.$Properties
             * @property {number|null} [exportId] ExportContext exportId
             * @property {number|null} [sourcePid] ExportContext sourcePid
             * @property {number|null} [targetPid] ExportContext targetPid
             * @property {number|Long|null} [socketCookie] ExportContext socketCookie
             * @property {Uint8Array|null} [nonce] ExportContext nonce
             * @property {number|Long|null} [expiresAtMs] ExportContext expiresAtMs
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */

            /**
             * Properties of an ExportContext.
             * @memberof sanshare.v1
             * @interface IExportContext
             * @augments sanshare.v1.ExportContext.$Properties
             * @deprecated Use sanshare.v1.ExportContext.$Properties instead.
             */

            /**
             * Shape of an ExportContext.
             * @typedef {sanshare.v1.ExportContext.$Properties} sanshare.v1.ExportContext.$Shape
             */

            /**
             * Constructs a new ExportContext.
             * @memberof sanshare.v1
             * @classdesc Represents an ExportContext.
             * @constructor
             * @param {sanshare.v1.ExportContext.$Properties=} [properties] Properties to set
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */
            const ExportContext = function (properties) {
                if (properties)
                    for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                        if (properties[keys[i]] != null && keys[i] !== "__proto__")
                            this[keys[i]] = properties[keys[i]];
            };

            /**
             * ExportContext exportId.
             * @member {number} exportId
             * @memberof sanshare.v1.ExportContext
             * @instance
             */
            ExportContext.prototype.exportId = 0;

            /**
             * ExportContext sourcePid.
             * @member {number} sourcePid
             * @memberof sanshare.v1.ExportContext
             * @instance
             */
            ExportContext.prototype.sourcePid = 0;

            /**
             * ExportContext targetPid.
             * @member {number} targetPid
             * @memberof sanshare.v1.ExportContext
             * @instance
             */
            ExportContext.prototype.targetPid = 0;

            /**
             * ExportContext socketCookie.
             * @member {number|Long} socketCookie
             * @memberof sanshare.v1.ExportContext
             * @instance
             */
            ExportContext.prototype.socketCookie = $util.Long ? $util.Long.fromBits(0,0,true) : 0;

            /**
             * ExportContext nonce.
             * @member {Uint8Array} nonce
             * @memberof sanshare.v1.ExportContext
             * @instance
             */
            ExportContext.prototype.nonce = $util.newBuffer([]);

            /**
             * ExportContext expiresAtMs.
             * @member {number|Long} expiresAtMs
             * @memberof sanshare.v1.ExportContext
             * @instance
             */
            ExportContext.prototype.expiresAtMs = $util.Long ? $util.Long.fromBits(0,0,true) : 0;

            /**
             * Encodes the specified ExportContext message. Does not implicitly {@link sanshare.v1.ExportContext.verify|verify} messages.
             * @function encode
             * @memberof sanshare.v1.ExportContext
             * @static
             * @param {sanshare.v1.ExportContext.$Properties} message ExportContext message or plain object to encode
             * @param {$protobuf.Writer} [writer] Writer to encode to
             * @returns {$protobuf.Writer} Writer
             */
            ExportContext.encode = function (message, writer, _depth) {
                if (!writer)
                    writer = $Writer.create();
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                if (message.exportId != null && $Object.hasOwnProperty.call(message, "exportId") && message.exportId !== 0)
                    writer.uint32(/* id 1, wireType 0 =*/8).uint32(message.exportId);
                if (message.sourcePid != null && $Object.hasOwnProperty.call(message, "sourcePid") && message.sourcePid !== 0)
                    writer.uint32(/* id 2, wireType 0 =*/16).uint32(message.sourcePid);
                if (message.targetPid != null && $Object.hasOwnProperty.call(message, "targetPid") && message.targetPid !== 0)
                    writer.uint32(/* id 3, wireType 0 =*/24).uint32(message.targetPid);
                if (message.socketCookie != null && $Object.hasOwnProperty.call(message, "socketCookie") && (typeof message.socketCookie === "object" ? message.socketCookie.low || message.socketCookie.high : message.socketCookie !== 0))
                    writer.uint32(/* id 4, wireType 0 =*/32).uint64(message.socketCookie);
                if (message.nonce != null && $Object.hasOwnProperty.call(message, "nonce") && message.nonce.length)
                    writer.uint32(/* id 5, wireType 2 =*/42).bytes(message.nonce);
                if (message.expiresAtMs != null && $Object.hasOwnProperty.call(message, "expiresAtMs") && (typeof message.expiresAtMs === "object" ? message.expiresAtMs.low || message.expiresAtMs.high : message.expiresAtMs !== 0))
                    writer.uint32(/* id 6, wireType 0 =*/48).uint64(message.expiresAtMs);
                if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                    for (let i = 0; i < message.$unknowns.length; ++i)
                        writer.raw(message.$unknowns[i]);
                return writer;
            };

            /**
             * Decodes an ExportContext message from the specified reader or buffer.
             * @function decode
             * @memberof sanshare.v1.ExportContext
             * @static
             * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
             * @param {number} [length] Message length if known beforehand
             * @returns {sanshare.v1.ExportContext & sanshare.v1.ExportContext.$Shape} ExportContext
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            ExportContext.decode = function (reader, length, _end, _depth, _target) {
                if (!(reader instanceof $Reader))
                    reader = $Reader.create(reader);
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $Reader.recursionLimit)
                    throw $Error("max depth exceeded");
                let end, message, value;
                if (length === $undefined)
                    end = reader.len;
                else {
                    end = reader.pos + length;
                    if (end > reader.len)
                        throw $RangeError("index out of range");
                    length = reader.len;
                    reader.len = end;
                }
                message = _target || new $root.sanshare.v1.ExportContext();
                while (reader.pos < end) {
                    let start = reader.pos;
                    let tag = reader.tag();
                    if (tag === _end) {
                        _end = $undefined;
                        break;
                    }
                    let wireType = tag & 7;
                    switch (tag >>>= 3) {
                    case 1: {
                            if (wireType !== 0)
                                break;
                            if (value = reader.uint32())
                                message.exportId = value;
                            else
                                delete message.exportId;
                            continue;
                        }
                    case 2: {
                            if (wireType !== 0)
                                break;
                            if (value = reader.uint32())
                                message.sourcePid = value;
                            else
                                delete message.sourcePid;
                            continue;
                        }
                    case 3: {
                            if (wireType !== 0)
                                break;
                            if (value = reader.uint32())
                                message.targetPid = value;
                            else
                                delete message.targetPid;
                            continue;
                        }
                    case 4: {
                            if (wireType !== 0)
                                break;
                            if (typeof (value = reader.uint64()) === "object" ? value.low || value.high : value !== 0)
                                message.socketCookie = value;
                            else
                                delete message.socketCookie;
                            continue;
                        }
                    case 5: {
                            if (wireType !== 2)
                                break;
                            if ((value = reader.bytes()).length)
                                message.nonce = value;
                            else
                                delete message.nonce;
                            continue;
                        }
                    case 6: {
                            if (wireType !== 0)
                                break;
                            if (typeof (value = reader.uint64()) === "object" ? value.low || value.high : value !== 0)
                                message.expiresAtMs = value;
                            else
                                delete message.expiresAtMs;
                            continue;
                        }
                    }
                    reader.skipType(wireType, _depth, tag);
                    if (!reader.discardUnknown) {
                        $util.makeProp(message, "$unknowns", false);
                        (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                    }
                }
                if (length !== $undefined) {
                    if (reader.pos !== end)
                        throw $RangeError("index out of range");
                    reader.len = length;
                }
                if (_end !== $undefined)
                    throw $Error("missing end group");
                return message;
            };

            return ExportContext;
        })();

        v1.ProtocolInfo = (function() {

            /**
             * Properties of a ProtocolInfo.
             * @typedef {Object} sanshare.v1.ProtocolInfo.$Properties
             * @property {number|null} [serviceFlags1] ProtocolInfo serviceFlags1
             * @property {number|null} [serviceFlags2] ProtocolInfo serviceFlags2
             * @property {number|null} [serviceFlags3] ProtocolInfo serviceFlags3
             * @property {number|null} [serviceFlags4] ProtocolInfo serviceFlags4
             * @property {number|null} [providerFlags] ProtocolInfo providerFlags
             * @property {string|null} [providerId] ProtocolInfo providerId
             * @property {number|null} [catalogEntryId] ProtocolInfo catalogEntryId
             * @property {sanshare.v1.ProtocolChain.$Properties|null} [protocolChain] ProtocolInfo protocolChain
             * @property {number|null} [version] ProtocolInfo version
             * @property {sanshare.v1.AddressFamily|null} [addressFamily] ProtocolInfo addressFamily
             * @property {number|null} [maxSockAddr] ProtocolInfo maxSockAddr
             * @property {number|null} [minSockAddr] ProtocolInfo minSockAddr
             * @property {sanshare.v1.SocketType|null} [socketType] ProtocolInfo socketType
             * @property {number|null} [protocol] ProtocolInfo protocol
             * @property {number|null} [protocolMaxOffset] ProtocolInfo protocolMaxOffset
             * @property {sanshare.v1.NetworkByteOrder|null} [networkByteOrder] ProtocolInfo networkByteOrder
             * @property {number|null} [securityScheme] ProtocolInfo securityScheme
             * @property {number|null} [messageSize] ProtocolInfo messageSize
             * @property {number|null} [providerReserved] ProtocolInfo providerReserved
             * @property {string|null} [szProtocol] ProtocolInfo szProtocol
             * @property {sanshare.v1.ExportContext.$Properties|null} [exportContext] ProtocolInfo exportContext
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */

            /**
             * Properties of a ProtocolInfo.
             * @memberof sanshare.v1
             * @interface IProtocolInfo
             * @augments sanshare.v1.ProtocolInfo.$Properties
             * @deprecated Use sanshare.v1.ProtocolInfo.$Properties instead.
             */

            /**
             * Shape of a ProtocolInfo.
             * @typedef {sanshare.v1.ProtocolInfo.$Properties} sanshare.v1.ProtocolInfo.$Shape
             */

            /**
             * Constructs a new ProtocolInfo.
             * @memberof sanshare.v1
             * @classdesc Represents a ProtocolInfo.
             * @constructor
             * @param {sanshare.v1.ProtocolInfo.$Properties=} [properties] Properties to set
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */
            const ProtocolInfo = function (properties) {
                if (properties)
                    for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                        if (properties[keys[i]] != null && keys[i] !== "__proto__")
                            this[keys[i]] = properties[keys[i]];
            };

            /**
             * ProtocolInfo serviceFlags1.
             * @member {number} serviceFlags1
             * @memberof sanshare.v1.ProtocolInfo
             * @instance
             */
            ProtocolInfo.prototype.serviceFlags1 = 0;

            /**
             * ProtocolInfo serviceFlags2.
             * @member {number} serviceFlags2
             * @memberof sanshare.v1.ProtocolInfo
             * @instance
             */
            ProtocolInfo.prototype.serviceFlags2 = 0;

            /**
             * ProtocolInfo serviceFlags3.
             * @member {number} serviceFlags3
             * @memberof sanshare.v1.ProtocolInfo
             * @instance
             */
            ProtocolInfo.prototype.serviceFlags3 = 0;

            /**
             * ProtocolInfo serviceFlags4.
             * @member {number} serviceFlags4
             * @memberof sanshare.v1.ProtocolInfo
             * @instance
             */
            ProtocolInfo.prototype.serviceFlags4 = 0;

            /**
             * ProtocolInfo providerFlags.
             * @member {number} providerFlags
             * @memberof sanshare.v1.ProtocolInfo
             * @instance
             */
            ProtocolInfo.prototype.providerFlags = 0;

            /**
             * ProtocolInfo providerId.
             * @member {string} providerId
             * @memberof sanshare.v1.ProtocolInfo
             * @instance
             */
            ProtocolInfo.prototype.providerId = "";

            /**
             * ProtocolInfo catalogEntryId.
             * @member {number} catalogEntryId
             * @memberof sanshare.v1.ProtocolInfo
             * @instance
             */
            ProtocolInfo.prototype.catalogEntryId = 0;

            /**
             * ProtocolInfo protocolChain.
             * @member {sanshare.v1.ProtocolChain.$Properties|null|undefined} protocolChain
             * @memberof sanshare.v1.ProtocolInfo
             * @instance
             */
            ProtocolInfo.prototype.protocolChain = null;

            /**
             * ProtocolInfo version.
             * @member {number} version
             * @memberof sanshare.v1.ProtocolInfo
             * @instance
             */
            ProtocolInfo.prototype.version = 0;

            /**
             * ProtocolInfo addressFamily.
             * @member {sanshare.v1.AddressFamily} addressFamily
             * @memberof sanshare.v1.ProtocolInfo
             * @instance
             */
            ProtocolInfo.prototype.addressFamily = 0;

            /**
             * ProtocolInfo maxSockAddr.
             * @member {number} maxSockAddr
             * @memberof sanshare.v1.ProtocolInfo
             * @instance
             */
            ProtocolInfo.prototype.maxSockAddr = 0;

            /**
             * ProtocolInfo minSockAddr.
             * @member {number} minSockAddr
             * @memberof sanshare.v1.ProtocolInfo
             * @instance
             */
            ProtocolInfo.prototype.minSockAddr = 0;

            /**
             * ProtocolInfo socketType.
             * @member {sanshare.v1.SocketType} socketType
             * @memberof sanshare.v1.ProtocolInfo
             * @instance
             */
            ProtocolInfo.prototype.socketType = 0;

            /**
             * ProtocolInfo protocol.
             * @member {number} protocol
             * @memberof sanshare.v1.ProtocolInfo
             * @instance
             */
            ProtocolInfo.prototype.protocol = 0;

            /**
             * ProtocolInfo protocolMaxOffset.
             * @member {number} protocolMaxOffset
             * @memberof sanshare.v1.ProtocolInfo
             * @instance
             */
            ProtocolInfo.prototype.protocolMaxOffset = 0;

            /**
             * ProtocolInfo networkByteOrder.
             * @member {sanshare.v1.NetworkByteOrder} networkByteOrder
             * @memberof sanshare.v1.ProtocolInfo
             * @instance
             */
            ProtocolInfo.prototype.networkByteOrder = 0;

            /**
             * ProtocolInfo securityScheme.
             * @member {number} securityScheme
             * @memberof sanshare.v1.ProtocolInfo
             * @instance
             */
            ProtocolInfo.prototype.securityScheme = 0;

            /**
             * ProtocolInfo messageSize.
             * @member {number} messageSize
             * @memberof sanshare.v1.ProtocolInfo
             * @instance
             */
            ProtocolInfo.prototype.messageSize = 0;

            /**
             * ProtocolInfo providerReserved.
             * @member {number} providerReserved
             * @memberof sanshare.v1.ProtocolInfo
             * @instance
             */
            ProtocolInfo.prototype.providerReserved = 0;

            /**
             * ProtocolInfo szProtocol.
             * @member {string} szProtocol
             * @memberof sanshare.v1.ProtocolInfo
             * @instance
             */
            ProtocolInfo.prototype.szProtocol = "";

            /**
             * ProtocolInfo exportContext.
             * @member {sanshare.v1.ExportContext.$Properties|null|undefined} exportContext
             * @memberof sanshare.v1.ProtocolInfo
             * @instance
             */
            ProtocolInfo.prototype.exportContext = null;

            /**
             * Encodes the specified ProtocolInfo message. Does not implicitly {@link sanshare.v1.ProtocolInfo.verify|verify} messages.
             * @function encode
             * @memberof sanshare.v1.ProtocolInfo
             * @static
             * @param {sanshare.v1.ProtocolInfo.$Properties} message ProtocolInfo message or plain object to encode
             * @param {$protobuf.Writer} [writer] Writer to encode to
             * @returns {$protobuf.Writer} Writer
             */
            ProtocolInfo.encode = function (message, writer, _depth) {
                if (!writer)
                    writer = $Writer.create();
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                if (message.serviceFlags1 != null && $Object.hasOwnProperty.call(message, "serviceFlags1") && message.serviceFlags1 !== 0)
                    writer.uint32(/* id 1, wireType 0 =*/8).uint32(message.serviceFlags1);
                if (message.serviceFlags2 != null && $Object.hasOwnProperty.call(message, "serviceFlags2") && message.serviceFlags2 !== 0)
                    writer.uint32(/* id 2, wireType 0 =*/16).uint32(message.serviceFlags2);
                if (message.serviceFlags3 != null && $Object.hasOwnProperty.call(message, "serviceFlags3") && message.serviceFlags3 !== 0)
                    writer.uint32(/* id 3, wireType 0 =*/24).uint32(message.serviceFlags3);
                if (message.serviceFlags4 != null && $Object.hasOwnProperty.call(message, "serviceFlags4") && message.serviceFlags4 !== 0)
                    writer.uint32(/* id 4, wireType 0 =*/32).uint32(message.serviceFlags4);
                if (message.providerFlags != null && $Object.hasOwnProperty.call(message, "providerFlags") && message.providerFlags !== 0)
                    writer.uint32(/* id 5, wireType 0 =*/40).uint32(message.providerFlags);
                if (message.providerId != null && $Object.hasOwnProperty.call(message, "providerId") && message.providerId !== "")
                    writer.uint32(/* id 6, wireType 2 =*/50).string(message.providerId);
                if (message.catalogEntryId != null && $Object.hasOwnProperty.call(message, "catalogEntryId") && message.catalogEntryId !== 0)
                    writer.uint32(/* id 7, wireType 0 =*/56).uint32(message.catalogEntryId);
                if (message.protocolChain != null && $Object.hasOwnProperty.call(message, "protocolChain"))
                    $root.sanshare.v1.ProtocolChain.encode(message.protocolChain, writer.uint32(/* id 8, wireType 2 =*/66).fork(), _depth + 1).ldelim();
                if (message.version != null && $Object.hasOwnProperty.call(message, "version") && message.version !== 0)
                    writer.uint32(/* id 9, wireType 0 =*/72).int32(message.version);
                if (message.addressFamily != null && $Object.hasOwnProperty.call(message, "addressFamily") && message.addressFamily !== 0)
                    writer.uint32(/* id 10, wireType 0 =*/80).int32(message.addressFamily);
                if (message.maxSockAddr != null && $Object.hasOwnProperty.call(message, "maxSockAddr") && message.maxSockAddr !== 0)
                    writer.uint32(/* id 11, wireType 0 =*/88).int32(message.maxSockAddr);
                if (message.minSockAddr != null && $Object.hasOwnProperty.call(message, "minSockAddr") && message.minSockAddr !== 0)
                    writer.uint32(/* id 12, wireType 0 =*/96).int32(message.minSockAddr);
                if (message.socketType != null && $Object.hasOwnProperty.call(message, "socketType") && message.socketType !== 0)
                    writer.uint32(/* id 13, wireType 0 =*/104).int32(message.socketType);
                if (message.protocol != null && $Object.hasOwnProperty.call(message, "protocol") && message.protocol !== 0)
                    writer.uint32(/* id 14, wireType 0 =*/112).int32(message.protocol);
                if (message.protocolMaxOffset != null && $Object.hasOwnProperty.call(message, "protocolMaxOffset") && message.protocolMaxOffset !== 0)
                    writer.uint32(/* id 15, wireType 0 =*/120).int32(message.protocolMaxOffset);
                if (message.networkByteOrder != null && $Object.hasOwnProperty.call(message, "networkByteOrder") && message.networkByteOrder !== 0)
                    writer.uint32(/* id 16, wireType 0 =*/128).int32(message.networkByteOrder);
                if (message.securityScheme != null && $Object.hasOwnProperty.call(message, "securityScheme") && message.securityScheme !== 0)
                    writer.uint32(/* id 17, wireType 0 =*/136).int32(message.securityScheme);
                if (message.messageSize != null && $Object.hasOwnProperty.call(message, "messageSize") && message.messageSize !== 0)
                    writer.uint32(/* id 18, wireType 0 =*/144).uint32(message.messageSize);
                if (message.providerReserved != null && $Object.hasOwnProperty.call(message, "providerReserved") && message.providerReserved !== 0)
                    writer.uint32(/* id 19, wireType 0 =*/152).uint32(message.providerReserved);
                if (message.szProtocol != null && $Object.hasOwnProperty.call(message, "szProtocol") && message.szProtocol !== "")
                    writer.uint32(/* id 20, wireType 2 =*/162).string(message.szProtocol);
                if (message.exportContext != null && $Object.hasOwnProperty.call(message, "exportContext"))
                    $root.sanshare.v1.ExportContext.encode(message.exportContext, writer.uint32(/* id 21, wireType 2 =*/170).fork(), _depth + 1).ldelim();
                if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                    for (let i = 0; i < message.$unknowns.length; ++i)
                        writer.raw(message.$unknowns[i]);
                return writer;
            };

            /**
             * Decodes a ProtocolInfo message from the specified reader or buffer.
             * @function decode
             * @memberof sanshare.v1.ProtocolInfo
             * @static
             * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
             * @param {number} [length] Message length if known beforehand
             * @returns {sanshare.v1.ProtocolInfo & sanshare.v1.ProtocolInfo.$Shape} ProtocolInfo
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            ProtocolInfo.decode = function (reader, length, _end, _depth, _target) {
                if (!(reader instanceof $Reader))
                    reader = $Reader.create(reader);
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $Reader.recursionLimit)
                    throw $Error("max depth exceeded");
                let end, message, value;
                if (length === $undefined)
                    end = reader.len;
                else {
                    end = reader.pos + length;
                    if (end > reader.len)
                        throw $RangeError("index out of range");
                    length = reader.len;
                    reader.len = end;
                }
                message = _target || new $root.sanshare.v1.ProtocolInfo();
                while (reader.pos < end) {
                    let start = reader.pos;
                    let tag = reader.tag();
                    if (tag === _end) {
                        _end = $undefined;
                        break;
                    }
                    let wireType = tag & 7;
                    switch (tag >>>= 3) {
                    case 1: {
                            if (wireType !== 0)
                                break;
                            if (value = reader.uint32())
                                message.serviceFlags1 = value;
                            else
                                delete message.serviceFlags1;
                            continue;
                        }
                    case 2: {
                            if (wireType !== 0)
                                break;
                            if (value = reader.uint32())
                                message.serviceFlags2 = value;
                            else
                                delete message.serviceFlags2;
                            continue;
                        }
                    case 3: {
                            if (wireType !== 0)
                                break;
                            if (value = reader.uint32())
                                message.serviceFlags3 = value;
                            else
                                delete message.serviceFlags3;
                            continue;
                        }
                    case 4: {
                            if (wireType !== 0)
                                break;
                            if (value = reader.uint32())
                                message.serviceFlags4 = value;
                            else
                                delete message.serviceFlags4;
                            continue;
                        }
                    case 5: {
                            if (wireType !== 0)
                                break;
                            if (value = reader.uint32())
                                message.providerFlags = value;
                            else
                                delete message.providerFlags;
                            continue;
                        }
                    case 6: {
                            if (wireType !== 2)
                                break;
                            if ((value = reader.stringVerify()).length)
                                message.providerId = value;
                            else
                                delete message.providerId;
                            continue;
                        }
                    case 7: {
                            if (wireType !== 0)
                                break;
                            if (value = reader.uint32())
                                message.catalogEntryId = value;
                            else
                                delete message.catalogEntryId;
                            continue;
                        }
                    case 8: {
                            if (wireType !== 2)
                                break;
                            message.protocolChain = $root.sanshare.v1.ProtocolChain.decode(reader, reader.size(), $undefined, _depth + 1, message.protocolChain);
                            continue;
                        }
                    case 9: {
                            if (wireType !== 0)
                                break;
                            if (value = reader.int32())
                                message.version = value;
                            else
                                delete message.version;
                            continue;
                        }
                    case 10: {
                            if (wireType !== 0)
                                break;
                            if (value = reader.int32())
                                message.addressFamily = value;
                            else
                                delete message.addressFamily;
                            continue;
                        }
                    case 11: {
                            if (wireType !== 0)
                                break;
                            if (value = reader.int32())
                                message.maxSockAddr = value;
                            else
                                delete message.maxSockAddr;
                            continue;
                        }
                    case 12: {
                            if (wireType !== 0)
                                break;
                            if (value = reader.int32())
                                message.minSockAddr = value;
                            else
                                delete message.minSockAddr;
                            continue;
                        }
                    case 13: {
                            if (wireType !== 0)
                                break;
                            if (value = reader.int32())
                                message.socketType = value;
                            else
                                delete message.socketType;
                            continue;
                        }
                    case 14: {
                            if (wireType !== 0)
                                break;
                            if (value = reader.int32())
                                message.protocol = value;
                            else
                                delete message.protocol;
                            continue;
                        }
                    case 15: {
                            if (wireType !== 0)
                                break;
                            if (value = reader.int32())
                                message.protocolMaxOffset = value;
                            else
                                delete message.protocolMaxOffset;
                            continue;
                        }
                    case 16: {
                            if (wireType !== 0)
                                break;
                            if (value = reader.int32())
                                message.networkByteOrder = value;
                            else
                                delete message.networkByteOrder;
                            continue;
                        }
                    case 17: {
                            if (wireType !== 0)
                                break;
                            if (value = reader.int32())
                                message.securityScheme = value;
                            else
                                delete message.securityScheme;
                            continue;
                        }
                    case 18: {
                            if (wireType !== 0)
                                break;
                            if (value = reader.uint32())
                                message.messageSize = value;
                            else
                                delete message.messageSize;
                            continue;
                        }
                    case 19: {
                            if (wireType !== 0)
                                break;
                            if (value = reader.uint32())
                                message.providerReserved = value;
                            else
                                delete message.providerReserved;
                            continue;
                        }
                    case 20: {
                            if (wireType !== 2)
                                break;
                            if ((value = reader.stringVerify()).length)
                                message.szProtocol = value;
                            else
                                delete message.szProtocol;
                            continue;
                        }
                    case 21: {
                            if (wireType !== 2)
                                break;
                            message.exportContext = $root.sanshare.v1.ExportContext.decode(reader, reader.size(), $undefined, _depth + 1, message.exportContext);
                            continue;
                        }
                    }
                    reader.skipType(wireType, _depth, tag);
                    if (!reader.discardUnknown) {
                        $util.makeProp(message, "$unknowns", false);
                        (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                    }
                }
                if (length !== $undefined) {
                    if (reader.pos !== end)
                        throw $RangeError("index out of range");
                    reader.len = length;
                }
                if (_end !== $undefined)
                    throw $Error("missing end group");
                return message;
            };

            return ProtocolInfo;
        })();

        return v1;
    })();

    return sanshare;
})();

export {
  $root as default
};
