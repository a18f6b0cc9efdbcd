"""Python stubs for Purple's protos, generated at test time with grpc_tools (Debian's python3-grpc-tools)
from the repository's protos/ into a temporary directory, so the interop tests call Purple with code
nobody here wrote by hand. grpc.health.v1 is loaded by path: its package name would shadow grpcio's."""
import importlib.util
import os
import sys
import tempfile

from grpc_tools import protoc

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
PROTOS = os.path.join(ROOT, "protos")
OUT = tempfile.mkdtemp(prefix="purple-grpc-stubs-")


def _generate(*files, root=PROTOS, out=OUT):
    os.makedirs(out, exist_ok=True)
    args = ["protoc", f"-I{root}", f"--python_out={out}", f"--grpc_python_out={out}"] + [os.path.join(root, f) for f in files]
    if protoc.main(args) != 0:
        raise RuntimeError(f"protoc failed for {files}")


def _load(relative, name):
    spec = importlib.util.spec_from_file_location(name, os.path.join(OUT, relative))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def generate_and_load(relative_proto, name):
    """Messages of a proto whose package starts with "grpc." (which would shadow grpcio), loaded by path."""
    _generate(relative_proto)
    return _load(relative_proto[:-len(".proto")] + "_pb2.py", name)


_generate("purple/v1/purple.proto", "grpc/health/v1/health.proto")
sys.path.insert(0, OUT)
from purple.v1 import purple_pb2, purple_pb2_grpc  # noqa: E402

health_pb2 = _load("grpc/health/v1/health_pb2.py", "purple_interop_health_pb2")

# The original Purple's services (package proto, files importing "common.proto") and Gerdu's, each from its own root.
COMPAT = os.path.join(OUT, "compat")
_generate("common.proto", "cache.proto", "counter.proto", "flag.proto", "kv.proto", "set.proto",
          root=os.path.join(PROTOS, "compat", "purple"), out=COMPAT)
_generate("gerdu.proto", root=os.path.join(PROTOS, "compat", "gerdu"), out=COMPAT)
sys.path.insert(0, COMPAT)
import cache_pb2, cache_pb2_grpc, counter_pb2, counter_pb2_grpc, flag_pb2, flag_pb2_grpc  # noqa: E402,F401
import kv_pb2, kv_pb2_grpc, set_pb2, set_pb2_grpc, gerdu_pb2, gerdu_pb2_grpc  # noqa: E402,F401
