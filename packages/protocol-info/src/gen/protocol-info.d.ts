import * as $protobuf from "protobufjs/minimal.js";
import Long = require("long");

/** Namespace sanshare. */
export namespace sanshare {

    /** Namespace v1. */
    namespace v1 {

        /** AddressFamily enum. */
        enum AddressFamily {

            /** ADDRESS_FAMILY_UNSPEC value */
            ADDRESS_FAMILY_UNSPEC = 0,

            /** ADDRESS_FAMILY_INET value */
            ADDRESS_FAMILY_INET = 2,

            /** ADDRESS_FAMILY_IPX value */
            ADDRESS_FAMILY_IPX = 6,

            /** ADDRESS_FAMILY_INET6 value */
            ADDRESS_FAMILY_INET6 = 23,

            /** ADDRESS_FAMILY_IRDA value */
            ADDRESS_FAMILY_IRDA = 26,

            /** ADDRESS_FAMILY_BTH value */
            ADDRESS_FAMILY_BTH = 32,

            /** ADDRESS_FAMILY_HYPERV value */
            ADDRESS_FAMILY_HYPERV = 34
        }

        /** SocketType enum. */
        enum SocketType {

            /** SOCKET_TYPE_UNSPECIFIED value */
            SOCKET_TYPE_UNSPECIFIED = 0,

            /** SOCKET_TYPE_STREAM value */
            SOCKET_TYPE_STREAM = 1,

            /** SOCKET_TYPE_DGRAM value */
            SOCKET_TYPE_DGRAM = 2,

            /** SOCKET_TYPE_RAW value */
            SOCKET_TYPE_RAW = 3,

            /** SOCKET_TYPE_RDM value */
            SOCKET_TYPE_RDM = 4,

            /** SOCKET_TYPE_SEQPACKET value */
            SOCKET_TYPE_SEQPACKET = 5
        }

        /** NetworkByteOrder enum. */
        enum NetworkByteOrder {

            /** NETWORK_BYTE_ORDER_BIG_ENDIAN value */
            NETWORK_BYTE_ORDER_BIG_ENDIAN = 0,

            /** NETWORK_BYTE_ORDER_LITTLE_ENDIAN value */
            NETWORK_BYTE_ORDER_LITTLE_ENDIAN = 1
        }

        /**
         * Properties of a ProtocolChain.
         * @deprecated Use sanshare.v1.ProtocolChain.$Properties instead.
         */
        interface IProtocolChain extends sanshare.v1.ProtocolChain.$Properties {
        }

        /** Represents a ProtocolChain. */
        class ProtocolChain {

            /**
             * Constructs a new ProtocolChain.
             * @param [properties] Properties to set
             */
            constructor(properties?: sanshare.v1.ProtocolChain.$Properties);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];

            /** ProtocolChain chainLen. */
            chainLen: number;

            /** ProtocolChain chainEntries. */
            chainEntries: number[];

            /**
             * Encodes the specified ProtocolChain message. Does not implicitly {@link sanshare.v1.ProtocolChain.verify|verify} messages.
             * @param message ProtocolChain message or plain object to encode
             * @param [writer] Writer to encode to
             * @returns Writer
             */
            static encode(message: sanshare.v1.ProtocolChain.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

            /**
             * Decodes a ProtocolChain message from the specified reader or buffer.
             * @param reader Reader or buffer to decode from
             * @param [length] Message length if known beforehand
             * @returns {sanshare.v1.ProtocolChain & sanshare.v1.ProtocolChain.$Shape} ProtocolChain
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): sanshare.v1.ProtocolChain & sanshare.v1.ProtocolChain.$Shape;
        }

        namespace ProtocolChain {

            /** Properties of a ProtocolChain. */
            interface $Properties {

                /** ProtocolChain chainLen */
                chainLen?: (number|null);

                /** ProtocolChain chainEntries */
                chainEntries?: (number[]|null);

                /** Unknown fields preserved while decoding when enabled */
                $unknowns?: Uint8Array[];
            }

            /** Shape of a ProtocolChain. */
            type $Shape = sanshare.v1.ProtocolChain.$Properties;
        }

        /**
         * Properties of an ExportContext.
         * @deprecated Use sanshare.v1.ExportContext.$Properties instead.
         */
        interface IExportContext extends sanshare.v1.ExportContext.$Properties {
        }

        /** Represents an ExportContext. */
        class ExportContext {

            /**
             * Constructs a new ExportContext.
             * @param [properties] Properties to set
             */
            constructor(properties?: sanshare.v1.ExportContext.$Properties);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];

            /** ExportContext exportId. */
            exportId: number;

            /** ExportContext sourcePid. */
            sourcePid: number;

            /** ExportContext targetPid. */
            targetPid: number;

            /** ExportContext socketCookie. */
            socketCookie: (number|Long);

            /** ExportContext nonce. */
            nonce: Uint8Array;

            /** ExportContext expiresAtMs. */
            expiresAtMs: (number|Long);

            /**
             * Encodes the specified ExportContext message. Does not implicitly {@link sanshare.v1.ExportContext.verify|verify} messages.
             * @param message ExportContext message or plain object to encode
             * @param [writer] Writer to encode to
             * @returns Writer
             */
            static encode(message: sanshare.v1.ExportContext.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

            /**
             * Decodes an ExportContext message from the specified reader or buffer.
             * @param reader Reader or buffer to decode from
             * @param [length] Message length if known beforehand
             * @returns {sanshare.v1.ExportContext & sanshare.v1.ExportContext.$Shape} ExportContext
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): sanshare.v1.ExportContext & sanshare.v1.ExportContext.$Shape;
        }

        namespace ExportContext {

            /** Properties of an ExportContext. */
            interface $Properties {

                /** ExportContext exportId */
                exportId?: (number|null);

                /** ExportContext sourcePid */
                sourcePid?: (number|null);

                /** ExportContext targetPid */
                targetPid?: (number|null);

                /** ExportContext socketCookie */
                socketCookie?: (number|Long|null);

                /** ExportContext nonce */
                nonce?: (Uint8Array|null);

                /** ExportContext expiresAtMs */
                expiresAtMs?: (number|Long|null);

                /** Unknown fields preserved while decoding when enabled */
                $unknowns?: Uint8Array[];
            }

            /** Shape of an ExportContext. */
            type $Shape = sanshare.v1.ExportContext.$Properties;
        }

        /**
         * Properties of a ProtocolInfo.
         * @deprecated Use sanshare.v1.ProtocolInfo.$Properties instead.
         */
        interface IProtocolInfo extends sanshare.v1.ProtocolInfo.$Properties {
        }

        /** Represents a ProtocolInfo. */
        class ProtocolInfo {

            /**
             * Constructs a new ProtocolInfo.
             * @param [properties] Properties to set
             */
            constructor(properties?: sanshare.v1.ProtocolInfo.$Properties);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];

            /** ProtocolInfo serviceFlags1. */
            serviceFlags1: number;

            /** ProtocolInfo serviceFlags2. */
            serviceFlags2: number;

            /** ProtocolInfo serviceFlags3. */
            serviceFlags3: number;

            /** ProtocolInfo serviceFlags4. */
            serviceFlags4: number;

            /** ProtocolInfo providerFlags. */
            providerFlags: number;

            /** ProtocolInfo providerId. */
            providerId: string;

            /** ProtocolInfo catalogEntryId. */
            catalogEntryId: number;

            /** ProtocolInfo protocolChain. */
            protocolChain?: (sanshare.v1.ProtocolChain.$Properties|null);

            /** ProtocolInfo version. */
            version: number;

            /** ProtocolInfo addressFamily. */
            addressFamily: sanshare.v1.AddressFamily;

            /** ProtocolInfo maxSockAddr. */
            maxSockAddr: number;

            /** ProtocolInfo minSockAddr. */
            minSockAddr: number;

            /** ProtocolInfo socketType. */
            socketType: sanshare.v1.SocketType;

            /** ProtocolInfo protocol. */
            protocol: number;

            /** ProtocolInfo protocolMaxOffset. */
            protocolMaxOffset: number;

            /** ProtocolInfo networkByteOrder. */
            networkByteOrder: sanshare.v1.NetworkByteOrder;

            /** ProtocolInfo securityScheme. */
            securityScheme: number;

            /** ProtocolInfo messageSize. */
            messageSize: number;

            /** ProtocolInfo providerReserved. */
            providerReserved: number;

            /** ProtocolInfo szProtocol. */
            szProtocol: string;

            /** ProtocolInfo exportContext. */
            exportContext?: (sanshare.v1.ExportContext.$Properties|null);

            /**
             * Encodes the specified ProtocolInfo message. Does not implicitly {@link sanshare.v1.ProtocolInfo.verify|verify} messages.
             * @param message ProtocolInfo message or plain object to encode
             * @param [writer] Writer to encode to
             * @returns Writer
             */
            static encode(message: sanshare.v1.ProtocolInfo.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

            /**
             * Decodes a ProtocolInfo message from the specified reader or buffer.
             * @param reader Reader or buffer to decode from
             * @param [length] Message length if known beforehand
             * @returns {sanshare.v1.ProtocolInfo & sanshare.v1.ProtocolInfo.$Shape} ProtocolInfo
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): sanshare.v1.ProtocolInfo & sanshare.v1.ProtocolInfo.$Shape;
        }

        namespace ProtocolInfo {

            /** Properties of a ProtocolInfo. */
            interface $Properties {

                /** ProtocolInfo serviceFlags1 */
                serviceFlags1?: (number|null);

                /** ProtocolInfo serviceFlags2 */
                serviceFlags2?: (number|null);

                /** ProtocolInfo serviceFlags3 */
                serviceFlags3?: (number|null);

                /** ProtocolInfo serviceFlags4 */
                serviceFlags4?: (number|null);

                /** ProtocolInfo providerFlags */
                providerFlags?: (number|null);

                /** ProtocolInfo providerId */
                providerId?: (string|null);

                /** ProtocolInfo catalogEntryId */
                catalogEntryId?: (number|null);

                /** ProtocolInfo protocolChain */
                protocolChain?: (sanshare.v1.ProtocolChain.$Properties|null);

                /** ProtocolInfo version */
                version?: (number|null);

                /** ProtocolInfo addressFamily */
                addressFamily?: (sanshare.v1.AddressFamily|null);

                /** ProtocolInfo maxSockAddr */
                maxSockAddr?: (number|null);

                /** ProtocolInfo minSockAddr */
                minSockAddr?: (number|null);

                /** ProtocolInfo socketType */
                socketType?: (sanshare.v1.SocketType|null);

                /** ProtocolInfo protocol */
                protocol?: (number|null);

                /** ProtocolInfo protocolMaxOffset */
                protocolMaxOffset?: (number|null);

                /** ProtocolInfo networkByteOrder */
                networkByteOrder?: (sanshare.v1.NetworkByteOrder|null);

                /** ProtocolInfo securityScheme */
                securityScheme?: (number|null);

                /** ProtocolInfo messageSize */
                messageSize?: (number|null);

                /** ProtocolInfo providerReserved */
                providerReserved?: (number|null);

                /** ProtocolInfo szProtocol */
                szProtocol?: (string|null);

                /** ProtocolInfo exportContext */
                exportContext?: (sanshare.v1.ExportContext.$Properties|null);

                /** Unknown fields preserved while decoding when enabled */
                $unknowns?: Uint8Array[];
            }

            /** Shape of a ProtocolInfo. */
            type $Shape = sanshare.v1.ProtocolInfo.$Properties;
        }
    }
}
