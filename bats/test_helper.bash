# Shared by every .bats file: assertions, the project's paths, and a
# private temp dir per test (BATS_TEST_TMPDIR).
load '/usr/lib/bats/bats-support/load.bash'
load '/usr/lib/bats/bats-assert/load.bash'

TOP=$(cd "$BATS_TEST_DIRNAME/.." && pwd)
BIN=$TOP/bin
FIXTURES=$TOP/bats/fixtures
export TOP BIN FIXTURES
