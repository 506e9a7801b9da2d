#!/usr/bin/env python3
"""Writes safetensors fixtures with Hugging Face's `safetensors` package, for nimbus's reader tests.

Outputs (in tests/frontend/data/ unless --out is given):
  python_fixture.safetensors   f32, f64, f16, bf16, i64, i32, u8 and bool tensors, a 0-d tensor, an
                               empty tensor and metadata, written by the reference implementation
  python_fixture.json          what a reader must find in it: metadata, the tensors in data order,
                               and each tensor's dtype, shape and values (floats as raw bit patterns,
                               so NaN, -0.0, infinities and subnormals are checked exactly)
  python_unsupported.safetensors  a valid file with an I8 tensor, a dtype nimbus does not load

NumPy has no bfloat16, so the bf16 tensor is given to the package's `serialize` as raw 16-bit
patterns (TensorSpec with dtype "bfloat16"); the package writes them as BF16 unchanged.

With --check FILE it instead loads FILE (for example one written by nimbus) with the package and
prints every tensor, so the other direction of compatibility can be confirmed by hand.

Usage: make_safetensors_fixture.py [--out DIR]
       make_safetensors_fixture.py --check FILE.safetensors
"""
import argparse
import json
import pathlib
import struct
import sys

try:
    import numpy as np
    import safetensors
    from safetensors import TensorSpec, serialize
    from safetensors.numpy import save_file
except ImportError:
    sys.exit("make_safetensors_fixture.py: needs `pip install safetensors numpy`")


def float_bits(array):
    """Raw little-endian bit patterns of a float array, as Python ints."""
    unsigned = {2: np.uint16, 4: np.uint32, 8: np.uint64}[array.dtype.itemsize]
    return [int(x) for x in np.require(array, requirements="C").view(unsigned).reshape(-1)]


def fixture_tensors():
    f32 = np.array([[0.0, -0.0, 1.5, -2.25],
                    [np.inf, -np.inf, np.nan, 1e-45],
                    [3.4028235e38, 1.1754944e-38, 0.1, -123456.789]], dtype=np.float32)
    f64 = np.array([0.1, -2.5, 1e300, 5e-324, -0.0], dtype=np.float64)
    f16 = np.array([[1.0, -2.0, 65504.0], [6e-8, np.inf, np.nan]], dtype=np.float16)
    i64_0d = np.array(123456789012345, dtype=np.int64)
    i64 = np.array([-(2**63), -1, 0, 2**63 - 1], dtype=np.int64)
    i32 = np.array([-(2**31), 7, 2**31 - 1], dtype=np.int32)
    u8 = np.array([0, 1, 127, 128, 200, 254, 255, 3], dtype=np.uint8).reshape(2, 2, 2)
    mask = np.array([True, False, False, True, True])
    empty = np.zeros((0, 3), dtype=np.float32)
    return {
        "embed.weight": f32,
        "fc.bias": f64,
        "norm.scale": f16,
        "step": i64_0d,
        "ids": i64,
        "counts": i32,
        "pixels": u8,
        "mask": mask,
        "empty": empty,
    }


# bf16 bit patterns: 1.0, -3.0, the largest finite, the smallest subnormal, -0.0, a quiet NaN.
BF16_BITS = [0x3F80, 0xC040, 0x7F7F, 0x0001, 0x8000, 0x7FC0]
BF16_SHAPE = [2, 3]

METADATA = {"format": "np", "producer": "make_safetensors_fixture.py", "note": "unicode \u2713 \u00e9"}

NAMES = {np.float32: "F32", np.float64: "F64", np.float16: "F16", np.int64: "I64", np.int32: "I32",
         np.uint8: "U8", np.bool_: "BOOL"}


def expected_entry(array):
    entry = {"dtype": NAMES[array.dtype.type], "shape": list(array.shape)}
    if array.dtype.kind == "f":
        entry["bits"] = float_bits(array)
    elif array.dtype.kind == "b":
        entry["values"] = [bool(x) for x in array.reshape(-1)]
    else:
        entry["values"] = [int(x) for x in array.reshape(-1)]
    return entry


def data_order(path):
    """Tensor names sorted by their data offsets, read from the file's own header."""
    raw = path.read_bytes()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n])
    header.pop("__metadata__", None)
    return [name for name, _ in sorted(header.items(), key=lambda kv: tuple(kv[1]["data_offsets"]))]


def write_fixture(out):
    tensors = fixture_tensors()
    specs = {}
    for name, array in tensors.items():
        array = np.require(array, requirements="C")  # unlike ascontiguousarray, keeps 0-d as 0-d
        tensors[name] = array
        specs[name] = TensorSpec(dtype=array.dtype.name, shape=list(array.shape), data_ptr=array.ctypes.data,
                                 data_len=array.nbytes)
    bf16 = np.array(BF16_BITS, dtype=np.uint16)
    specs["attn.bf16"] = TensorSpec(dtype="bfloat16", shape=BF16_SHAPE, data_ptr=bf16.ctypes.data,
                                    data_len=bf16.nbytes)
    path = out / "python_fixture.safetensors"
    path.write_bytes(bytes(serialize(specs, metadata=METADATA)))  # arrays stay alive until here

    expected = {name: expected_entry(array) for name, array in tensors.items()}
    expected["attn.bf16"] = {"dtype": "BF16", "shape": BF16_SHAPE, "bits": BF16_BITS}
    sidecar = {
        "written_by": f"safetensors {safetensors.__version__}, numpy {np.__version__}",
        "metadata": METADATA,
        "order": data_order(path),
        "tensors": expected,
    }
    (out / "python_fixture.json").write_text(json.dumps(sidecar, indent=1, ensure_ascii=False) + "\n")

    save_file({"weights.q": np.array([-128, -1, 0, 127], dtype=np.int8),
               "scale": np.array([0.5], dtype=np.float32)},
              str(out / "python_unsupported.safetensors"), metadata={"quantized": "int8"})
    for name in ("python_fixture.safetensors", "python_fixture.json", "python_unsupported.safetensors"):
        print(f"wrote {out / name} ({(out / name).stat().st_size} bytes)")


def check(path):
    """Loads a file with the reference implementation and prints what it holds."""
    from safetensors import safe_open
    with safe_open(str(path), framework="np") as f:
        print("metadata:", f.metadata())
        for name in f.keys():
            sl = f.get_slice(name)
            dtype = sl.get_dtype()
            if dtype == "BF16":
                print(f"{name}: BF16 {sl.get_shape()} (numpy has no bfloat16; header accepted)")
                continue
            array = f.get_tensor(name)
            print(f"{name}: {dtype} {list(array.shape)} {array.reshape(-1)[:8].tolist()}")
    print(f"{path}: loaded by safetensors {safetensors.__version__}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default_out = pathlib.Path(__file__).resolve().parents[2] / "tests" / "frontend" / "data"
    parser.add_argument("--out", type=pathlib.Path, default=default_out)
    parser.add_argument("--check", type=pathlib.Path, help="load this file with the package and print it")
    args = parser.parse_args()
    if args.check:
        check(args.check)
        return
    args.out.mkdir(parents=True, exist_ok=True)
    write_fixture(args.out)


if __name__ == "__main__":
    main()
