// Builds grpc-js service definitions from protobuf-es service descriptors.
//
// grpc-js needs, for each method, its path and functions that turn messages into bytes and
// back. The generated descriptors carry everything needed, so no .proto loading happens at
// run time and the generated TypeScript stays the only source of message shapes.
import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import type { DescMethod, DescService, Message } from '@bufbuild/protobuf';
import type { MethodDefinition, ServiceDefinition } from '@grpc/grpc-js';

/** The HTTP/2 path of a method: `/package.Service/Method`. */
export function methodPath(method: DescMethod): string {
  return `/${method.parent.typeName}/${method.name}`;
}

/** Whether the client sends a stream of messages. */
export function clientStreams(method: DescMethod): boolean {
  return method.methodKind === 'client_streaming' || method.methodKind === 'bidi_streaming';
}

/** Whether the server answers with a stream of messages. */
export function serverStreams(method: DescMethod): boolean {
  return method.methodKind === 'server_streaming' || method.methodKind === 'bidi_streaming';
}

/** The grpc-js definition of one method. */
export function methodDefinition(method: DescMethod): MethodDefinition<Message, Message> {
  return {
    path: methodPath(method),
    requestStream: clientStreams(method),
    responseStream: serverStreams(method),
    // Requests and answers may be given as init objects; `create` returns a message as is.
    requestSerialize: (value: Message) =>
      Buffer.from(toBinary(method.input, create(method.input, value))),
    requestDeserialize: (bytes: Buffer) => fromBinary(method.input, bytes),
    responseSerialize: (value: Message) =>
      Buffer.from(toBinary(method.output, create(method.output, value))),
    responseDeserialize: (bytes: Buffer) => fromBinary(method.output, bytes),
    originalName: method.localName,
  };
}

/** The grpc-js definition of a whole service, keyed by each method's local name. */
export function serviceDefinition(service: DescService): ServiceDefinition {
  const definition: Record<string, MethodDefinition<Message, Message>> = {};
  for (const method of service.methods) definition[method.localName] = methodDefinition(method);
  return definition;
}
