#!/usr/bin/env bash
# tfjs-native.sh PROJECT_ROOT
#
# Builds a working native addon for @tensorflow/tfjs-node 4.22.0 without the
# package's own install script (which downloads libtensorflow 2.9.1 from a
# storage bucket that is not reachable here).  The TensorFlow C library is
# taken from the PyPI wheel tensorflow-cpu 2.16.2 (it ships
# libtensorflow_cc.so.2, which exports the TF_* and TFE_* C API, plus
# libtensorflow_framework.so.2 and the C headers).
#
# Steps (each one skipped when its result is already in place):
#   1. download the pinned wheel with pip into the cache, check its sha256
#   2. extract the two shared libraries and the 14 headers the binding needs
#      into the cache, check the libraries' sha256
#   3. place them in node_modules/@tensorflow/tfjs-node/deps/{lib,include}
#      (hard links to the cache when possible, else copies)
#   4. compile the addon from source with node-pre-gyp/node-gyp against the
#      local Node headers (no network)
#   5. load it with node and check that the backend is 'tensorflow'
#
# Environment:
#   TFJS_NATIVE_CACHE   cache directory (default: PROJECT_ROOT/.cache/tfjs-native)
#   TFJS_NATIVE_FORCE=1 rebuild even if the stamp says everything is in place
#   npm_config_nodedir  Node headers prefix (default: detected next to `node`)
#
# Needs: node, python3 with pip, g++, make.  No root, no patchelf.
set -euo pipefail

# ---- pinned artifact --------------------------------------------------------
TF_VERSION=2.16.2
TFJS_NODE_VERSION=4.22.0
WHEEL_NAME=tensorflow_cpu-2.16.2-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl
WHEEL_SHA256=c855cb6bf05d32dd5928086b03a5f6b4189b63c22b95e017703cbee4291023ca
WHEEL_SIZE=214055683
LIB_CC_SHA256=ad2b61ad4fce16fb22bb1fcd113d97adfb5906ee06621c9003c8e2189f2de52a
LIB_FW_SHA256=d678cefd32d163e8c6705821814dd896f6e6027a733b14293bf1b516f3e0fd53
# Headers reached from the binding's #includes (closure checked with g++ -M).
HEADERS=(
  tensorflow/c/c_api.h
  tensorflow/c/c_api_macros.h
  tensorflow/c/eager/c_api.h
  tensorflow/c/tf_attrtype.h
  tensorflow/c/tf_buffer.h
  tensorflow/c/tf_datatype.h
  tensorflow/c/tf_status.h
  tensorflow/c/tf_tensor.h
  tensorflow/c/tf_tstring.h
  tensorflow/core/platform/ctstring.h
  tensorflow/core/platform/ctstring_internal.h
  tsl/c/tsl_status.h
  tsl/platform/ctstring.h
  tsl/platform/ctstring_internal.h
)

T0=$(date +%s)
log() { printf '[tfjs-native %3ss] %s\n' "$(( $(date +%s) - T0 ))" "$*" >&2; }
die() { printf '[tfjs-native] ERROR: %s\n' "$*" >&2; exit 1; }

# ---- arguments and environment checks ---------------------------------------
[ $# -eq 1 ] || die "usage: $0 PROJECT_ROOT (the directory holding node_modules/@tensorflow/tfjs-node)"
[ -d "$1" ] || die "project root '$1' is not a directory"
ROOT=$(cd "$1" && pwd -P)
PKG=$ROOT/node_modules/@tensorflow/tfjs-node
[ -f "$PKG/package.json" ] || die "$PKG/package.json not found: run npm ci/npm install in $ROOT first"
CACHE=${TFJS_NATIVE_CACHE:-$ROOT/.cache/tfjs-native}

[ "$(uname -s)" = Linux ] && [ "$(uname -m)" = x86_64 ] \
  || die "only Linux x86_64 is supported (this is $(uname -s) $(uname -m))"
grep -qw avx /proc/cpuinfo || die "this CPU lacks AVX, which the TensorFlow $TF_VERSION wheel requires"
for tool in node python3 g++ make sha256sum; do
  command -v "$tool" >/dev/null 2>&1 \
    || die "'$tool' not found (Debian: apt-get install -y g++ make python3 python3-pip)"
done
python3 -m pip --version >/dev/null 2>&1 || die "python3 -m pip is not available (Debian: apt-get install -y python3-pip)"

PKG_VERSION=$(node -p "require(process.argv[1]).version" "$PKG/package.json")
[ "$PKG_VERSION" = "$TFJS_NODE_VERSION" ] \
  || die "@tensorflow/tfjs-node is $PKG_VERSION; this script is pinned to and tested with $TFJS_NODE_VERSION"

# Node headers: node-gyp must not try to download them.
NODEDIR=${npm_config_nodedir:-}
if [ -z "$NODEDIR" ]; then
  NODEDIR=$(dirname "$(dirname "$(readlink -f "$(command -v node)")")")
fi
[ -f "$NODEDIR/include/node/node_api.h" ] && [ -f "$NODEDIR/include/node/common.gypi" ] \
  || die "Node headers not found under $NODEDIR/include/node (set npm_config_nodedir to the prefix that holds include/node)"
export npm_config_nodedir=$NODEDIR

# node-gyp: the one bundled with npm unless npm_config_node_gyp is set.
if [ -z "${npm_config_node_gyp:-}" ] && command -v npm >/dev/null 2>&1; then
  cand=$(dirname "$(readlink -f "$(command -v npm)")")/../node_modules/node-gyp/bin/node-gyp.js
  [ -f "$cand" ] && export npm_config_node_gyp=$(readlink -f "$cand")
fi
NODE_PRE_GYP=$(cd "$PKG" && node -p "require.resolve('@mapbox/node-pre-gyp/bin/node-pre-gyp')" 2>/dev/null) \
  || die "@mapbox/node-pre-gyp (a dependency of tfjs-node) is not installed"

ADDON_REL=$(cd "$PKG" && node -p "
  const b = require('./package.json').binary;
  const napi = Math.max(...b.napi_versions.filter(v => v <= Number(process.versions.napi)));
  b.module_path.replace('{napi_build_version}', napi) + '/' + b.module_name + '.node'")
ADDON=$PKG/${ADDON_REL#./}
STAMP_FILE=$PKG/deps/.tfjs-native-stamp
STAMP="tf=$TF_VERSION wheel=$WHEEL_SHA256 tfjs-node=$PKG_VERSION node=$(node -p 'process.version + " abi" + process.versions.modules + " napi" + process.versions.napi') addon=$ADDON_REL"

verify() {
  (cd "$ROOT" && TF_CPP_MIN_LOG_LEVEL=2 node -e "
    const tf = require('@tensorflow/tfjs-node');
    const backend = tf.getBackend(), tfv = tf.backend().binding.TF_Version;
    const got = Array.from(tf.matMul([[1, 2], [3, 4]], [[5], [6]]).dataSync());
    if (backend !== 'tensorflow' || tfv !== '$TF_VERSION' || got.join() !== '17,39') {
      console.error('unexpected: backend=' + backend + ' TF=' + tfv + ' matmul=' + got);
      process.exit(1);
    }
    console.log('OK backend=' + backend + ' TensorFlow=' + tfv + ' tfjs-node=' + tf.version['tfjs-node']);
  ")
}

# ---- fast path ---------------------------------------------------------------
if [ "${TFJS_NATIVE_FORCE:-0}" != 1 ] && [ -f "$ADDON" ] && [ -f "$STAMP_FILE" ] \
   && [ "$(cat "$STAMP_FILE")" = "$STAMP" ]; then
  log "addon already built for this setup ($ADDON_REL); verifying"
  if verify; then log "done (nothing to do)"; exit 0; fi
  log "verification failed; rebuilding"
fi

mkdir -p "$CACHE"
exec 9>"$CACHE/.lock"
command -v flock >/dev/null 2>&1 && flock 9

# ---- 1. download the wheel -----------------------------------------------------
WHEEL=$CACHE/$WHEEL_NAME
sha_ok() { [ "$(sha256sum "$1" | cut -d' ' -f1)" = "$2" ]; }
if [ -f "$WHEEL" ] && sha_ok "$WHEEL" "$WHEEL_SHA256"; then
  log "cached wheel OK: $WHEEL"
else
  rm -f "$WHEEL"
  log "downloading tensorflow-cpu==$TF_VERSION wheel ($WHEEL_SIZE bytes) with pip"
  tmpdl=$(mktemp -d "$CACHE/download.XXXXXX")
  printf 'tensorflow-cpu==%s --hash=sha256:%s\n' "$TF_VERSION" "$WHEEL_SHA256" > "$tmpdl/req.txt"
  if ! python3 -m pip download --quiet --disable-pip-version-check --no-deps --no-cache-dir --require-hashes \
        --only-binary=:all: --platform manylinux2014_x86_64 --python-version 3.11 \
        --implementation cp --abi cp311 -r "$tmpdl/req.txt" -d "$tmpdl" >&2; then
    rm -rf "$tmpdl"; die "pip download of tensorflow-cpu==$TF_VERSION failed"
  fi
  [ -f "$tmpdl/$WHEEL_NAME" ] || { ls -l "$tmpdl" >&2; rm -rf "$tmpdl"; die "pip did not produce $WHEEL_NAME"; }
  sha_ok "$tmpdl/$WHEEL_NAME" "$WHEEL_SHA256" || { rm -rf "$tmpdl"; die "sha256 mismatch for $WHEEL_NAME"; }
  mv "$tmpdl/$WHEEL_NAME" "$WHEEL"
  rm -rf "$tmpdl"
  log "wheel downloaded and sha256 verified"
fi

# ---- 2. extract libraries and headers into the cache ---------------------------
EXTRACT=$CACHE/tensorflow-$TF_VERSION
if [ -f "$EXTRACT/.complete" ] && [ "$(cat "$EXTRACT/.complete")" = "$WHEEL_SHA256" ]; then
  log "cached extraction OK: $EXTRACT"
else
  log "extracting libraries and headers from the wheel"
  rm -rf "$EXTRACT" "$EXTRACT.tmp"
  mkdir -p "$EXTRACT.tmp"
  python3 - "$WHEEL" "$EXTRACT.tmp" "${HEADERS[@]}" <<'PY'
import os, shutil, sys, zipfile
wheel, dest, headers = sys.argv[1], sys.argv[2], sys.argv[3:]
members = {'tensorflow/libtensorflow_cc.so.2': 'lib/libtensorflow_cc.so.2',
           'tensorflow/libtensorflow_framework.so.2': 'lib/libtensorflow_framework.so.2'}
for h in headers:
    members['tensorflow/include/' + h] = 'include/' + h
with zipfile.ZipFile(wheel) as z:
    for src, rel in members.items():
        out = os.path.join(dest, rel)
        os.makedirs(os.path.dirname(out), exist_ok=True)
        with z.open(src) as fi, open(out, 'wb') as fo:   # KeyError if absent
            shutil.copyfileobj(fi, fo, 1 << 20)
PY
  sha_ok "$EXTRACT.tmp/lib/libtensorflow_cc.so.2" "$LIB_CC_SHA256" || die "sha256 mismatch: libtensorflow_cc.so.2"
  sha_ok "$EXTRACT.tmp/lib/libtensorflow_framework.so.2" "$LIB_FW_SHA256" || die "sha256 mismatch: libtensorflow_framework.so.2"
  chmod 755 "$EXTRACT.tmp"/lib/*.so.2
  echo "$WHEEL_SHA256" > "$EXTRACT.tmp/.complete"
  mv "$EXTRACT.tmp" "$EXTRACT"
  log "extracted to $EXTRACT"
fi

# ---- 3. place into tfjs-node/deps ----------------------------------------------
log "placing libraries and headers in $PKG/deps"
rm -rf "$PKG/deps.tmp"
mkdir -p "$PKG/deps.tmp"
if ! cp -al "$EXTRACT/lib" "$EXTRACT/include" "$PKG/deps.tmp/" 2>/dev/null; then
  rm -rf "$PKG/deps.tmp"; mkdir -p "$PKG/deps.tmp"
  cp -a "$EXTRACT/lib" "$EXTRACT/include" "$PKG/deps.tmp/"
fi
# binding.gyp links -ltensorflow -ltensorflow_framework; the addon then records
# the sonames libtensorflow_cc.so.2 / libtensorflow_framework.so.2.
ln -s libtensorflow_cc.so.2 "$PKG/deps.tmp/lib/libtensorflow.so"
ln -s libtensorflow_framework.so.2 "$PKG/deps.tmp/lib/libtensorflow_framework.so"
# scripts/install.js skips its download when this file exists (npm rebuild).
ln -s libtensorflow_cc.so.2 "$PKG/deps.tmp/lib/libtensorflow.so.2.9.1"
ln -s libtensorflow_framework.so.2 "$PKG/deps.tmp/lib/libtensorflow_framework.so.2.9.1"
rm -rf "$PKG/deps"
mv "$PKG/deps.tmp" "$PKG/deps"

# ---- 4. build the addon ----------------------------------------------------------
log "building the addon (node-gyp, nodedir=$npm_config_nodedir)"
rm -f "$ADDON"
BUILD_LOG=$CACHE/build.log
if ! (cd "$PKG" && node "$NODE_PRE_GYP" install --build-from-source) > "$BUILD_LOG" 2>&1; then
  tail -40 "$BUILD_LOG" >&2
  die "addon build failed (full log: $BUILD_LOG)"
fi
[ -f "$ADDON" ] || { tail -40 "$BUILD_LOG" >&2; die "build finished but $ADDON is missing (log: $BUILD_LOG)"; }
if command -v readelf >/dev/null 2>&1; then
  dyn=$(readelf -d "$ADDON")
  grep -q 'NEEDED.*\[libtensorflow_cc\.so\.2\]' <<<"$dyn" || die "addon does not link libtensorflow_cc.so.2"
  grep -q 'R.*PATH.*\$ORIGIN/\.\./\.\./deps/lib' <<<"$dyn" || die "addon lacks the \$ORIGIN/../../deps/lib runpath"
fi
log "built $ADDON_REL"

# ---- 5. verify -------------------------------------------------------------------
verify || die "the built addon does not load or compute correctly"
echo "$STAMP" > "$STAMP_FILE"
log "done"
