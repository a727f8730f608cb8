#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder's image (Ubuntu, network
# available), with the bundle unpacked in /autograder/source. It installs a Rust toolchain,
# builds the checker, and grades the kit's stubs once so that the build cache (target/) holds
# every dependency: grading a submission later compiles only the small topic crates.
# Written by `cargo checker autograder gradescope`.
set -euo pipefail

# The topic or exercise this assignment grades (empty: every exercise of the kit).
CHECKER_ONLY=""

ROOT="${AUTOGRADER_ROOT:-/autograder}"
SOURCE="$ROOT/source"

# The toolchain goes where the official Rust images put it (run_autograder looks there),
# whatever HOME is at grading time. A toolchain already on PATH is used as it is.
if [[ -d /usr/local/cargo/bin ]]; then
    export RUSTUP_HOME="${RUSTUP_HOME:-/usr/local/rustup}"
    export CARGO_HOME="${CARGO_HOME:-/usr/local/cargo}"
    export PATH="$CARGO_HOME/bin:$PATH"
fi
if ! command -v cargo >/dev/null; then
    echo "== installing a C linker and the Rust toolchain (${RUST_TOOLCHAIN:-stable})"
    export RUSTUP_HOME=/usr/local/rustup CARGO_HOME=/usr/local/cargo
    export PATH="$CARGO_HOME/bin:$PATH"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update
    apt-get install -y --no-install-recommends build-essential ca-certificates curl
    curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs |
        sh -s -- -y --profile minimal --no-modify-path --default-toolchain "${RUST_TOOLCHAIN:-stable}"
fi
cargo --version

echo "== building the checker"
cd "$SOURCE"
cargo build --release --locked --package checker
CHECKER="$SOURCE/target/release/checker"

echo "== warming the build cache: grading the stubs as shipped (they fail; that is expected)"
if [[ -n "$CHECKER_ONLY" ]]; then
    what=("$CHECKER_ONLY")
else
    what=(--all)
fi
warm="$(mktemp)"
status=0
"$CHECKER" --root "$SOURCE" check "${what[@]}" --format json --output "$warm" || status=$?
rm -f "$warm" "$SOURCE/.checker-progress.json"
# 0: everything passed, 1: something failed (the stubs do). Anything else is an environment
# error that every submission would meet too: fail the image's build now, where it shows.
if [[ "$status" -gt 1 ]]; then
    echo "setup.sh: the checker could not grade the stubs (exit $status)" >&2
    exit "$status"
fi
echo "== ready"
