#!/usr/bin/env bash
# Compile-check the Unity sample's C# (unity_sample/Assets/**/*.cs) without Unity: Mono's mcs against
# the reference-only API stubs in tests/unity_compile (compile-check scaffolding, never shipped into the
# Unity project). Everything is built into throwaway DLLs in a temporary folder; warnings are errors.
#
# Configurations:
#   player          runtime scripts only, no UnityEditor stubs (what a player build compiles), Unity 6.0:
#                   URP with its compatibility-mode API (the project's own editor version)
#   editor          runtime + editor scripts, UNITY_EDITOR, Unity 6.0 URP
#   urp-rendergraph runtime + editor scripts, Unity 6.3+ (UNITY_6000_3_OR_NEWER) without
#                   URP_COMPATIBILITY_MODE: the URP stubs have no compatibility-mode API, Render Graph only
#   urp-compat-6.3  as urp-rendergraph with URP_COMPATIBILITY_MODE defined (the API is back)
#   builtin-only    runtime scripts minus Runtime/URP, against stubs without URP (a project without
#                   the URP package that deleted that folder, as the README says)
#   sentis-2.1      as editor, with RLMINISTYLER_SENTIS_2_1 against the Unity.Sentis namespace
#   input-system    runtime scripts with only the Input System package (ENABLE_INPUT_SYSTEM)
# plus a control: the default code must NOT compile against the Unity.Sentis stubs (so the stubs'
# namespaces are really checked).
#
# Installs mono-mcs with apt-get when mcs is missing (needs root); exits 3 with a message when no
# compiler can be had, 1 when the sample does not compile.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { echo "check_csharp: $*"; }

if ! command -v mcs >/dev/null 2>&1; then
    if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
        say "installing mono-mcs with apt-get"
        export DEBIAN_FRONTEND=noninteractive
        lock=(-o DPkg::Lock::Timeout=300)
        if ! apt-get install -y -qq "${lock[@]}" mono-mcs >/dev/null 2>&1; then
            apt-get update -qq "${lock[@]}" >/dev/null 2>&1 || true
            apt-get install -y -qq "${lock[@]}" mono-mcs >/dev/null 2>&1 || true
        fi
    fi
    if ! command -v mcs >/dev/null 2>&1; then
        echo "check_csharp: error: the C# compiler 'mcs' is not installed and could not be installed" \
             "(that needs root and apt-get); install Debian's mono-mcs package and run again" >&2
        exit 3  # no compiler (as opposed to 1: the sample does not compile)
    fi
fi

STUBS=tests/unity_compile
mapfile -t RUNTIME < <(find unity_sample/Assets -name '*.cs' -not -path '*/Editor/*' | LC_ALL=C sort)
mapfile -t BUILTIN_ONLY < <(find unity_sample/Assets -name '*.cs' -not -path '*/Editor/*' -not -path '*/Runtime/URP/*' | LC_ALL=C sort)
mapfile -t EDITOR < <(find unity_sample/Assets -path '*/Editor/*' -name '*.cs' | LC_ALL=C sort)
if [ "${#RUNTIME[@]}" -eq 0 ]; then
    echo "check_csharp: error: no C# scripts under unity_sample/Assets" >&2
    exit 1
fi

TMP=$(mktemp -d "${TMPDIR:-/tmp}/check_csharp.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
MCS=(mcs -nologo -langversion:latest -warn:4 -warnaserror+ -target:library -r:System.dll -r:System.Core.dll)

defines() {  # "A;B" -> -define:A;B (nothing for "")
    if [ -n "$1" ]; then echo "-define:$1"; fi
}

# build_stubs NAME STUB_DEFINES WITH_URP(0|1): NAME.Engine.dll (UnityEngine, Input System, Inference
# Engine or Sentis, and URP + render graph unless WITH_URP is 0) and NAME.Editor.dll (UnityEditor)
build_stubs() {
    local urp=()
    if [ "$3" = 1 ]; then urp=("$STUBS/UniversalRP.cs"); fi
    "${MCS[@]}" $(defines "$2") -out:"$TMP/$1.Engine.dll" \
        "$STUBS/UnityEngine.cs" "$STUBS/InputSystem.cs" "$STUBS/InferenceEngine.cs" "${urp[@]}"
    "${MCS[@]}" -r:"$TMP/$1.Engine.dll" -out:"$TMP/$1.Editor.dll" "$STUBS/UnityEditor.cs"
}

# compile LABEL STUBS DEFINES WITH_EDITOR(0|1) [RUNTIME_SET]
compile() {
    local label=$1 stubs=$2 defs=$3 with_editor=$4
    local refs=(-r:"$TMP/$stubs.Engine.dll") files=("${RUNTIME[@]}")
    if [ "${5:-}" = builtin-only ]; then files=("${BUILTIN_ONLY[@]}"); fi
    if [ "$with_editor" = 1 ]; then
        refs+=(-r:"$TMP/$stubs.Editor.dll")
        files+=("${EDITOR[@]}")
    fi
    if ! "${MCS[@]}" "${refs[@]}" $(defines "$defs") -out:"$TMP/Sample.$label.dll" "${files[@]}"; then
        echo "check_csharp: error: the sample does not compile in configuration '$label'" >&2
        exit 1
    fi
    say "ok   $label (${#files[@]} files${defs:+, $defs})"
}

build_stubs ie "STUB_URP_COMPATIBILITY" 1       # Unity 6.0 .. 6.2: URP with its compatibility-mode API
build_stubs rg "" 1                             # Unity 6.3+: Render Graph only
build_stubs nourp "" 0
build_stubs sentis "STUB_SENTIS_2_1;STUB_URP_COMPATIBILITY" 1

compile player ie "" 0
compile editor ie "UNITY_EDITOR" 1
compile urp-rendergraph rg "UNITY_EDITOR;UNITY_6000_3_OR_NEWER" 1
compile urp-compat-6.3 ie "UNITY_EDITOR;UNITY_6000_3_OR_NEWER;URP_COMPATIBILITY_MODE" 1
compile builtin-only nourp "" 0 builtin-only
compile sentis-2.1 sentis "UNITY_EDITOR;RLMINISTYLER_SENTIS_2_1" 1
compile input-system ie "ENABLE_INPUT_SYSTEM" 0

# control: with Render Graph-only stubs, the compatibility path must not be compiled (so the
# version defines really select it)
if "${MCS[@]}" -r:"$TMP/rg.Engine.dll" -define:URP_COMPATIBILITY_MODE -out:"$TMP/Sample.control-rg.dll" \
        "${RUNTIME[@]}" >/dev/null 2>&1; then
    echo "check_csharp: error: control failed: the compatibility-mode path compiled against stubs without that API" >&2
    exit 1
fi
say "ok   control (the compatibility-mode path needs the compatibility-mode API)"

if "${MCS[@]}" -r:"$TMP/sentis.Engine.dll" -out:"$TMP/Sample.control.dll" "${RUNTIME[@]}" >/dev/null 2>&1; then
    echo "check_csharp: error: control failed: the default code compiled against the Unity.Sentis stubs," \
         "so the stubs do not check the namespace" >&2
    exit 1
fi
say "ok   control (default code does not compile against Unity.Sentis)"
say "all configurations compile (${#RUNTIME[@]} runtime + ${#EDITOR[@]} editor scripts, mcs $(mcs --version | awk '{print $NF}'))"
