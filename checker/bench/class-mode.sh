#!/usr/bin/env bash
# Benchmark for class mode: grading COPIES student copies of one topic with
# `cargo checker grade` (one build cache, sandboxed tests) against COPIES separate fresh
# `cargo test` runs, one per student clone (each builds from nothing, as a naive CI would).
# The fresh runs are sampled (FRESH_SAMPLES of them) and scaled to COPIES.
#
#   checker/bench/class-mode.sh            # 30 copies of `threads`, 5 fresh samples
#   COPIES=10 FRESH_SAMPLES=2 TOPIC=threads checker/bench/class-mode.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
copies=${COPIES:-30}
samples=${FRESH_SAMPLES:-5}
topic=${TOPIC:-threads}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cargo build --quiet -p checker
checker=$root/target/debug/checker

# The class: mostly solved copies, every tenth one deadlocking (a kept channel Sender).
mkdir -p "$work/class"
for i in $(seq -w 1 "$copies"); do
    mkdir -p "$work/class/student$i/$topic"
    cp -r "solutions/$topic/src" "$work/class/student$i/$topic/"
    if [ $((10#$i % 10)) -eq 0 ] && [ -f "solutions/$topic/wrong/spawn_join/kept_sender.rs" ]; then
        cp "solutions/$topic/wrong/spawn_join/kept_sender.rs" "$work/class/student$i/$topic/src/spawn_join.rs"
    fi
done

now() { date +%s.%N; }
start=$(now)
KIT_TARGET_DIR=$work/target-class "$checker" grade "$work/class" --only "$topic" --out "$work/out" >/dev/null
class_cold=$(echo "$(now) - $start" | bc)
start=$(now)
KIT_TARGET_DIR=$work/target-class "$checker" grade "$work/class" --only "$topic" --out "$work/out" >/dev/null
class_warm=$(echo "$(now) - $start" | bc)

# Fresh `cargo test` per student: a clone of the kit with the student's files, its own target.
fresh_total=0
for i in $(seq 1 "$samples"); do
    clone=$work/fresh$i
    mkdir -p "$clone"
    cp -r Cargo.toml Cargo.lock .cargo checker exercises solutions "$clone/"
    rm -rf "$clone/checker/tests"
    cp -r "$work/class/student$(printf %0${#copies}d "$i")/$topic/src/." "$clone/exercises/$topic/src/"
    start=$(now)
    (cd "$clone" && cargo test --quiet -p "$topic" >/dev/null 2>&1) || true
    fresh_total=$(echo "$fresh_total + $(now) - $start" | bc)
    rm -rf "$clone"
done
fresh_each=$(echo "scale=2; $fresh_total / $samples" | bc)
fresh_all=$(echo "scale=1; $fresh_each * $copies" | bc)

printf '%s copies of `%s` on %s CPUs\n' "$copies" "$topic" "$(nproc)"
printf '  cargo checker grade, cold build cache: %6.1f s\n' "$class_cold"
printf '  cargo checker grade, warm build cache: %6.1f s\n' "$class_warm"
printf '  fresh cargo test per copy:             %6.1f s each (mean of %s), %.1f s for %s\n' "$fresh_each" "$samples" "$fresh_all" "$copies"
printf '  speed-up (fresh / grade cold):          %5.1fx\n' "$(echo "scale=2; $fresh_all / $class_cold" | bc)"
