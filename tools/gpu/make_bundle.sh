#!/usr/bin/env bash
# `make gpu-bundle`: everything the GPU checks need on a GPU host that is offline and lacks our
# Debian packages, in one folder to copy there: the built `nimbus` tool and `gpu_tests`, the
# nimbus libraries (the CUDA module included), and the non-NVIDIA shared libraries they load
# (yaml-cpp, libpg_query, simdjson, zlib, libgomp). Left out on purpose:
#  - the C library family (glibc, libstdc++, libgcc_s): every host has them, and a newer one serves;
#  - cuBLAS and the CUDA runtime: they come from the host's toolkit or its Python `nvidia`
#    packages (tools/gpu/check.py finds them), and they are hundreds of megabytes;
#  - OpenBLAS (36 MB): the CPU side of the parity tests falls back to the built-in GEMM.
# Usage: make_bundle.sh BUILD_DIR BUNDLE_DIR    (BUILD_DIR must hold a CUDA-ON build)
set -euo pipefail
build=${1:?usage: make_bundle.sh BUILD_DIR BUNDLE_DIR}
bundle=${2:?usage: make_bundle.sh BUILD_DIR BUNDLE_DIR}

for f in "$build/bin/nimbus" "$build/bin/gpu_tests" "$build/lib/libnimbus_cuda.so"; do
  [[ -e $f ]] || { echo "make_bundle.sh: $f is missing: build with -DNIMBUS_CUDA=ON first" >&2; exit 1; }
done

rm -rf "$bundle"
mkdir -p "$bundle/bin" "$bundle/lib"
cp "$build/bin/nimbus" "$build/bin/gpu_tests" "$bundle/bin/"
cp -P "$build"/lib/libnimbus_*.so* "$bundle/lib/"

# Non-NVIDIA, non-C-library dependencies of every binary and library, copied under their sonames.
is_system() { [[ $1 =~ ^(linux-vdso|ld-linux|libc\.|libm\.|libdl\.|librt\.|libpthread\.|libstdc\+\+|libgcc_s) ]]; }
is_nvidia() { [[ $1 =~ ^lib(cublas|cublasLt|cudart|cudnn|cuda|nvrtc|nvJitLink)[.-] ]]; }
for object in "$bundle"/bin/* "$bundle"/lib/libnimbus_*.so*; do
  [[ -L $object ]] && continue
  while read -r soname _ path _; do
    [[ -z $soname || $soname == libnimbus_* ]] && continue
    is_system "$soname" && continue
    is_nvidia "$soname" && continue
    [[ -f $path ]] || { echo "make_bundle.sh: $object needs $soname, which is not found" >&2; exit 1; }
    [[ -e $bundle/lib/$soname ]] || cp -L "$path" "$bundle/lib/$soname"
  done < <(ldd "$object" | grep '=>')
done

{
  root="$(dirname "$0")/../.."
  dirty=""; [[ -n "$(git -C "$root" status --porcelain --untracked-files=no 2>/dev/null)" ]] && dirty=" with uncommitted changes"
  echo "commit $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)$dirty"
  echo "built $(date -u +%Y-%m-%dT%H:%M:%SZ) on $(. /etc/os-release && echo "$PRETTY_NAME")"
  grep -E '^CMAKE_CUDA_ARCHITECTURES|^CMAKE_CUDA_COMPILER_VERSION' "$build/CMakeCache.txt" || true
} > "$bundle/MANIFEST"
echo "make_bundle.sh: $bundle holds $(du -sh "$bundle" | cut -f1) ($(ls "$bundle/lib" | wc -l) libraries);" \
     "copy it with the source tree to the GPU host and run: make gpu-check GPU_BUNDLE=$bundle"
