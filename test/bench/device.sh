#!/usr/bin/env bash
# The gpu.js probe step on a real GPU: steps/s of the device-resident gpu.js step through WebGPU in Node
# (Dawn's dawn.node from the `webgpu` npm package that gpu.js depends on, on Vulkan) against the CPU path
# (`--backend cpu`), at d = 64, 128, 256, 512; after a 3-step agreement check against the reference.
# Why WebGPU in Node: headless-gl needs X/GLX and its prebuilt binary comes from outside the registry;
# headless Chromium with hardware GL is over 100 MB to carry; Dawn is 17 MB and needs only a Vulkan loader.
#
#   bash test/bench/device.sh stage        on a machine with the npm registry and Debian (this one):
#                                          builds the benchmark into .device/ with a Node binary, dawn.node
#                                          and the libvulkan1 .deb, all compressed; prints the carry list
#   bash test/bench/device.sh run [ARGS]   on the GPU machine: unpacks .device/ (no network needed) and
#                                          runs it; without .device/ it installs from npm and Debian first.
#                                          ARGS go to the benchmark (--widths 64,128 --modes webgpu,cpu
#                                          --budget 6 --layers 12); prints what failed and goes on.
set -uo pipefail
cd "$(dirname "$0")/../.."
ROOT="$PWD"
STAGE="$ROOT/.device"
WORK="${NORMSCOPE_DEVICE_TMP:-/tmp/normscope-device}"
NODE_PREFIX=()

stage() {
  set -e
  command -v xz >/dev/null || { echo "stage: needs xz (apt-get install xz-utils)"; exit 1; }
  [ -d node_modules/gpu.js ] || npm ci --no-audit --no-fund
  rm -rf "$STAGE"
  mkdir -p "$STAGE/debs"
  node esbuild.mjs >/dev/null
  # One self-contained bundle (gpu.js and acorn inside), the CPU path's worker beside it.
  node -e '
    require("esbuild").buildSync({ entryPoints: ["test/bench/device.bench.ts"], outfile: ".device/device.bench.js",
      bundle: true, platform: "node", format: "cjs", target: "node20", keepNames: true, external: ["gl", "webgpu"],
      logLevel: "warning" });'
  cp dist/probe.worker.js "$STAGE/"
  local dawn="node_modules/webgpu/dist/linux-x64.dawn.node"
  xz -T0 -6 -c "$dawn" > "$STAGE/linux-x64.dawn.node.xz"
  # The Node that runs here (official builds need glibc 2.28), stripped of its debug info.
  local node_bin
  node_bin="$(readlink -f "$(command -v node)")"
  local cached="/tmp/normscope-node-$(node -v)-$(stat -c %s "$node_bin").xz"
  if [ ! -s "$cached" ]; then
    strip -o "$WORK.node" "$node_bin" 2>/dev/null || cp "$node_bin" "$WORK.node"
    xz -T0 -6 -c "$WORK.node" > "$cached.part" && mv "$cached.part" "$cached"
    rm -f "$WORK.node"
  fi
  cp "$cached" "$STAGE/node.xz"
  node -v > "$STAGE/node.version"
  # The Vulkan loader Dawn dlopens; the NVIDIA driver there brings its own ICD.
  if command -v apt-get >/dev/null; then
    local lists=/tmp/normscope-apt-amd64
    local o="-oAPT::Architecture=amd64 -oAPT::Architectures=amd64 -oDir::State::Lists=$lists"
    mkdir -p "$lists/partial"
    apt-get $o update -qq >/dev/null 2>&1 || echo "stage: apt-get update failed; libvulkan1 not staged"
    # libglvnd0 brings libGLdispatch.so.0, which NVIDIA's Vulkan driver (libGLX_nvidia.so.0) needs to load:
    # without it the loader reports "Found no drivers" (seen on the H200 machine, whose image has neither).
    (cd "$STAGE/debs" && apt-get $o download libvulkan1 libglvnd0 >/dev/null 2>&1) || echo "stage: libvulkan1/libglvnd0 not downloaded"
    # dawn.node needs glibc ≥ 2.38 and GLIBCXX_3.4.32: Debian trixie's C and C++ runtimes, for a machine whose
    # own are older (run starts Node through their loader then). Their own apt lists, beside the system's.
    local tlists=/tmp/normscope-apt-trixie
    mkdir -p "$tlists/partial" "$STAGE/debs/runtime"
    echo "deb http://deb.debian.org/debian trixie main" > "$tlists.list"
    local t="$o -oDir::State::Lists=$tlists -oDir::Etc::SourceList=$tlists.list -oDir::Etc::SourceParts=/dev/null"
    apt-get $t update -qq >/dev/null 2>&1 || echo "stage: apt-get update (trixie) failed"
    (cd "$STAGE/debs/runtime" && apt-get $t download libc6 libstdc++6 libgcc-s1 >/dev/null 2>&1) || echo "stage: trixie runtime not downloaded"
  fi
  git rev-parse --short HEAD > "$STAGE/commit" 2>/dev/null || true
  (cd "$STAGE" && sha256sum $(find . -type f ! -name SHA256SUMS | sort) > SHA256SUMS)
  set +e
  echo "stage: $(du -sh "$STAGE" | cut -f1) in $STAGE:"
  (cd "$STAGE" && ls -la . debs debs/runtime | sed 's/^/  /')
  git check-ignore -q "$STAGE" || echo "stage: WARNING: .device/ is not ignored by git"
  echo "carry: [\".device\"]"
  echo "run:   bash test/bench/device.sh run"
}

# Extracts a .deb's files under $2 with dpkg-deb, or with Python where there is no dpkg.
extract_deb() {
  if command -v dpkg-deb >/dev/null; then dpkg-deb -x "$1" "$2"; return; fi
  python3 - "$1" "$2" <<'PY'
import io, sys, tarfile
data = open(sys.argv[1], 'rb').read()
pos = 8
while pos < len(data):
    name = data[pos:pos + 16].decode().strip().rstrip('/')
    size = int(data[pos + 48:pos + 58].decode().strip())
    body = data[pos + 60:pos + 60 + size]
    if name.startswith('data.tar'):
        tarfile.open(fileobj=io.BytesIO(body)).extractall(sys.argv[2])
    pos += 60 + size + (size & 1)
PY
}

unxz_to() {
  if command -v xz >/dev/null; then xz -dc "$1" > "$2"
  else python3 -c 'import lzma, shutil, sys; shutil.copyfileobj(lzma.open(sys.argv[1]), open(sys.argv[2], "wb"))' "$1" "$2"
  fi
}

run_staged() {
  mkdir -p "$WORK/root"
  echo "run: staged bundle of commit $(cat "$STAGE/commit" 2>/dev/null || echo '?'), Node $(cat "$STAGE/node.version" 2>/dev/null)"
  (cd "$STAGE" && sha256sum -c --quiet SHA256SUMS) || echo "run: WARNING: checksums differ from staging"
  unxz_to "$STAGE/node.xz" "$WORK/node" && chmod +x "$WORK/node"
  unxz_to "$STAGE/linux-x64.dawn.node.xz" "$WORK/linux-x64.dawn.node"
  NODE="$WORK/node"
  if ! "$NODE" -v >/dev/null 2>&1; then
    echo "run: the carried Node does not start here: $("$NODE" -v 2>&1 | head -2)"
    NODE="$(command -v node || true)"
    [ -n "$NODE" ] || { echo "run: no Node.js at all; nothing to run"; return 1; }
    echo "run: using $NODE ($("$NODE" -v)) instead"
  fi
  if ! ldconfig -p 2>/dev/null | grep -q 'libvulkan.so.1' || ! ldconfig -p 2>/dev/null | grep -q 'libGLdispatch.so.0'; then
    for deb in "$STAGE"/debs/*.deb; do [ -f "$deb" ] && extract_deb "$deb" "$WORK/root"; done
    export LD_LIBRARY_PATH="$WORK/root/usr/lib/x86_64-linux-gnu${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
    echo "run: no system libvulkan.so.1 or libGLdispatch.so.0; using the carried ones ($(ls "$WORK"/root/usr/lib/x86_64-linux-gnu/ 2>/dev/null | grep -E 'libvulkan.so.1$|libGLdispatch.so.0$' | tr '\n' ' '))"
  fi
  DAWN="$WORK/linux-x64.dawn.node"
  BENCH="$STAGE/device.bench.js"
  # Older C/C++ runtimes than dawn.node needs: start Node through the carried trixie loader and libraries.
  local glibc libstdcxx
  glibc="$(ldd --version 2>/dev/null | head -1 | grep -oE '[0-9]+\.[0-9]+$')"
  libstdcxx="$(ldconfig -p 2>/dev/null | grep -m1 'libstdc++.so.6 ' | sed 's/.*=> //')"
  if ! printf '%s\n2.38\n' "${glibc:-0}" | sort -V -C -r 2>/dev/null || ! grep -qa GLIBCXX_3.4.32 "${libstdcxx:-/nonexistent}"; then
    if ls "$STAGE"/debs/runtime/*.deb >/dev/null 2>&1; then
      mkdir -p "$WORK/runtime"
      for deb in "$STAGE"/debs/runtime/*.deb; do extract_deb "$deb" "$WORK/runtime"; done
      local lib="$WORK/runtime/usr/lib/x86_64-linux-gnu"
      NODE_PREFIX=("$lib/ld-linux-x86-64.so.2" --library-path "$lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}")
      echo "run: glibc ${glibc:-?} / libstdc++ without GLIBCXX_3.4.32 here: Node starts through the carried trixie runtime"
    else
      echo "run: glibc ${glibc:-?} here and no carried runtime: dawn.node will not load"
    fi
  fi
}

run_installed() {
  echo "run: no staged .device/; installing from Debian and npm"
  if command -v apt-get >/dev/null && ! ldconfig -p 2>/dev/null | grep -q 'libvulkan.so.1'; then
    DEBIAN_FRONTEND=noninteractive apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends libvulkan1 libglvnd0 xz-utils \
      || echo "run: apt-get install libvulkan1 failed"
  fi
  NODE="$(command -v node || true)"
  [ -n "$NODE" ] || { echo "run: no Node.js here and no staged one: install Node ≥ 20 (or stage on another machine)"; return 1; }
  [ -d node_modules/gpu.js ] || npm ci --no-audit --no-fund || { echo "run: npm ci failed"; return 1; }
  node esbuild.mjs --tests >/dev/null || { echo "run: build failed"; return 1; }
  DAWN="$ROOT/node_modules/webgpu/dist/linux-x64.dawn.node"
  BENCH="$ROOT/out/bench/device.bench.js"
}

run() {
  echo "run: $(uname -m), $(ldd --version 2>/dev/null | head -1) (dawn.node needs glibc ≥ 2.38)"
  command -v nvidia-smi >/dev/null && nvidia-smi -L
  if [ -f "$STAGE/device.bench.js" ]; then run_staged || return 1; else run_installed || return 1; fi
  # The NVIDIA driver's Vulkan ICD where this kind of machine keeps it, unless one is already named.
  local icd=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
  if [ -z "${VK_DRIVER_FILES:-}${VK_ICD_FILENAMES:-}" ] && [ -f "$icd" ]; then
    export VK_DRIVER_FILES="$icd" VK_ICD_FILENAMES="$icd"
    echo "run: VK_DRIVER_FILES=$icd"
  fi
  echo "run: $("$NODE" -v) $BENCH"
  timeout --kill-after=10 "${NORMSCOPE_DEVICE_TIMEOUT:-280}" "${NODE_PREFIX[@]}" "$NODE" "$BENCH" --dawn "$DAWN" "$@"
  local status=$?
  [ "$status" -eq 124 ] && echo "run: the benchmark ran past ${NORMSCOPE_DEVICE_TIMEOUT:-280} s and was stopped"
  return "$status"
}

case "${1:-}" in
  stage) shift; stage "$@" ;;
  run) shift; run "$@" ;;
  *) echo "usage: bash test/bench/device.sh stage | run [benchmark args]"; exit 2 ;;
esac
