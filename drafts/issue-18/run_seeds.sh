#!/bin/sh
# The seed table of the prototype: seeds 0, 1, 2, one job at a time, 1 thread, nice 19.
# M: mean-pooled head (diagnostic variant), all sizes; L: GPT-1's extract-token head, smallest size.
cd "$(dirname "$0")/../.." || exit 2
PY=${PY:-/work/main/.venv/bin/python}
COMMON="--vocab 2048 --layers 3 --embd 64 --pre-steps 600 --pre-lr 1e-2 --ft-steps 100 --eval-every 25 \
  --ft-lr 3e-4 1e-3 --head-lr-mult 10 --scratch-lr 1e-3 3e-3 --aux 0.5 --aux-sizes 200 --cache"
for seed in 0 1 2; do
  nice -n 19 $PY drafts/issue-18/gpt_prototype.py $COMMON --seed $seed --pool mean --sizes 200 1000 0 \
    --json /tmp/gpt18_mean.jsonl 2>&1 | grep -v Warn
  nice -n 19 $PY drafts/issue-18/gpt_prototype.py $COMMON --seed $seed --pool last --sizes 200 \
    --json /tmp/gpt18_last.jsonl 2>&1 | grep -v Warn
done
