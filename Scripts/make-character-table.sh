#!/bin/sh
# Writes Sources/HosoIndex/CharacterTable+Data.swift: the analyzer's character tables (class,
# tone, exact and folded bytes of U+0000–U+024F and U+1E00–U+1EFF) as this toolchain's Unicode
# data and Foundation's normalization give them. Run it only on purpose: a change of these
# tables changes the keys of every index, which then needs `hoso rebuild`.
set -eu
cd "$(dirname "$0")/.."
HOSO_WRITE_CHARACTER_TABLE="$PWD/Sources/HosoIndex/CharacterTable+Data.swift" \
  swift test --filter 'AnalyzerTests/frozenCharacterTableIsUnicodes' > /dev/null 2>&1 || true
echo "wrote Sources/HosoIndex/CharacterTable+Data.swift; run the tests again to check it"
