"""gRPC server reflection with Python grpcio: a client that has none of Purple's protos learns the services
and their messages from the server, builds requests from the returned descriptors, and calls Purple with
them, as grpcurl does. Only reflection.proto is compiled here (by grpc_tools, at test time)."""
import queue

import grpc
import pytest
from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

from grpc_stubs import generate_and_load


reflection_pb2 = generate_and_load("grpc/reflection/v1/reflection.proto", "purple_interop_reflection_pb2")


def reflection_call(channel, package="grpc.reflection.v1"):
    return channel.stream_stream(f"/{package}.ServerReflection/ServerReflectionInfo",
                                 request_serializer=reflection_pb2.ServerReflectionRequest.SerializeToString,
                                 response_deserializer=reflection_pb2.ServerReflectionResponse.FromString)


def ask(channel, *requests, package="grpc.reflection.v1"):
    return list(reflection_call(channel, package)(iter(requests), timeout=10))


def message_class(pool, full_name):
    descriptor = pool.FindMessageTypeByName(full_name)
    if hasattr(message_factory, "GetMessageClass"):
        return message_factory.GetMessageClass(descriptor)
    return message_factory.MessageFactory(pool).GetPrototype(descriptor)


def pool_for_symbol(channel, symbol):
    """A descriptor pool holding the file that defines symbol and its imports, all from the server."""
    [answer] = ask(channel, reflection_pb2.ServerReflectionRequest(file_containing_symbol=symbol))
    assert answer.WhichOneof("message_response") == "file_descriptor_response"
    files = [descriptor_pb2.FileDescriptorProto.FromString(b) for b in answer.file_descriptor_response.file_descriptor_proto]
    pool = descriptor_pool.DescriptorPool()
    added = set()
    while len(added) < len(files):  # imports before the files that use them
        for f in files:
            if f.name not in added and all(d in added for d in f.dependency):
                pool.Add(f)
                added.add(f.name)
    return pool


@pytest.mark.parametrize("package", ["grpc.reflection.v1", "grpc.reflection.v1alpha"])
def test_lists_the_services_purple_serves(channel, package):
    [answer] = ask(channel, reflection_pb2.ServerReflectionRequest(list_services="*"), package=package)
    names = [s.name for s in answer.list_services_response.service]
    for expected in ("purple.v1.Purple", "grpc.health.v1.Health", "proto.Cache", "proto.KV", "gerdu.Gerdu",
                     "grpc.reflection.v1.ServerReflection"):
        assert expected in names


def test_a_client_without_protos_calls_purple_from_reflected_descriptors(channel, r):
    pool = pool_for_symbol(channel, "purple.v1.Purple")
    service = pool.FindServiceByName("purple.v1.Purple")
    put, get = service.methods_by_name["KvPut"], service.methods_by_name["KvGet"]
    put_request, get_request = message_class(pool, put.input_type.full_name), message_class(pool, get.input_type.full_name)
    put_reply, get_reply = message_class(pool, put.output_type.full_name), message_class(pool, get.output_type.full_name)

    call_put = channel.unary_unary("/purple.v1.Purple/KvPut", request_serializer=put_request.SerializeToString,
                                   response_deserializer=put_reply.FromString)
    call_get = channel.unary_unary("/purple.v1.Purple/KvGet", request_serializer=get_request.SerializeToString,
                                   response_deserializer=get_reply.FromString)
    call_put(put_request(key=b"refl:k", value=b"\x00reflected", content_type="application/x-refl"), timeout=10)
    got = call_get(get_request(key=b"refl:k"), timeout=10)
    assert got.value == b"\x00reflected" and got.content_type == "application/x-refl"
    assert r.get("refl:k") == "\x00reflected"


def test_compat_files_come_with_their_imports(channel):
    pool = pool_for_symbol(channel, "proto.Cache.CacheSet")
    cache_set = pool.FindServiceByName("proto.Cache").methods_by_name["CacheSet"]
    assert cache_set.input_type.file.name == "cache.proto"
    assert cache_set.output_type.full_name == "proto.Empty" and cache_set.output_type.file.name == "common.proto"


def test_each_request_is_answered_before_the_next_is_sent(channel):
    """A client that waits for each answer before asking again, on one stream, is served in order."""
    outbox = queue.Queue()
    symbols = ["purple.v1.KeyRequest", "gerdu.PutRequest", "no.such.Type"]

    def requests():
        for symbol in symbols:
            yield reflection_pb2.ServerReflectionRequest(file_containing_symbol=symbol)
            outbox.get(timeout=10)  # the previous answer has arrived

    answers = []
    for answer in reflection_call(channel)(requests(), timeout=20):
        answers.append(answer)
        outbox.put(True)
    assert [a.original_request.file_containing_symbol for a in answers] == symbols
    assert answers[0].file_descriptor_response.file_descriptor_proto
    assert answers[2].error_response.error_code == grpc.StatusCode.NOT_FOUND.value[0]
